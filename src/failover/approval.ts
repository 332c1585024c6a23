/**
 * Approval of a store's automatic failover (stores[].failover.approval), pure. Only the START of
 * an automatic failover is gated: a plan that would fence the recorded primary, freeze its
 * standbys or promote another member, and that opens a new runbook. Everything else (bringing
 * members in line, rebuilds, a runbook already open, an operator's own request) never waits for
 * a human, and neither does each agent fencing its own database (that is not the coordinator's).
 *
 * In `manual` the coordinator records a pending run instead of starting; an operator approves or
 * rejects it. The run is tied to one SITUATION: the lost primary's region and the token its
 * record was written under. The primary's agent writes a newer token whenever it takes its lease
 * again, so "lost again after it came back" is a new situation, while a primary that stays down
 * is the same one however long it lasts. Decisions (docs/failover.md "Approval"):
 *   - pending, not answered by expiresAt: recorded `expired`; if the failure persists a new run is
 *     raised at once (a new id, planned afresh): an approval must be about what would run now;
 *   - approved: the next tick that would start the failover of the same situation runs it (the
 *     record becomes `running`, naming the runbook); an approval not used by its expiry expires;
 *   - rejected: no new run for the same situation until rejectedAt + expiry, then a new one (a
 *     store left without a primary must ask again, not stay silent); a new situation asks at once;
 *     `meridian approve` of the rejected run while it holds takes the rejection back;
 *   - pending or approved, and the primary healthy again (or another situation): `not-needed`.
 */
import type { ApprovalMode } from '../spec/index.ts';
import { primaryHealth, recordedPrimary } from './member.ts';
import type { Plan, Step, StoreState, WaitCode } from './types.ts';

export type { ApprovalMode };

export type RunState = 'pending' | 'approved' | 'running' | 'rejected' | 'expired' | 'not-needed';

export interface PlannedStep {
  readonly id: string;
  readonly kind: string;
  readonly reason: string;
}

/** One failover run awaiting (or past) an operator's decision; the store's record in etcd. */
export interface ApprovalRun {
  /** `<store>-<detectedAtMs in base 36>`: what `meridian approve` takes. */
  readonly id: string;
  readonly store: string;
  /** `<lost primary's region>@<its record's token>` (see the header). */
  readonly situation: string;
  /** The region the failover moves away from. */
  readonly subject: string;
  /** The plan's one line at detection. */
  readonly summary: string;
  /** The detection: why the coordinator would fail over. */
  readonly why: string;
  /** The planned steps, in order, as the dry run shows them (the choice is made after the freezes). */
  readonly steps: readonly PlannedStep[];
  readonly detectedAtMs: number;
  readonly expiresAtMs: number;
  readonly state: RunState;
  /** The operator who approved or rejected it (a token's name), or the coordinator that closed it. */
  readonly decidedBy?: string;
  readonly decidedAtMs?: number;
  /** A rejection's reason, why it was not needed, how it expired. */
  readonly note?: string;
  /** `running`: the runbook it became (its steps and outcome are in the store's audit). */
  readonly runbookId?: string;
}

export type GateDecision = { readonly execute: true } | { readonly execute: false; readonly why: string; readonly code: WaitCode };

export interface GateInput {
  readonly mode: ApprovalMode;
  readonly expiryMs: number;
  readonly nowMs: number;
  readonly plan: Plan;
  readonly state: StoreState;
  /** What the other rules decided for a run plan (paused, automatic off, lease held); absent for other plans. */
  readonly decision?: GateDecision;
  /** The store's current run record, as read now. */
  readonly current: ApprovalRun | null;
  /** The planned steps to record when a run is raised (the full dry run, not just this plan's). */
  readonly plannedSteps: (plan: Extract<Plan, { kind: 'run' }>) => readonly PlannedStep[];
}

export interface GateOutcome {
  /** For a run plan: execute it or not, and why. */
  readonly decision?: GateDecision;
  /** Transitions to record, in order; the last one is the store's new current run. */
  readonly writes: readonly ApprovalRun[];
}

