/**
 * Failover planning: the recorded primary is down (its region by quorum, or its database), so
 * fence it, promote the best standby, and bring everything else in line. When the primary is
 * healthy, the same planner returns only what is still out of line (an interrupted runbook's
 * remaining steps, a standby that came back, a former primary to mark), or noop.
 */
import { chooseCandidate, type CandidateOptions } from './candidate.ts';
import { dnsStep, dropCompleted, followerSteps, formerPrimarySteps, orderedRejoins, type ForkPoint } from './converge.ts';
import { position, primaryHealth, recordedPrimary } from './member.ts';
import { blocked, continues, noop, present, run } from './plan-common.ts';
import { step } from './steps.ts';
import type { MemberState, Plan, Step, StoreState } from './types.ts';

export type FailoverOptions = CandidateOptions;

export function planFailover(state: StoreState, nowMs: number, options: FailoverOptions = {}): Plan {
  const recorded = recordedPrimary(state);
  const health = primaryHealth(recorded);
  const open = state.runbook;
  if (open && open.kind !== 'failover' && health.kind !== 'down') {
    return noop(`${open.kind} runbook ${open.runbookId} is unfinished and the primary is not down: continue it with its own planner`);
  }
  if (health.kind === 'healthy') return converge(state, recorded, nowMs, []);
  if (health.kind === 'standby') {
    const promote = step.promote(
      recorded.region,
      `${recorded.region} is the recorded primary (token ${state.primary.token}) but runs as a standby at ${position(recorded)}: its promotion did not finish`,
    );
    return converge(state, recorded, nowMs, [promote], { timeline: recorded.timeline, lsn: recorded.replayLsn });
  }
  return failover(state, recorded, health.why, nowMs, options);
}

function failover(state: StoreState, old: MemberState, why: string, nowMs: number, options: FailoverOptions): Plan {
  const choice = chooseCandidate(state, old, options);
  if (choice.kind === 'none') return blocked(`${why}; ${choice.reason}`);
  const next = choice.member;
  const fork: ForkPoint = { timeline: next.timeline, lsn: next.replayLsn };
  const followers = followerSteps(state, next.region, new Set([old.region]), fork);
  const markOld = old.needsRejoin
    ? undefined
    : step.markRejoin(old.region, `${old.region} was the primary until this failover: it must come back as a standby`);
  const steps = [
    step.shiftTraffic(old.region, `${why}: stop sending traffic to the old primary`),
    step.awaitFence(old.region, state.primary.token, fenceReason(state, old, nowMs)),
    step.promote(next.region, choice.reason),
    ...followers.repoints,
    dnsStep(state, next.region),
    step.validateWrite(next.region, `a test write must commit on ${next.region} before the failover counts as done`),
    ...orderedRejoins(state, present([markOld, ...formerPrimarySteps(state, next.region), ...followers.rejoins])),
  ];
  const summary = `fail over ${state.store} from ${old.region} to ${next.region}: ${why}` + notes(followers.notes);
  return run(state, 'failover', old.region, nowMs, summary, dropCompleted(state, 'failover', present(steps)));
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
function converge(state: StoreState, primary: MemberState, nowMs: number, leading: Step[], fork?: ForkPoint): Plan {
  const followers = followerSteps(state, primary.region, new Set(), fork);
  const dns = dnsStep(state, primary.region);
  const unfinished = continues(state, 'failover');
  const validate =
    leading.length > 0 || dns !== undefined || unfinished
      ? step.validateWrite(primary.region, `a test write must commit on ${primary.region}`)
      : undefined;
  const steps = dropCompleted(state, 'failover', present([
    ...leading,
    ...followers.repoints,
    dns,
    validate,
    ...orderedRejoins(state, [...formerPrimarySteps(state, primary.region), ...followers.rejoins]),
  ]));
  const subject = unfinished && state.runbook ? state.runbook.subject : primary.region;
  if (steps.length === 0) {
    if (unfinished && state.runbook) {
      return run(state, 'failover', subject, nowMs, `every step of ${state.runbook.runbookId} is done: close it`, []);
    }
    return noop(`${primary.region} is the healthy primary at ${position(primary)} and everything follows it` + notes(followers.notes));
  }
  const summary = `bring ${state.store} in line with the primary ${primary.region}` + notes(followers.notes);
  return run(state, 'failover', subject, nowMs, summary, steps);
}

function notes(items: readonly string[]): string {
  return items.length > 0 ? ` (${items.join('; ')})` : '';
}
