/**
 * API tokens for integration tests (docs/security.md, "Roles"), through one helper:
 *   - agents a test starts itself get `testTokensFile()` (`runAgent({ tokensFile })`, or
 *     `meridian agent --tokens`); children spawned with this process's environment find the same
 *     file in MERIDIAN_TEST_TOKENS_FILE;
 *   - requests to them send `testAuth(who)`, the CLI gets `testTokenEnv(who)` (MERIDIAN_TOKEN);
 *     `who` is a role (tokens named test-viewer, test-operator, test-admin) or one of the named
 *     principals the tests record actions as (alice@ops: admin, bob@ops: operator);
 *   - against the lab, `labAuth(role)`: the lab's own token (the CLI finds it by itself).
 * The tokens are made once per test process, in a temporary directory removed at exit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestToken, generateToken, tokenLine, type Role } from '../../src/agent/auth/index.ts';
import { labAuthHeaders } from '../../src/lab/token-files.ts';

const PRINCIPALS: Readonly<Record<string, Role>> = {
  'test-viewer': 'viewer', 'test-operator': 'operator', 'test-admin': 'admin', 'alice@ops': 'admin', 'bob@ops': 'operator',
};

export type Who = Role | keyof typeof PRINCIPALS;

let made: { readonly file: string; readonly tokens: Readonly<Record<string, string>> } | undefined;

function testTokens(): NonNullable<typeof made> {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'meridian-test-tokens-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const tokens = Object.fromEntries(Object.keys(PRINCIPALS).map((name) => [name, generateToken()]));
  const file = join(dir, 'tokens.yaml');
  writeFileSync(file, Object.entries(PRINCIPALS).map(([name, role]) => tokenLine({ name, role, sha256: digestToken(tokens[name]!) })).join('\n'), { mode: 0o600 });
  process.env.MERIDIAN_TEST_TOKENS_FILE = file;
  made = { file, tokens };
  return made;
}

const nameOf = (who: Who) => (who === 'viewer' || who === 'operator' || who === 'admin' ? `test-${who}` : who);

export const testTokensFile = (): string => testTokens().file;
export const testToken = (who: Who): string => testTokens().tokens[nameOf(who)]!;
export const testAuth = (who: Who): Record<string, string> => ({ authorization: `Bearer ${testToken(who)}` });
export const testTokenEnv = (who: Who): Record<string, string> => ({ MERIDIAN_TOKEN: testToken(who) });
export const labAuth = (role: Role): Record<string, string> => labAuthHeaders(role);