/** The plan fences the recorded primary, freezes its standbys, or promotes another member. */
export function promotesAway(plan: { readonly steps: readonly Step[] }, state: StoreState): boolean {
  return plan.steps.some((s) => s.kind === 'await-fence' || s.kind === 'freeze' || (s.kind === 'promote' && s.region !== state.primary.region));
}

/** The plan would open a new failover runbook away from the recorded primary: what approval gates. */
export function startsFailover(plan: Plan, state: StoreState): plan is Extract<Plan, { kind: 'run' }> {
  return plan.kind === 'run' && plan.runbookId !== state.runbook?.runbookId && promotesAway(plan, state);
}

export function situationOf(plan: Extract<Plan, { kind: 'run' }>, state: StoreState): string {
  return `${plan.subject}@${state.primary.token}`;
}

export function runId(store: string, nowMs: number): string {
  return `${store}-${Math.round(nowMs).toString(36)}`;
}

/** A run still waiting for a decision or for its tick. */
export function isOpen(run: ApprovalRun | null): run is ApprovalRun {
  return run !== null && (run.state === 'pending' || run.state === 'approved');
}

const iso = (ms: number) => new Date(ms).toISOString();

export function gateApproval(i: GateInput): GateOutcome {
  const writes: ApprovalRun[] = [];
  let current = i.current;
  const close = (state: RunState, note: string) => {
    current = { ...current!, state, note, decidedBy: 'coordinator', decidedAtMs: i.nowMs };
    writes.push(current);
  };
  if (i.mode !== 'manual') {
    if (isOpen(current)) close('not-needed', `failover.approval is ${i.mode} now`);
    const off = i.mode === 'off' && i.decision?.execute && startsFailover(i.plan, i.state);
    if (!off) return { ...(i.decision ? { decision: i.decision } : {}), writes };
    return { decision: { execute: false, code: 'approval-off', why: offWhy(i.state) }, writes };
  }
  const starts = startsFailover(i.plan, i.state);
  const situation = starts ? situationOf(i.plan as Extract<Plan, { kind: 'run' }>, i.state) : undefined;
  if (isOpen(current) && i.nowMs >= current.expiresAtMs) {
    close('expired', `${current.state === 'pending' ? 'not approved' : `approved by ${current.decidedBy ?? 'an operator'} but not started`} by ${iso(current.expiresAtMs)}`);
  }
  if (isOpen(current)) {
    if (situation !== undefined && situation !== current.situation) close('not-needed', `the situation changed: ${(i.plan as Extract<Plan, { kind: 'run' }>).summary}`);
    else if (situation === undefined && healed(i.plan, i.state)) close('not-needed', `the store no longer needs it: ${i.plan.kind === 'run' ? i.plan.summary : i.plan.reason}`);
  }
  if (!starts || situation === undefined || !i.decision?.execute) return { ...(i.decision ? { decision: i.decision } : {}), writes };
  const plan = i.plan as Extract<Plan, { kind: 'run' }>;
  if (current?.situation === situation) {
    if (current.state === 'approved') {
      writes.push({ ...current, state: 'running', runbookId: plan.runbookId });
      return { decision: { execute: true }, writes };
    }
    if (current.state === 'pending') return { decision: waitFor(current), writes };
    if (current.state === 'rejected' && i.nowMs < holdUntil(current, i.expiryMs)) return { decision: heldBack(current, i.expiryMs), writes };
  }
  const raised: ApprovalRun = {
    id: runId(i.state.store, i.nowMs), store: i.state.store, situation, subject: plan.subject, summary: plan.summary,
    why: detection(i.state), steps: i.plannedSteps(plan), detectedAtMs: i.nowMs, expiresAtMs: i.nowMs + i.expiryMs, state: 'pending',
  };
  writes.push(raised);
  return { decision: waitFor(raised), writes };
}

