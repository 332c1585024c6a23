/**
 * The store reconciler: from one observed StoreState, the next steps toward the wanted state.
 *
 * Wanted: one primary, the one the primary record names, accepting writes; every other
 * reachable member streaming from it on its timeline; every primary the record does not name
 * fenced; the synchronous set equal to the standbys that really confirm commits (kept by the
 * primary's own agent, see docs/failover.md). It is level-triggered: nothing here remembers what
 * was done before except, through the audit, the waits and checks the world cannot show.
 *
 * When the recorded primary is down, the steps are, one decision at a time:
 *   1. await-fence: its lease has expired (it can never write again without a newer token);
 *   2. freeze every reachable standby (their WAL receivers stop, so positions are final);
 *   3. choose from the frozen positions (candidate.ts), promote, bring the rest in line.
 * The plan stops after the freezes: the choice needs positions read after them.
 */
import { chooseCandidate, type CandidateOptions } from './candidate.ts';
import { dnsStep, dropCompleted, inLineSteps, memberSteps, type ConvergeOptions, type ForkPoint, type MemberPlan } from './converge.ts';
import { heldLsn } from './lsn.ts';
import { position, primaryHealth, recordedPrimary } from './member.ts';
import { blocked, continues, noop, present, run } from './plan-common.ts';
import { step } from './steps.ts';
import { isFrozen } from './sync-proof.ts';
import type { MemberState, Plan, Step, StoreState, SyncSet } from './types.ts';

export interface ReconcileOptions extends CandidateOptions {
  /** Rebuild former primaries and diverged standbys by themselves. @default true */
  readonly autoRejoin?: boolean;
  /**
   * Sync mode, no standby to confirm commits: keep commits waiting (RPO 0, the default) or let
   * them through asynchronously (the primary's agent raises an alert). @default true
   */
  readonly syncStrict?: boolean;
  /** Rebuild a standby that follows the primary but has not streamed for this long. @default 20000 */
  readonly stuckAfterMs?: number;
}

export function reconcile(state: StoreState, nowMs: number, options: ReconcileOptions = {}): Plan {
  const recorded = recordedPrimary(state);
  const health = primaryHealth(recorded);
  const open = state.runbook;
  if (open && open.kind !== 'failover' && health.kind !== 'down') {
    return noop(`${open.kind} runbook ${open.runbookId} is unfinished and the primary is not down: its own planner continues it`);
  }
  const converge = convergeOptions(options, nowMs);
  if (health.kind === 'healthy') {
    return inLine(state, recorded, memberSteps(state, recorded.region, { ...converge, primaryTimeline: recorded.timeline }), [], nowMs);
  }
  if (health.kind === 'standby') {
    const fork: ForkPoint = { timeline: recorded.timeline, lsn: heldLsn(recorded) };
    const members = memberSteps(state, recorded.region, { ...converge, fork });
    const promote = step.promote(
      recorded.region,
      newSyncSet(state, recorded.region, members, options),
      `${recorded.region} is the recorded primary (token ${state.primary.token}) but runs as a standby at ${position(recorded)}: its promotion did not finish`,
    );
    return inLine(state, recorded, members, [promote], nowMs);
  }
  return failover(state, recorded, health.why, nowMs, options);
}

function convergeOptions(options: ReconcileOptions, nowMs: number): ConvergeOptions {
  return { autoRejoin: options.autoRejoin ?? true, nowMs, ...(options.stuckAfterMs !== undefined ? { stuckAfterMs: options.stuckAfterMs } : {}) };
}

