import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliToken, readCredentialsFile } from '../../../src/cli/credentials.ts';
import { digestToken, findToken, parseTokens } from '../../../src/agent/auth/index.ts';
import { labAuthHeaders, readLabToken, removeLabTokens, writeLabTokens } from '../../../src/lab/tokens.ts';

const withDir = (fn: (dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-cred-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('the credentials file: the first line that is not a comment; refused when others may read it', () => withDir((dir) => {
  const file = join(dir, 'credentials');
  writeFileSync(file, '# mine\n\nmrd_abc\n', { mode: 0o600 });
  assert.equal(readCredentialsFile(file), 'mrd_abc');
  chmodSync(file, 0o644);
  assert.throws(() => readCredentialsFile(join(dir, 'credentials')), /may be read by others \(mode 644\): run chmod 600/);
  assert.equal(readCredentialsFile(join(dir, 'absent')), undefined);
}));

test('MERIDIAN_TOKEN first, then the credentials file (a topology that is not the lab\'s)', () => withDir((dir) => {
  const file = join(dir, 'credentials');
  writeFileSync(file, 'mrd_fromfile\n', { mode: 0o600 });
  assert.equal(cliToken('operator', '/elsewhere/meridian.yaml', { MERIDIAN_TOKEN: ' mrd_env ', MERIDIAN_CONFIG: file }), 'mrd_env');
  assert.equal(cliToken('operator', '/elsewhere/meridian.yaml', { MERIDIAN_CONFIG: file }), 'mrd_fromfile');
  assert.equal(cliToken('operator', '/elsewhere/meridian.yaml', { MERIDIAN_CONFIG: join(dir, 'none') }), undefined);
}));

test('lab tokens: one per role, 0600, the agents\' file holds their digests only', () => withDir((dir) => {
  const tokens = writeLabTokens(dir);
  assert.equal(readLabToken('operator', dir), tokens.operator);
  assert.deepEqual(labAuthHeaders('viewer', dir), { authorization: `Bearer ${tokens.viewer}` });
  assert.equal(statSync(join(dir, 'tokens', 'admin')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'tokens')).mode & 0o777, 0o700);
  const agentFile = join(dir, 'agent-tokens.yaml');
  const entries = parseTokens(readFileSync(agentFile, 'utf8'), agentFile);
  assert.deepEqual(entries.map((e) => [e.name, e.role]), [['lab-viewer', 'viewer'], ['lab-operator', 'operator'], ['lab-admin', 'admin']]);
  assert.equal(findToken(entries, tokens.admin)?.name, 'lab-admin');
  assert.ok(!readFileSync(agentFile, 'utf8').includes(tokens.admin));
  assert.equal(entries[0]?.sha256, digestToken(tokens.viewer));
  removeLabTokens(dir);
  assert.equal(readLabToken('viewer', dir), undefined);
  assert.deepEqual(labAuthHeaders('viewer', dir), {});
}));
