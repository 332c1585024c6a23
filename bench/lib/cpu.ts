/**
 * CPU use during a measurement, from /proc: how busy the server's process was (all its threads)
 * and how busy each core was. It tells whether a figure is the server's limit (its core near
 * 100%) or dnsperf's or another process's (the load generator's core near 100%, the server's not).
 */
import { readFileSync } from 'node:fs';

/** Linux reports process times in clock ticks; USER_HZ is 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  readonly atMs: number;
  /** CPU seconds used by the process so far (user + system, all threads). */
  readonly processSeconds: number;
  /** Per core: [busy ticks, total ticks]. */
  readonly cores: ReadonlyMap<string, readonly [number, number]>;
}

export interface CpuUse {
  /** Percent of one core the process used over the interval. */
  readonly processPercent: number;
  /** Per core ('0', '1', …): percent busy over the interval, whoever used it. */
  readonly corePercent: Readonly<Record<string, number>>;
}

export function sampleCpu(pid: number): CpuSample {
  return { atMs: performance.now(), processSeconds: processSeconds(pid), cores: coreTicks(readFileSync('/proc/stat', 'utf8')) };
}

export function cpuUse(before: CpuSample, after: CpuSample): CpuUse {
  const wallSeconds = (after.atMs - before.atMs) / 1000;
  const corePercent: Record<string, number> = {};
  for (const [core, [busy, total]] of after.cores) {
    const [busy0, total0] = before.cores.get(core) ?? [busy, total];
    corePercent[core] = total > total0 ? round1((100 * (busy - busy0)) / (total - total0)) : 0;
  }
  return { processPercent: round1((100 * (after.processSeconds - before.processSeconds)) / wallSeconds), corePercent };
}

function processSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces): utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** `cpuN user nice system idle iowait irq softirq steal …` → busy = total − idle − iowait. */
export function coreTicks(procStat: string): Map<string, [number, number]> {
  const cores = new Map<string, [number, number]>();
  for (const match of procStat.matchAll(/^cpu(\d+) (.*)$/gm)) {
    const ticks = (match[2] as string).trim().split(/\s+/).map(Number);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    cores.set(match[1] as string, [total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total]);
  }
  return cores;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
