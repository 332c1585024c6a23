/**
 * Processes by PID only, never by name. A PID is trusted only while /proc still shows the same
 * start time we recorded, so a PID reused after a crash is never signalled.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

interface ProcStat {
  readonly state: string;
  readonly pgid: number;
  readonly startTicks: number;
}

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', pgid: Number(fields[2]), startTicks: Number(fields[19]) };
}

export function processStartTicks(pid: number): number | null {
  return procStat(pid)?.startTicks ?? null;
}

export interface ProcessRef {
  readonly pid: number;
  /** null: identity unknown (not recorded), trust the PID as is. */
  readonly startTicks: number | null;
}

/** Running (not a zombie) and still the process we started. */
export function isAlive(ref: ProcessRef): boolean {
  const stat = procStat(ref.pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return ref.startTicks === null || stat.startTicks === ref.startTicks;
}

function signal(ref: ProcessRef, sig: NodeJS.Signals): void {
  const stat = procStat(ref.pid);
  if (!stat || !isAlive(ref)) return;
  try {
    // Our processes lead their own group (spawned detached): signal the group so children go too.
    process.kill(stat.pgid === ref.pid ? -ref.pid : ref.pid, sig);
  } catch {
    // Exited between the check and the signal.
  }
}

/**
 * SIGTERM, wait up to `graceMs`, then SIGKILL whatever is left and wait for it to be gone.
 * Returns the refs that were still alive at the end (normally none).
 */
export async function stopProcesses(refs: readonly ProcessRef[], graceMs = 2000): Promise<ProcessRef[]> {
  const live = refs.filter(isAlive);
  for (const ref of live) signal(ref, 'SIGTERM');
  let left = await waitGone(live, graceMs);
  for (const ref of left) signal(ref, 'SIGKILL');
  left = await waitGone(left, 2000);
  return left;
}

async function waitGone(refs: readonly ProcessRef[], boundMs: number): Promise<ProcessRef[]> {
  const deadline = Date.now() + boundMs;
  let left = refs.filter(isAlive);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(25);
    left = left.filter(isAlive);
  }
  return left;
}
