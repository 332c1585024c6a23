/** A fake three-region store and a one-shot coordinator over it, for executor and scenario tests. */
import {
  executePlan, runbookProgress, type Plan, type RunOutcome, type StoreState,
} from '../../../src/failover/index.ts';
import { FakeCluster, MemoryAudit, VirtualClock, type FakeClusterInit } from '../../../src/failover/testing/index.ts';
import { LSN } from './fixtures.ts';

export function threeRegions(over: Partial<FakeClusterInit> = {}): FakeCluster {
  return new FakeCluster({
    clock: new VirtualClock(),
    members: [
      { region: 'eu-west', role: 'primary', lsn: LSN('0/3000100') },
      { region: 'us-east', role: 'standby', lsn: LSN('0/3000060') },
      { region: 'ap-south', role: 'standby', lsn: LSN('0/3000010') },
    ],
    primaryToken: 7n,
    ...over,
  });
}

export type Planner = (state: StoreState, nowMs: number) => Plan;

export const TIMING = { pollMs: 100, fenceTimeoutMs: 10_000, catchupTimeoutMs: 10_000 };

/** Snapshot (with the audit's progress) and plan, as a coordinator's tick does. */
export function planNow(cluster: FakeCluster, audit: MemoryAudit, planner: Planner): Plan {
  return planner(cluster.snapshot(runbookProgress(audit.records)), cluster.clock.nowMs());
}

/** Plans and, when there is a runbook, executes it. */
export async function tick(cluster: FakeCluster, audit: MemoryAudit, planner: Planner): Promise<{ plan: Plan; outcome?: RunOutcome }> {
  const plan = planNow(cluster, audit, planner);
  if (plan.kind !== 'run') return { plan };
  const outcome = await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
  return { plan, outcome };
}

/** A new coordinator takes over and runs until the planner says noop (at most `ticks` rounds). */
export async function converge(cluster: FakeCluster, audit: MemoryAudit, planner: Planner, ticks = 5): Promise<Plan> {
  cluster.newCoordinator();
  for (let i = 0; i < ticks; i++) {
    const { plan, outcome } = await tick(cluster, audit, planner);
    if (plan.kind !== 'run') return plan;
    if (outcome?.kind !== 'completed') throw new Error(`tick ${i}: ${outcome?.kind} at ${'stepId' in outcome! ? outcome.stepId : ''}`);
  }
  throw new Error(`no noop after ${ticks} ticks`);
}

export function endState(cluster: FakeCluster) {
  return {
    primary: cluster.record.region,
    writable: cluster.writablePrimaries(),
    dns: cluster.dnsTarget,
    rejoin: cluster.members.filter((m) => m.needsRejoin).map((m) => m.region),
    following: cluster.members.filter((m) => m.role === 'standby' && m.reachable && !m.needsRejoin).map((m) => `${m.region}<-${m.upstream}`),
  };
}
