/**
 * The lab's API tokens, made at `lab up` like its database passwords: one token per role
 * (`lab-viewer`, `lab-operator`, `lab-admin`), raw in `<lab dir>/tokens/<role>` (0600, in a 0700
 * directory), and their digests in the tokens file every agent is started with (`--tokens`). The
 * CLI run against the lab picks the token of the role a command needs (src/cli/credentials.ts),
 * the lab's Prometheus scrapes with the viewer's.
 */
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { digestToken, generateToken, ROLES, tokenLine, type Role } from '../agent/auth/index.ts';
import { agentTokensPath, labTokenPath, labTokensDir } from './token-files.ts';

export { agentTokensPath, labAuthHeaders, labTokenPath, readLabToken } from './token-files.ts';

export function writeLabTokens(dir: string, generate: () => string = generateToken): Record<Role, string> {
  const tokens = Object.fromEntries(ROLES.map((role) => [role, generate()])) as Record<Role, string>;
  mkdirSync(labTokensDir(dir), { recursive: true, mode: 0o700 });
  chmodSync(labTokensDir(dir), 0o700);
  for (const role of ROLES) writeSecret(labTokenPath(dir, role), `${tokens[role]}\n`);
  const lines = ROLES.map((role) => tokenLine({ name: `lab-${role}`, role, sha256: digestToken(tokens[role]) }));
  writeSecret(agentTokensPath(dir), `# The lab's API tokens (meridian lab up): name, role, SHA-256 of the token.\n${lines.join('\n')}\n`);
  return tokens;
}

export function removeLabTokens(dir: string): void {
  rmSync(labTokensDir(dir), { recursive: true, force: true });
  rmSync(agentTokensPath(dir), { force: true });
}

/** Atomically, and 0600 from the start: never readable by others, not even for a moment. */
function writeSecret(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
