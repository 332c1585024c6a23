/**
 * The Dockerfile pins its base image by digest: every FROM that names a registry image ends in
 * `@sha256:<64 hex>` or `@${ARG}`, where ARG is declared before the first FROM (so FROM can read
 * it) and has no default or a well-formed digest as its default. A FROM on a bare tag fails here.
 * No image is built (no registry is reachable in the tests).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const DOCKERFILE = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** What is wrong with the Dockerfile's base images; empty when every FROM is pinned. */
function unpinnedBases(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const firstFrom = lines.findIndex((l) => /^FROM\s/i.test(l));
  // Only ARGs before the first FROM are visible to FROM lines.
  const globalArgs = new Map(lines.slice(0, Math.max(firstFrom, 0)).flatMap((l) => {
    const m = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?$/i.exec(l);
    return m ? [[m[1]!, m[2]] as const] : [];
  }));
  const stages = new Set<string>();
  const problems: string[] = [];
  if (firstFrom < 0) return ['no FROM line'];
  for (const line of lines.filter((l) => /^FROM\s/i.test(l))) {
    const words = line.split(/\s+/).slice(1).filter((w) => !w.startsWith('--'));
    const [image, as, stage] = words;
    if (as?.toUpperCase() === 'AS' && stage) stages.add(stage.toLowerCase());
    if (!image || stages.has(image.toLowerCase())) continue;
    const at = image.lastIndexOf('@');
    const digest = at < 0 ? '' : image.slice(at + 1);
    const arg = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(digest)?.[1];
    if (DIGEST.test(digest)) continue;
    if (arg === undefined) problems.push(`${line}: no @sha256 digest and no @\${ARG} for one`);
    else if (!globalArgs.has(arg)) problems.push(`${line}: ${arg} is not an ARG declared before the first FROM`);
    else if (globalArgs.get(arg) && !DIGEST.test(globalArgs.get(arg)!)) problems.push(`${line}: ${arg}'s default is not a sha256 digest`);
  }
  return problems;
}

test('every FROM of the Dockerfile is pinned by a digest or an ARG holding one', () => {
  assert.deepEqual(unpinnedBases(DOCKERFILE), []);
  assert.match(DOCKERFILE, /docker buildx imagetools inspect node:20-bookworm-slim/, 'the Dockerfile says how to get the digest');
});

const variants: { name: string; text: string; pinned: boolean }[] = [
  { name: 'a bare tag', text: 'FROM node:20-bookworm-slim\n', pinned: false },
  { name: 'a literal digest', text: `FROM node:20-bookworm-slim@sha256:${'0'.repeat(64)} AS build\nFROM build\n`, pinned: true },
  { name: 'a short digest', text: 'FROM node:20-bookworm-slim@sha256:abc\n', pinned: false },
  { name: 'an ARG declared after FROM', text: 'FROM node:20@${D}\nARG D\n', pinned: false },
  { name: 'an ARG defaulting to a tag', text: 'ARG D=latest\nFROM node:20@${D}\n', pinned: false },
  { name: 'an ARG with a digest default', text: `ARG D=sha256:${'f'.repeat(64)}\nFROM --platform=linux/amd64 node:20@$D\n`, pinned: true },
  { name: 'one stage pinned, the next not', text: 'ARG D\nFROM node:20@${D} AS a\nFROM node:20-slim\n', pinned: false },
];
for (const v of variants) {
  test(`the check itself: ${v.name} is ${v.pinned ? 'pinned' : 'refused'}`, () => assert.equal(unpinnedBases(v.text).length === 0, v.pinned));
}
