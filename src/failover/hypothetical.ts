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
 *
 * A planned switchover is one plan (planSwitchover), previewed as it is: its steps, or why the
 * target cannot be chosen.
 */
import { heldLsn, lagBytes } from './lsn.ts';
import { memberIn } from './member.ts';
import { planSwitchover, type SwitchoverOptions } from './plan-switchover.ts';
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

/** The member a plan promotes, where it stands in the state it was planned from, and the planner's reason. */
export interface Promotion {
  readonly region: string;
  /** The planner's own reason (its WAL, the other candidates and why they lost). */
  readonly reason: string;
  readonly timeline: number;
  /** The WAL it holds (received or replayed: pg_promote replays what was received first). */
  readonly lsn: Lsn;
}

/** A planner as the caller runs it (the coordinator's choosePlan); by default the reconciler. */
export type Planner = (state: StoreState, nowMs: number) => Plan;

export interface FailoverPreview {
  /** The region whose loss is assumed. */
  readonly lost: string;
  /** The plans the reconciler would make, in order (one or two). */
  readonly plans: readonly Plan[];
  /** The member the last plan promotes. */
  readonly promote?: Promotion;
  /** Sync stores: the proof (or why there is none) that the candidate holds every acknowledged write. */
  readonly syncProof?: string;
  /** Per standby, how far behind the primary it is now: the WAL a failover right now could lose. */
  readonly lag: readonly StandbyLag[];
}

/**
 * Both plans of a failover away from the recorded primary, as if it were lost now. `planner`:
 * the function the caller really plans with (the agent's coordinator passes its choosePlan), so
 * the preview cannot drift from it.
 */
export function previewFailover(state: StoreState, nowMs: number, options: ReconcileOptions & { readonly planner?: Planner } = {}): FailoverPreview {
  const plan: Planner = options.planner ?? ((s, now) => reconcile(s, now, options));
  const lost = state.primary.region;
  const first = plan(assumePrimaryLost(state), nowMs);
  const plans: Plan[] = [first];
  let last = assumePrimaryLost(state);
  if (first.kind === 'run' && first.continues) {
    last = assumeFrozen(last, first);
    plans.push(plan(last, nowMs));
  }
  const promote = promotionIn(plans.at(-1)!, last);
  const proof = state.mode === 'sync' ? describeProof(last) : undefined;
  return { lost, plans, ...(promote ? { promote } : {}), ...(proof ? { syncProof: proof } : {}), lag: standbyLag(state) };
}

export interface SwitchoverPreview {
  readonly target: string;
  /** planSwitchover's plan: its steps, `blocked` with why the target cannot be chosen, or `noop`. */
  readonly plan: Plan;
  readonly promote?: Promotion;
  readonly lag: readonly StandbyLag[];
}

/** The operator's switchover to `target`, exactly as the coordinator would plan it now. */
export function previewSwitchover(state: StoreState, target: string, nowMs: number, options: SwitchoverOptions = {}): SwitchoverPreview {
  const plan = planSwitchover(state, target, nowMs, options);
  const promote = promotionIn(plan, state);
  return { target, plan, ...(promote ? { promote } : {}), lag: standbyLag(state) };
}

function promotionIn(plan: Plan, state: StoreState): Promotion | undefined {
  if (plan.kind !== 'run') return undefined;
  const step = plan.steps.find((s): s is Extract<Step, { kind: 'promote' }> => s.kind === 'promote');
  const m = step && memberIn(state, step.region);
  return step && m ? { region: step.region, reason: step.reason, timeline: m.timeline, lsn: heldLsn(m) } : undefined;
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
