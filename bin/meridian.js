#!/usr/bin/env node
// Runs the compiled CLI (dist/, made by `npm run build`) when that build is newer than every file
// and folder under src/; otherwise the TypeScript sources through tsx, as before the build existed.
// Tests and lab agents start this file while people edit src/, so a stale dist/ must never run:
// an edit, a pull or a deleted file makes src/ newer than dist/.build-stamp (written with the
// time its build started). The check stats each entry under src/ (about 330): ~8 ms here. The
// container image has dist/ and no src/, so it always runs the build.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** True when `dir`, and everything under it, was last changed before `stampMs`. */
function olderThan(dir, stampMs) {
  if (statSync(dir).mtimeMs >= stampMs) return false;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory() ? !olderThan(path, stampMs) : statSync(path).mtimeMs >= stampMs) return false;
  }
  return true;
}

function builtIsFresh() {
  const stamp = statSync(`${root}dist/.build-stamp`, { throwIfNoEntry: false });
  if (!stamp) return false; // never built, or a build is being swapped in
  if (!statSync(`${root}src`, { throwIfNoEntry: false })) return true; // the image: the build is all there is
  try {
    return olderThan(`${root}src`, stamp.mtimeMs);
  } catch {
    return false; // an entry vanished while we looked: someone is editing, run the sources
  }
}

if (builtIsFresh()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