function failover(state: StoreState, old: MemberState, why: string, nowMs: number, options: ReconcileOptions): Plan {
  const fence = step.awaitFence(old.region, state.primary.token, fenceReason(state, old, nowMs));
  const freezes = state.members
    .filter((m) => m.region !== old.region && m.reachable && !m.regionDownByQuorum && m.role === 'standby' && !isFrozen(m))
    .map((m) => step.freeze(m.region, `${m.region} must stop taking WAL before a candidate is chosen, so no standby can follow ${old.region} past the new timeline's fork`));
  if (freezes.length > 0) {
    const summary = `fail over ${state.store} away from ${old.region} (${why}): fence it, then freeze the standbys`;
    return run(state, 'failover', old.region, nowMs, summary, dropCompleted(state, 'failover', [fence, ...freezes]), true);
  }
  const choice = chooseCandidate(state, old, options, nowMs);
  if (choice.kind === 'none') return blocked(`no failover: ${why}; ${choice.reason}`, choice.code);
  const next = choice.member;
  const fork: ForkPoint = { timeline: next.timeline, lsn: heldLsn(next) };
  const members = memberSteps(state, next.region, { ...convergeOptions(options, nowMs), fork });
  const steps: Step[] = [
    ...members.fences,
    fence,
    step.promote(next.region, newSyncSet(state, next.region, members, options), choice.reason),
    ...members.repoints,
    ...present([dnsStep(state, next.region)]),
    step.validateWrite(next.region, `a test write must commit on ${next.region} before the failover counts as done`),
    ...members.marks,
    ...members.rejoins,
  ];
  const summary = `fail over ${state.store} from ${old.region} to ${next.region}: ${why}` + notes(members.notes);
  return run(state, 'failover', old.region, nowMs, summary, dropCompleted(state, 'failover', steps));
}

/**
 * The synchronous set a new primary starts with: the standbys about to stream from it. With
 * none, strict mode lists every other member (commits wait until one of them streams: RPO 0);
 * otherwise the set is empty and commits go through asynchronously. Async stores: none.
 */
export function newSyncSet(state: StoreState, primary: string, members: MemberPlan, options: ReconcileOptions): SyncSet | null {
  if (state.mode !== 'sync') return null;
  const repointed = new Set(members.repoints.map((s) => ('region' in s ? s.region : '')));
  const followers = state.members.map((m) => m.region).filter((r) => repointed.has(r));
  if (followers.length > 0) return { count: 1, members: followers };
  if (options.syncStrict ?? true) return { count: 1, members: state.members.map((m) => m.region).filter((r) => r !== primary) };
  return { count: 0, members: [] };
}

function fenceReason(state: StoreState, old: MemberState, nowMs: number): string {
  const token = state.primary.token;
  const lease = state.lease;
  const now =
    lease.kind === 'expired'
      ? 'the quorum already reports it expired'
      : lease.token !== token
        ? `the quorum reports token ${lease.token} instead`
        : lease.validUntilMs > nowMs
          ? `it is valid for another ${lease.validUntilMs - nowMs} ms`
          : `its deadline passed ${nowMs - lease.validUntilMs} ms ago; waiting for the quorum to agree`;
  return `no promotion until ${old.region}'s primary lease (token ${token}) has expired, so it can never accept writes again without a newer token; ${now}`;
}

/**
 * The primary (recorded, and healthy or about to be promoted again) stays: bring the rest in
 * line. Order matches a fresh failover plan's tail, so an interrupted runbook resumes where it was.
 */
function inLine(state: StoreState, primary: MemberState, members: MemberPlan, leading: Step[], nowMs: number): Plan {
  const unfinished = continues(state, 'failover');
  const steps = inLineSteps(state, 'failover', primary.region, members, leading, `a test write must commit on ${primary.region}`);
  const subject = unfinished && state.runbook ? state.runbook.subject : primary.region;
  if (steps.length === 0) {
    if (unfinished && state.runbook) {
      return run(state, 'failover', subject, nowMs, `every step of ${state.runbook.runbookId} is done: close it`, []);
    }
    const fenced = primary.writable === false ? `; ${primary.region} is fenced until its agent holds the primary lease again` : '';
    return noop(`${primary.region} is the primary at ${position(primary)} and everything follows it${fenced}` + notes(members.notes));
  }
  const summary = `bring ${state.store} in line with the primary ${primary.region}` + notes(members.notes);
  return run(state, 'failover', subject, nowMs, summary, steps);
}

function notes(items: readonly string[]): string {
  return items.length > 0 ? ` (${items.join('; ')})` : '';
}
