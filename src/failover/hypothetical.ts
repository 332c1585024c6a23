/**
 * Dry runs: what the reconciler would do if the recorded primary were lost now, computed from the
 * store as observed (one StoreState) without touching anything. Pure.
 *
 * A failover is two decisions (reconcile.ts): fence the old primary and freeze the standbys, then,
 * from the frozen positions, choose and promote. A preview therefore shows both plans in sequence:
 *   1. `reconcile` on the store as if its primary were lost (`assumePrimaryLost`: its database
 *      does not answer, its lease has expired);
 *   2. `reconcile` on that state as if the first plan had run (`assumeFrozen`: the standbys it
 *      freezes stream from nobody, their positions as observed now, and the first plan's waits
 *      recorded as done in the same runbook, exactly as the audit would have them).
 * The second plan is what a real failover would do only if the standbys' positions do not move
 * before they are frozen; the positions it uses are named in its reasons.
 */
import { heldLsn, lagBytes } from './lsn.ts';
import { memberIn } from './member.ts';
import { reconcile, type ReconcileOptions } from './reconcile.ts';
import { syncProof } from './sync-proof.ts';
import type { Lsn, MemberState, Plan, Step, StoreState } from './types.ts';

type RunPlan = Extract<Plan, { kind: 'run' }>;

/** The store as the reconciler sees it right after its primary is lost: database silent, lease expired. */
export function assumePrimaryLost(state: StoreState): StoreState {
  const lost = state.primary.region;
  return {
    ...state,
    lease: { kind: 'expired' },
    members: state.members.map((m) => (m.region === lost ? { ...m, reachable: false } : m)),
  };
}

/** The store after `plan` ran: the standbys it freezes stream from nobody; its steps are done in its runbook. */
export function assumeFrozen(state: StoreState, plan: RunPlan): StoreState {
  const frozen = new Set(plan.steps.filter((s) => s.kind === 'freeze').map((s) => s.region));
  const sameRunbook = state.runbook?.runbookId === plan.runbookId ? state.runbook.completed : [];
  return {
    ...state,
    members: state.members.map((m) => (frozen.has(m.region) ? freeze(m) : m)),
    runbook: { runbookId: plan.runbookId, kind: plan.runbook, subject: plan.subject, completed: [...new Set([...sameRunbook, ...plan.steps.map((s) => s.id)])] },
  };
}

function freeze(m: MemberState): MemberState {
  const { upstreamTimeline: _tli, notStreamingForMs: _since, ...rest } = m;
  return { ...rest, upstream: null, follows: null };
}

/** One standby's distance behind the primary's current WAL, in bytes, from the snapshot. */
export interface StandbyLag {
  readonly region: string;
  /** null: the primary's or the standby's position is not known (unreachable, never observed). */
  readonly lagBytes: Lsn | null;
}

export interface FailoverPreview {
  /** The region whose loss is assumed. */
  readonly lost: string;
  /** The plans the reconciler would make, in order (one or two). */
  readonly plans: readonly Plan[];
  /** The member the last plan promotes, with the planner's own reason (its WAL, the other candidates). */
  readonly promote?: { readonly region: string; readonly reason: string };
  /** Sync stores: the proof (or why there is none) that the candidate holds every acknowledged write. */
  readonly syncProof?: string;
  /** Per standby, how far behind the primary it is now: the WAL a failover right now could lose. */
  readonly lag: readonly StandbyLag[];
}

/** Both plans of a failover away from the recorded primary, as if it were lost now. */
export function previewFailover(state: StoreState, nowMs: number, options: ReconcileOptions = {}): FailoverPreview {
  const lost = state.primary.region;
  const first = reconcile(assumePrimaryLost(state), nowMs, options);
  const plans: Plan[] = [first];
  let last = assumePrimaryLost(state);
  if (first.kind === 'run' && first.continues) {
    last = assumeFrozen(last, first);
    plans.push(reconcile(last, nowMs, options));
  }
  const promote = promotionIn(plans.at(-1)!);
  const proof = state.mode === 'sync' ? describeProof(last) : undefined;
  return {
    lost,
    plans,
    ...(promote ? { promote: { region: promote.region, reason: promote.reason } } : {}),
    ...(proof ? { syncProof: proof } : {}),
    lag: standbyLag(state),
  };
}

function promotionIn(plan: Plan): Extract<Step, { kind: 'promote' }> | undefined {
  if (plan.kind !== 'run') return undefined;
  return plan.steps.find((s): s is Extract<Step, { kind: 'promote' }> => s.kind === 'promote');
}

function describeProof(state: StoreState): string {
  const proof = syncProof(state, state.primary.region);
  return proof.kind === 'unproven' ? proof.reason : proof.detail;
}

/** Only from a primary that answered: an unreachable one's last position would understate the loss. */
export function standbyLag(state: StoreState): StandbyLag[] {
  const primary = memberIn(state, state.primary.region);
  const known = primary?.reachable && primary.role === 'primary' ? primary.replayLsn : undefined;
  return state.members
    .filter((m) => m.region !== state.primary.region)
    .map((m) => ({ region: m.region, lagBytes: known !== undefined && m.reachable && m.role === 'standby' ? lagBytes(known, heldLsn(m)) : null }));
}
