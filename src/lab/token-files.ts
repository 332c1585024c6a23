/**
 * Where a lab keeps its API tokens (written by `lab up`, tokens.ts): the raw token of each role in
 * `<lab dir>/tokens/<role>` (mode 0600, one line: what Prometheus' `credentials_file` and the CLI
 * read), and the agents' tokens file of digests in `<lab dir>/agent-tokens.yaml`. Reading needs
 * only node:fs, so `meridian status` finds the lab's viewer token without loading YAML or zod.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../agent/auth/roles.ts';
import { labDir } from './state.ts';

export const labTokensDir = (dir: string) => join(dir, 'tokens');
export const labTokenPath = (dir: string, role: Role) => join(labTokensDir(dir), role);
export const agentTokensPath = (dir: string) => join(dir, 'agent-tokens.yaml');

/** The lab's token for `role`; undefined when there is no lab or this user may not read it (not root). */
export function readLabToken(role: Role, dir = labDir()): string | undefined {
  try {
    return readFileSync(labTokenPath(dir, role), 'utf8').trim() || undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** `authorization: Bearer <the lab's token for role>`, or no header when there is none to read. */
export function labAuthHeaders(role: Role, dir = labDir()): Record<string, string> {
  const token = readLabToken(role, dir);
  return token ? { authorization: `Bearer ${token}` } : {};
}
