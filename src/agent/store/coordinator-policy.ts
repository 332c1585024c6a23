/**
 * The coordinator's choices on each tick, pure: which planner to call for a snapshot, and
 * whether to execute the plan it returns.
 *
 * - An unfinished switchover or rejoin runbook is continued by its own planner (re-planned from
 *   the world, never resumed); if that planner is blocked because the primary is down, the
 *   reconciler takes over. Otherwise the reconciler decides.
 * - A plan that fences the recorded primary or promotes another member runs only once the
 *   quorum says that primary's lease has expired. While its agent renews the lease it is alive
 *   and in charge, whatever this coordinator's own view of its database says (a link cut between
 *   the coordinator and a healthy primary must not cost a failover).
 * - Nothing runs by itself while an operator paused the store, or with failover.automatic false;
 *   an operator's own request always runs.
 * Every "not now" is a sentence that names what blocks and how to unblock it.
 */
import { planRejoin, planSwitchover, promotesAway, reconcile, type Plan, type ReconcileOptions, type RunPlan, type StoreState, type WaitCode } from '../../failover/index.ts';

export interface PolicySettings extends ReconcileOptions {
  readonly automatic: boolean;
}

export function choosePlan(state: StoreState, nowMs: number, settings: PolicySettings): Plan {
  const open = state.runbook;
  if (open && open.kind !== 'failover') {
    const continued = open.kind === 'switchover'
      ? planSwitchover(state, open.subject, nowMs, settings)
      : planRejoin(state, open.subject, nowMs);
    if (continued.kind !== 'blocked') return continued;
    const failover = reconcile(state, nowMs, settings);
    return failover.kind === 'run' ? failover : continued;
  }
  return reconcile(state, nowMs, settings);
}

export type ExecutionDecision = { readonly execute: true } | { readonly execute: false; readonly why: string; readonly code: WaitCode };

export function shouldExecute(plan: RunPlan, state: StoreState, settings: PolicySettings & { readonly operator: boolean }): ExecutionDecision {
  if (settings.operator) return { execute: true };
  if (state.paused) {
    const reason = state.paused.reason ? ` (${state.paused.reason})` : '';
    return { execute: false, code: 'paused', why: `paused by ${state.paused.by} at ${state.paused.at}${reason}: no automatic action; resume with: meridian resume --store ${state.store}` };
  }
  if (!settings.automatic) return { execute: false, code: 'automatic-off', why: 'failover.automatic is false: the plan is only reported; an operator runs it (meridian switchover, meridian db rejoin)' };
  if (promotesAway(plan, state) && state.lease.kind === 'held') {
    return {
      execute: false,
      code: 'lease-held',
      why: `no failover: the primary lease of ${state.primary.region} is still held (token ${state.lease.token}): its agent is alive and in charge while it renews the lease`,
    };
  }
  return { execute: true };
}

/** The plan fences the recorded primary, freezes its standbys, or promotes another member (one definition, also approval's). */
export { promotesAway };
