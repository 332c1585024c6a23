/**
 * A PostgreSQL server's processes, found through /proc (Linux): the postmaster and every child
 * (backends, walsender, checkpointer, …). Freezing or crashing a server means signalling all of
 * them, and in an order that leaves no gap: the postmaster is stopped first, so it forks no new
 * backend while its children are listed and signalled.
 * Hand-written because no library lists a process's children on Linux without spawning `ps`.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
}

/** The PID in `<dataDir>/postmaster.pid`, if the file names one. */
export function postmasterPidOf(dataDir: string): number | undefined {
  const line = readOrEmpty(join(dataDir, 'postmaster.pid')).split('\n')[0];
  const pid = Number(line);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Port the postmaster listens on (line 4 of postmaster.pid in its data directory, its cwd). */
export function postmasterPort(pid: number): number | undefined {
  let dataDir: string;
  try {
    dataDir = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
  const port = Number(readOrEmpty(join(dataDir, 'postmaster.pid')).split('\n')[3]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

export function procInfo(pid: number): ProcInfo | undefined {
  const stat = readOrEmpty(`/proc/${pid}/stat`);
  // `pid (comm) state ppid …`; comm may hold spaces and parentheses, so split at the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const ppid = Number(stat.slice(close + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? { pid, ppid, comm } : undefined;
}

export function allProcesses(): ProcInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => procInfo(Number(name)))
    .filter((p): p is ProcInfo => p !== undefined);
}

/** Among `pids`, the postmasters: postgres processes whose parent is not a postgres process. */
export function postmastersAmong(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    const p = procInfo(pid);
    if (!p || p.comm !== 'postgres') return false;
    return procInfo(p.ppid)?.comm !== 'postgres';
  });
}

export function childrenOf(ppid: number, processes: readonly ProcInfo[] = allProcesses()): number[] {
  return processes.filter((p) => p.ppid === ppid).map((p) => p.pid);
}

export type ClusterSignal = 'SIGSTOP' | 'SIGCONT' | 'SIGKILL';

/**
 * Signals the postmaster and all its children; returns the PIDs signalled. The postmaster is
 * SIGSTOPped before its children are listed, so no backend forked in between escapes, and for
 * SIGKILL the children are killed before the postmaster (orphans would be re-parented and lost).
 */
export function signalCluster(postmasterPid: number, signal: ClusterSignal): number[] {
  if (signal === 'SIGCONT') {
    const pids = [...childrenOf(postmasterPid), postmasterPid];
    for (const pid of pids) send(pid, 'SIGCONT');
    return pids;
  }
  send(postmasterPid, 'SIGSTOP');
  const children = childrenOf(postmasterPid);
  for (const pid of children) send(pid, signal);
  if (signal === 'SIGKILL') send(postmasterPid, 'SIGKILL');
  return [postmasterPid, ...children];
}

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone: a backend that ended on its own.
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
