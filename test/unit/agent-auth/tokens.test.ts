import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { bearerToken, digestToken, findToken, generateToken, parseTokens, tokenLine, TokensFile, type TokenEntry } from '../../../src/agent/auth/index.ts';

const silent = pino({ level: 'silent' });

test('a token is mrd_ and 32 random bytes in base64url; its digest is the hex SHA-256 of all of it', () => {
  const token = generateToken(() => Buffer.alloc(32, 1));
  assert.equal(token, `mrd_${Buffer.alloc(32, 1).toString('base64url')}`);
  assert.match(generateToken(), /^mrd_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(generateToken(), generateToken());
  assert.equal(digestToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('the line a new token prints is one entry of the tokens file', () => {
  const token = generateToken();
  const entry: TokenEntry = { name: 'alice', role: 'operator', sha256: digestToken(token) };
  assert.deepEqual(parseTokens(`${tokenLine(entry)}\n`, 'f'), [entry]);
  assert.deepEqual(findToken(parseTokens(tokenLine(entry), 'f'), token), entry);
});

test('finding a token: the matching entry, nothing for another, a malformed or an empty one', () => {
  const [a, b] = [generateToken(), generateToken()];
  const entries: TokenEntry[] = [
    { name: 'viewer-bot', role: 'viewer', sha256: digestToken(a) },
    { name: 'alice', role: 'admin', sha256: digestToken(b) },
  ];
  assert.equal(findToken(entries, a)?.name, 'viewer-bot');
  assert.equal(findToken(entries, b)?.role, 'admin');
  assert.equal(findToken(entries, generateToken()), undefined);
  assert.equal(findToken(entries, `${a}x`), undefined);
  assert.equal(findToken(entries, ''), undefined);
  assert.equal(findToken([], a), undefined);
});

test('two entries may share a name (rotation), not a digest', () => {
  const sha = digestToken(generateToken());
  const other = digestToken(generateToken());
  assert.equal(parseTokens(`- { name: a, role: viewer, sha256: ${sha} }\n- { name: a, role: viewer, sha256: ${other} }`, 'f').length, 2);
  assert.throws(() => parseTokens(`- { name: a, role: viewer, sha256: ${sha} }\n- { name: b, role: admin, sha256: ${sha} }`, 'f'), /entry 2 \(b\): the same token digest appears twice/);
});

for (const [name, text, error] of [
  ['an unknown role', `- { name: a, role: root, sha256: ${'0'.repeat(64)} }`, /f: entry 1: .*role/],
  ['a raw token instead of a digest', '- { name: a, role: viewer, sha256: mrd_abc }', /entry 1: .*sha256/],
  ['an unknown field', `- { name: a, role: viewer, sha256: ${'0'.repeat(64)}, token: x }`, /entry 1/],
  ['a name with spaces', `- { name: "a b", role: viewer, sha256: ${'0'.repeat(64)} }`, /entry 1: .*name/],
  ['a map instead of a list', 'tokens: []', /must be a YAML list/],
  ['broken YAML', '- { name: a', /not YAML/],
] as const) {
  test(`a tokens file with ${name} is refused with the file and entry`, () => assert.throws(() => parseTokens(text, 'f'), error));
}

test('an empty tokens file has no entries (every request needing a role is refused)', () => {
  assert.deepEqual(parseTokens('', 'f'), []);
  assert.deepEqual(parseTokens('# no tokens yet\n', 'f'), []);
});

test('the bearer token of an authorization header', () => {
  assert.equal(bearerToken('Bearer mrd_x'), 'mrd_x');
  assert.equal(bearerToken('bearer  mrd_x'), 'mrd_x');
  assert.equal(bearerToken('Basic dXNlcjpwYXNz'), undefined);
  assert.equal(bearerToken('Bearer'), undefined);
  assert.equal(bearerToken(undefined), undefined);
});

test('the tokens file is read again when it changes, at most once per interval; a broken version keeps the last good one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-tokens-'));
  try {
    const file = join(dir, 'tokens.yaml');
    const [t1, t2] = [generateToken(), generateToken()];
    writeFileSync(file, `${tokenLine({ name: 'old', role: 'operator', sha256: digestToken(t1) })}\n`);
    let now = 0;
    const tokens = new TokensFile(file, silent, 1_000, () => now);
    assert.equal(findToken(tokens.entries(), t1)?.name, 'old');
    writeFileSync(file, `${tokenLine({ name: 'newer', role: 'operator', sha256: digestToken(t2) })}\n`);
    now = 500;
    assert.equal(findToken(tokens.entries(), t1)?.name, 'old', 'not checked again within the interval');
    now = 1_000;
    assert.equal(findToken(tokens.entries(), t1), undefined, 'revoked');
    assert.equal(findToken(tokens.entries(), t2)?.name, 'newer');
    writeFileSync(file, '- { name: half');
    now = 2_000;
    assert.equal(findToken(tokens.entries(), t2)?.name, 'newer', 'a half-written file keeps the last good entries');
    rmSync(file);
    now = 3_000;
    assert.equal(findToken(tokens.entries(), t2)?.name, 'newer', 'and so does a file gone for a moment');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing or invalid tokens file stops the start', () => {
  assert.throws(() => new TokensFile('/nonexistent/meridian-tokens.yaml', silent), /ENOENT/);
});
