/**
 * `meridian lab cut R` from its start to the moment the cut is in effect: the region's bridge
 * port (its veth in the root namespace, src/lab/netplan.ts cutPlan) loses IFF_UP. The bench
 * polls the port's flags in sysfs every millisecond while the command runs, then heals the region
 * itself (not timed) and lets the lab settle before the next cut.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from '../../src/common/errors.ts';
import { healRegion } from '../../src/lab/faults.ts';
import { findRegion } from '../../src/lab/layout.ts';
import { readState } from '../../src/lab/state.ts';
import type { ProcessGroup } from '../lib/processes.ts';
import { startTimed, type Way } from './commands.ts';

const POLL_MS = 1;
const EFFECT_BOUND_MS = 30_000;
/** After a heal, before the next cut: the agents see the region again (two 500 ms probes). */
const SETTLE_MS = 1500;

export interface CutTiming {
  /** Start of the command → the port down. */
  readonly effectMs: number;
  /** Start of the command → its exit. */
  readonly exitMs: number;
  /** CPU time of the whole command (GNU time): what its wall time comes to on an idle machine. */
  readonly cpuMs: number;
}

export function bridgePort(region: string): string {
  const state = readState();
  if (!state) throw new InfraError('no lab is running');
  return findRegion(state.layout, region).hostLink;
}

/** IFF_UP (0x1) of a link in the root namespace, from /sys/class/net/<link>/flags. */
export function linkIsUp(link: string): boolean {
  return (Number.parseInt(readFileSync(`/sys/class/net/${link}/flags`, 'utf8'), 16) & 1) === 1;
}

export async function timeCut(group: ProcessGroup, way: Way, region: string, scratch: string): Promise<CutTiming> {
  const port = bridgePort(region);
  if (!linkIsUp(port)) throw new InfraError(`${region} is already cut (its port ${port} is down): heal it first`);
  const { proc, started, finished } = startTimed(group, way, ['lab', 'cut', region], scratch);
  try {
    let effectMs: number | undefined;
    while (effectMs === undefined) {
      if (!linkIsUp(port)) effectMs = performance.now() - started;
      else if (performance.now() - started > EFFECT_BOUND_MS) throw new InfraError(`${proc.name}: ${port} still up after ${EFFECT_BOUND_MS} ms:\n${proc.output()}`);
      else if (proc.hasExited() && linkIsUp(port)) throw new InfraError(`${proc.name} exited without cutting:\n${proc.output()}`);
      else await sleep(POLL_MS);
    }
    const { ms, cpuMs } = await finished();
    return { effectMs, exitMs: ms, cpuMs };
  } finally {
    await proc.exited;
    healRegion(region);
    await sleep(SETTLE_MS);
  }
}