/** The recorded primary is whole again: nothing to fail over (a blocked or unavailable plan proves nothing). */
function healed(plan: Plan, state: StoreState): boolean {
  return plan.kind === 'noop' || (plan.kind === 'run' && !promotesAway(plan, state));
}

function detection(state: StoreState): string {
  const health = primaryHealth(recordedPrimary(state));
  const lease = state.lease.kind === 'expired' ? 'its primary lease has expired' : `its primary lease is held with token ${state.lease.token}`;
  return `${health.kind === 'down' ? health.why : `${state.primary.region} runs as a ${health.kind === 'standby' ? 'standby' : 'primary'}`}; ${lease}`;
}

function holdUntil(run: ApprovalRun, expiryMs: number): number {
  return (run.decidedAtMs ?? run.detectedAtMs) + expiryMs;
}

function waitFor(run: ApprovalRun): GateDecision {
  return {
    execute: false,
    code: 'approval',
    why: `no failover: waiting for approval of run ${run.id} (expires at ${iso(run.expiresAtMs)}): meridian approve ${run.id}, or meridian reject ${run.id}`,
  };
}

function heldBack(run: ApprovalRun, expiryMs: number): GateDecision {
  const reason = run.note ? ` (${run.note})` : '';
  return {
    execute: false,
    code: 'rejected',
    why: `no failover: run ${run.id} was rejected by ${run.decidedBy ?? 'an operator'}${reason}; no new run for this situation before ${iso(holdUntil(run, expiryMs))}; meridian approve ${run.id} takes the rejection back`,
  };
}

function offWhy(state: StoreState): string {
  return `no failover: approval: off (stores[].failover.approval of ${state.store}): the coordinator never fails over by itself; set approval to manual or automatic to let it`;
}

/** An operator's answer to a run, pure: the new record, or why it cannot be given. */
export type AnswerOutcome =
  | { readonly kind: 'recorded'; readonly run: ApprovalRun; readonly says: string }
  | { readonly kind: 'refused'; readonly status: 404 | 409; readonly says: string };

export function answerRun(
  current: ApprovalRun | null,
  answer: { readonly kind: 'approve' | 'reject'; readonly id: string; readonly by: string; readonly reason?: string },
  nowMs: number,
  expiryMs: number,
): AnswerOutcome {
  if (!current || current.id !== answer.id) {
    const now = current ? ` (the store's current run is ${current.id}, ${current.state})` : ' (the store has no run)';
    return { kind: 'refused', status: 404, says: `no run ${answer.id} to ${answer.kind}${now}; meridian runs lists them` };
  }
  const expired = isOpen(current) && nowMs >= current.expiresAtMs;
  if (expired || !(current.state === 'pending' || current.state === 'approved' || (current.state === 'rejected' && answer.kind === 'approve'))) {
    const state = expired ? 'expired' : current.state;
    return { kind: 'refused', status: 409, says: `run ${answer.id} is ${state}${current.decidedBy && !expired ? ` (by ${current.decidedBy})` : ''}: it can no longer be ${answer.kind === 'approve' ? 'approved' : 'rejected'}` };
  }
  if (answer.kind === 'approve') {
    // The approval is about now: it is used by the next tick, or expires like a pending run.
    const run: ApprovalRun = { ...current, state: 'approved', decidedBy: answer.by, decidedAtMs: nowMs, expiresAtMs: nowMs + expiryMs, ...(answer.reason ? { note: answer.reason } : {}) };
    return { kind: 'recorded', run, says: `run ${run.id} approved by ${answer.by}: the coordinator runs the failover of ${run.store} away from ${run.subject} on its next tick if the store still needs it (follow with meridian runs --store ${run.store})` };
  }
  const run: ApprovalRun = { ...current, state: 'rejected', decidedBy: answer.by, decidedAtMs: nowMs, ...(answer.reason ? { note: answer.reason } : {}) };
  return {
    kind: 'recorded', run,
    says: `run ${run.id} rejected by ${answer.by}: nothing changes; no new run for the same situation before ${iso(nowMs + expiryMs)} (meridian approve ${run.id} takes it back)`,
  };
}
