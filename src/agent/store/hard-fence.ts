/**
 * The fence for a primary that does not answer SQL (frozen, hung, overloaded past every
 * timeout): the SQL fence cannot reach it, and if it thawed after a failover its backends would
 * commit whatever their clients sent at once. So its own agent, on its own host:
 * 1. SIGKILLs the postmaster (first, so it forks nothing new) and every process it started
 *    (a stopped process dies on SIGKILL too);
 * 2. writes src/data's fence settings into postgresql.auto.conf, so a restart by anyone (a
 *    process supervisor, an operator) brings it up read-only until its agent holds a NEW lease.
 * Linux only (/proc); needs the data directory (`--pg-data`) and permission to signal the server.
 * Hand-written because it is a few lines over /proc and no maintained library does "kill a
 * process tree by its pid file".
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FENCE_STANDBY_NAME, editAutoConf, osUserOf, synchronousStandbyNamesValue, writeOwnedFile, type PgMember } from '../../data/index.ts';
import { processExists } from '../../common/process-exists.ts';

export type HardFenceResult =
  | { readonly kind: 'fenced'; readonly killed: number }
  | { readonly kind: 'noDataDir' };

export async function hardFence(member: PgMember): Promise<HardFenceResult> {
  if (!member.dataDir) return { kind: 'noDataDir' };
  const postmaster = await postmasterPid(member.dataDir);
  let killed = 0;
  // A stale pid file may name a pid reused by another program: only a postgres of this directory.
  if (postmaster !== undefined && processExists(postmaster) && (await runsFrom(postmaster, member.dataDir))) {
    const children = await childrenOf(postmaster);
    for (const pid of [postmaster, ...children]) if (kill(pid)) killed += 1;
  }
  const path = join(member.dataDir, 'postgresql.auto.conf');
  const current = await readFile(path, 'utf8').catch(() => '');
  const fenced = editAutoConf(current, {
    default_transaction_read_only: 'on',
    synchronous_commit: 'on',
    synchronous_standby_names: synchronousStandbyNamesValue([FENCE_STANDBY_NAME]),
  });
  await writeOwnedFile(path, fenced, osUserOf(member));
  return { kind: 'fenced', killed };
}

/**
 * What the kernel says of the data directory's postmaster: `stopped` (SIGSTOP: state T or t),
 * `gone` (no process, a zombie, or a pid reused by another program), else `running` (busy,
 * sleeping, or waiting on disk). A database that does not answer while its postmaster runs is
 * overloaded, not frozen; undefined without a data directory.
 */
export async function postmasterState(dataDir: string): Promise<'running' | 'stopped' | 'gone' | undefined> {
  if (!dataDir) return undefined;
  const pid = await postmasterPid(dataDir);
  if (pid === undefined || !(await runsFrom(pid, dataDir))) return 'gone';
  const state = await processState(pid);
  if (state === undefined || state === 'Z' || state === 'X') return 'gone';
  return state === 'T' || state === 't' ? 'stopped' : 'running';
}

/** The process's state letter from /proc (R, S, D, T, t, Z, X…); undefined when there is no such process. */
async function processState(pid: number): Promise<string | undefined> {
  return /^State:\s+(\S)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))?.[1];
}

async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function runsFrom(pid: number, dataDir: string): Promise<boolean> {
  const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  return cmdline.some((arg) => arg.endsWith('postgres')) && cmdline.includes(dataDir.replace(/\/+$/, ''));
}

async function childrenOf(parent: number): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const children: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === parent) children.push(Number(entry));
  }
  return children;
}

function kill(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/**
 * A postmaster.pid that names a process which is gone or a zombie (killed by a hard fence, not
 * reaped: some container inits never reap) makes PostgreSQL refuse to start ("lock file already
 * exists"). Removing it is safe then: a zombie holds no memory, no sockets and no files.
 * Returns whether a stale file was removed.
 */
export async function clearStalePidFile(dataDir: string): Promise<boolean> {
  const pid = await postmasterPid(dataDir);
  if (pid === undefined) return false;
  const state = await processState(pid);
  if (state !== undefined && state !== 'Z') return false;
  await rm(join(dataDir, 'postmaster.pid'), { force: true });
  return true;
}
