/** A fake three-region store and a coordinator over it, for executor, scenario and chaos tests. */
import {
  executePlan, reconcile, runbookProgress, type Plan, type ReconcileOptions, type RunOutcome, type StoreState,
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

/** The reconciler with the given settings, as a Planner. */
export const reconciler = (options: ReconcileOptions = {}): Planner => (state, now) => reconcile(state, now, options);

export const TIMING = { pollMs: 100, fenceTimeoutMs: 10_000, catchupTimeoutMs: 10_000 };

/** Snapshot (with the audit's progress) and plan, as a coordinator's tick does. */
export function planNow(cluster: FakeCluster, audit: MemoryAudit, planner: Planner): Plan {
  return planner(cluster.snapshot(runbookProgress(audit.records)), cluster.clock.nowMs());
}

/** The members' agents act, then the coordinator plans and, when there is a runbook, executes it. */
export async function tick(cluster: FakeCluster, audit: MemoryAudit, planner: Planner): Promise<{ plan: Plan; outcome?: RunOutcome }> {
  cluster.agentsTick();
  const plan = planNow(cluster, audit, planner);
  if (plan.kind !== 'run') return { plan };
  const outcome = await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
  return { plan, outcome };
}

/**
 * A new coordinator takes over and ticks until the planner has nothing to do (noop), or says it
 * is blocked; a tick that fails or leaves a step pending is simply followed by the next one.
 * `periodMs` of virtual time pass between ticks, as the coordinator's period.
 */
export async function converge(cluster: FakeCluster, audit: MemoryAudit, planner: Planner, ticks = 12, periodMs = 500): Promise<Plan> {
  cluster.newCoordinator();
  let last: Plan | undefined;
  for (let i = 0; i < ticks; i++) {
    const { plan } = await tick(cluster, audit, planner);
    if (plan.kind !== 'run') return plan;
    last = plan;
    cluster.clock.advance(periodMs);
  }
  throw new Error(`no noop after ${ticks} ticks; last plan: ${last?.kind === 'run' ? last.steps.map((s) => s.id).join(', ') : last?.kind}`);
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

export { MemoryAudit };
