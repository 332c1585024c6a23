/**
 * Running PostgreSQL binaries as the database OS user, optionally behind a command prefix
 * (`ip netns exec mrd-eu-west`), and writing files that user must own. PostgreSQL refuses to
 * run as root, so when we are root every command goes through `runuser -u <user> --`.
 */
import { execFile } from 'node:child_process';
import { chown, mkdir, chmod, writeFile } from 'node:fs/promises';
import { InfraError } from '../common/errors.ts';
import type { PgMember } from './types.ts';

export const DEFAULT_PG_BIN_DIR = '/usr/lib/postgresql/15/bin';
const DEFAULT_OS_USER = 'postgres';

export type PgBinary = 'initdb' | 'pg_ctl' | 'pg_basebackup' | 'pg_rewind' | 'pg_controldata';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

const isRoot = (): boolean => process.getuid?.() === 0;

export function osUserOf(member: PgMember): string {
  return member.osUser ?? DEFAULT_OS_USER;
}

/** The argv that runs `bin args` as the member's OS user behind its prefix. */
export function commandFor(member: PgMember, bin: PgBinary, args: readonly string[]): string[] {
  const path = `${member.binDir ?? DEFAULT_PG_BIN_DIR}/${bin}`;
  const asUser = isRoot() ? ['runuser', '-u', osUserOf(member), '--'] : [];
  return [...(member.prefix ?? []), ...asUser, path, ...args];
}

/** Run a PostgreSQL binary; a non-zero exit is returned, not thrown (callers decide what it means). */
export async function runPg(member: PgMember, bin: PgBinary, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...argv] = commandFor(member, bin, args);
  // A minimal environment: stray PG* variables from the caller must not redirect our tools.
  // runuser and ip live in sbin, which a non-login PATH may lack.
  const path = [process.env.PATH, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'].filter(Boolean).join(':');
  const env = { PATH: path, LC_ALL: 'C', ...opts.env };
  return new Promise((resolve, reject) => {
    execFile(file!, argv, { env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        const why = err.killed ? `timed out after ${opts.timeoutMs ?? 120_000} ms` : err.message;
        reject(new InfraError(`${bin} failed to run: ${why}`, { cause: err }));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Like runPg, but a non-zero exit throws InfraError with the tool's last words. */
export async function runPgOk(member: PgMember, bin: PgBinary, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const result = await runPg(member, bin, args, opts);
  if (result.code !== 0) throw new InfraError(`${bin} exited with ${result.code}: ${lastLine(result.stderr || result.stdout)}`);
  return result;
}

export function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() || '(no output)';
}

interface Ids {
  readonly uid: number;
  readonly gid: number;
}
const idCache = new Map<string, Promise<Ids>>();

/** uid/gid of an OS user (cached). Node has no getpwnam; `id` is always there. */
export function lookupIds(user: string): Promise<Ids> {
  let ids = idCache.get(user);
  if (!ids) {
    ids = Promise.all([idOf(user, '-u'), idOf(user, '-g')]).then(([uid, gid]) => ({ uid, gid }));
    idCache.set(user, ids);
  }
  return ids;
}

function idOf(user: string, flag: '-u' | '-g'): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('id', [flag, user], (err, stdout) => {
      if (err) reject(new InfraError(`no OS user ${JSON.stringify(user)} to run PostgreSQL as`, { cause: err }));
      else resolve(Number(String(stdout).trim()));
    });
  });
}

/** mkdir -p with the final directory owned by `user` and private (PostgreSQL insists on 0700). */
export async function ensureOwnedDir(path: string, user: string, mode = 0o700): Promise<void> {
  await mkdir(path, { recursive: true });
  if (isRoot()) {
    const { uid, gid } = await lookupIds(user);
    await chown(path, uid, gid);
  }
  await chmod(path, mode);
}

/** Write a file the server (running as `user`) must read or rewrite. */
export async function writeOwnedFile(path: string, content: string, user: string, mode = 0o600): Promise<void> {
  await writeFile(path, content, { mode });
  if (isRoot()) {
    const { uid, gid } = await lookupIds(user);
    await chown(path, uid, gid);
  }
  await chmod(path, mode);
}
