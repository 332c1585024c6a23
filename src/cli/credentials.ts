/**
 * The bearer token the CLI sends to the agents, never from the command line (`ps` and shell
 * history show those to others):
 *   1. MERIDIAN_TOKEN;
 *   2. against the running lab (no -f, or -f naming the lab's topology): the lab's token of the
 *      role the command needs (viewer for reads, operator for actions, admin for --force), read
 *      from the lab directory (root only), so the demo and lab tests need no set-up;
 *   3. the credentials file, $MERIDIAN_CONFIG or ~/.config/meridian/credentials: the token on its
 *      first line that is not a comment; refused unless only its owner can read it (mode 0600).
 * Nothing found: requests go without a token, and the agent's 401 says what is needed.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Role } from '../agent/auth/roles.ts';
import { UsageError } from '../common/errors.ts';
import { readLabToken } from '../lab/token-files.ts';
import { labTopologyFile } from '../lab/state.ts';

export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.MERIDIAN_CONFIG || join(homedir(), '.config', 'meridian', 'credentials');
}

/** The token for a command needing `role` against the topology of `file` (undefined: the lab). */
export function cliToken(role: Role, file: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.MERIDIAN_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const lab = file === undefined || resolve(file) === resolve(labTopologyFile()) ? readLabToken(role) : undefined;
  return lab ?? readCredentialsFile(credentialsFile(env));
}

/** `authorization: Bearer …` for `cliToken`, or no header. */
export function authHeaders(role: Role, file: string | undefined): Record<string, string> {
  const token = cliToken(role, file);
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function readCredentialsFile(path: string): string | undefined {
  let mode: number;
  let uid: number;
  try {
    ({ mode, uid } = statSync(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the credentials file ${path}: ${(err as Error).message}`);
  }
  if ((mode & 0o077) !== 0) throw new UsageError(`the credentials file ${path} may be read by others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${path}`);
  if (process.getuid && uid !== process.getuid()) throw new UsageError(`the credentials file ${path} belongs to another user (uid ${uid})`);
  const line = readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  return line || undefined;
}
