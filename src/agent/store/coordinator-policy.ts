/**
 * The coordinator's choices on each tick, pure: which planner to call for a snapshot, and
 * whether to execute the plan it returns.
 *
 * - An unfinished switchover or rejoin runbook is continued by its own planner (re-planned from
 *   the world, never resumed); if that planner is blocked because the primary is down, the
 *   failover planner takes over.
 * - A failover that would promote away from the recorded primary runs only once the quorum says
 *   that primary's lease has expired. While its agent renews the lease it is alive and in
 *   charge, whatever this coordinator's own view of its database says (a link cut between the
 *   coordinator and a healthy primary must not cost a failover).
 * - failover.automatic = false: plans are reported, never executed, unless an operator asked.
 */
import { planFailover, planRejoin, planSwitchover, type Plan, type RunPlan, type StoreState } from '../../failover/index.ts';

export interface PolicySettings {
  readonly automatic: boolean;
  readonly autoRejoin: boolean;
}

export function choosePlan(state: StoreState, nowMs: number, settings: PolicySettings): Plan {
  const open = state.runbook;
  if (open && open.kind !== 'failover') {
    const continued = open.kind === 'switchover' ? planSwitchover(state, open.subject, nowMs) : planRejoin(state, open.subject, nowMs);
    if (continued.kind !== 'blocked') return continued;
    const failover = planFailover(state, nowMs);
    return failover.kind === 'run' ? failover : continued;
  }
  const plan = planFailover(state, nowMs);
  if (plan.kind !== 'noop' || !settings.autoRejoin) return plan;
  for (const m of state.members) {
    if (!m.needsRejoin || !m.reachable || m.regionDownByQuorum) continue;
    const rejoin = planRejoin(state, m.region, nowMs);
    if (rejoin.kind === 'run') return rejoin;
  }
  return plan;
}

export type ExecutionDecision = { readonly execute: true } | { readonly execute: false; readonly why: string };

export function shouldExecute(plan: RunPlan, state: StoreState, settings: PolicySettings & { readonly operator: boolean }): ExecutionDecision {
  if (settings.operator) return { execute: true };
  if (!settings.automatic) return { execute: false, why: 'failover.automatic is false: the plan is only reported' };
  if (promotesAway(plan, state) && state.lease.kind === 'held') {
    return {
      execute: false,
      why: `the primary lease of ${state.primary.region} is still held (token ${state.lease.token}): its agent is alive and in charge, no failover while it renews the lease`,
    };
  }
  return { execute: true };
}

/** The plan fences the recorded primary or promotes another member. */
export function promotesAway(plan: RunPlan, state: StoreState): boolean {
  return plan.steps.some((s) => s.kind === 'await-fence' || (s.kind === 'promote' && s.region !== state.primary.region));
}
