/**
 * Planned switchover to `target` with zero acknowledged writes lost: let the target catch up,
 * block writes on the primary, wait for its lease to end, demote it (a clean shutdown ships its
 * last WAL to the target; it restarts as a standby of the target), wait until the target has
 * replayed every byte, promote the target, then repoint, switch DNS, validate. At no instant do
 * two databases accept writes: the old primary is demoted before the target is promoted.
 *
 * If the target stops qualifying half-way, the plan gives the primary role back to the old
 * primary (resume writes, or promote it again once demoted) instead of leaving writes blocked.
 */
import { dnsStep, dropCompleted, inLineSteps, memberSteps, type ConvergeOptions } from './converge.ts';
import { formatLsn } from './lsn.ts';
import { memberIn, position, primaryHealth, recordedPrimary } from './member.ts';
import { blocked, continues, noop, present, run } from './plan-common.ts';
import { newSyncSet } from './reconcile.ts';
import { step } from './steps.ts';
import type { MemberState, Plan, Step, StoreState, SyncSet } from './types.ts';

export interface SwitchoverOptions {
  /** Lag the target must be under before writes are blocked, so the write pause stays short. @default 16 MiB */
  readonly catchupLagBytes?: bigint;
  /** Rebuild former primaries and diverged standbys by themselves (failover.autoRejoin). @default true */
  readonly autoRejoin?: boolean;
  /** failover.syncStrict. @default true */
  readonly syncStrict?: boolean;
}

const DEFAULT_CATCHUP_LAG = 16n * 1024n * 1024n;

/**
 * An unfinished runbook of another kind does not block an operator: the new one replaces it
 * (runbookProgress follows the newest), and every planner works from the observed world.
 */
export function planSwitchover(state: StoreState, target: string, nowMs: number, options: SwitchoverOptions = {}): Plan {
  const open = state.runbook;
  if (open && !(open.kind === 'switchover' && open.subject === target)) state = { ...state, runbook: null };
  const next = memberIn(state, target);
  if (!next) return blocked(`${target} is not a member of ${state.store}`);
  const old = recordedPrimary(state);
  if (old.region === target) return afterPromotion(state, next, nowMs, options);
  return beforePromotion(forgetAbortedAttempt(state, old.region), old, next, nowMs, options);
}

function convergeOptions(options: SwitchoverOptions, nowMs: number, skip?: string): ConvergeOptions {
  return { autoRejoin: options.autoRejoin ?? true, nowMs, ...(skip ? { skip: new Set([skip]) } : {}) };
}

/**
 * Writes were resumed by an abort earlier in this runbook: the waits and the write block it
 * completed before no longer hold, so a renewed attempt must do them again.
 */
function forgetAbortedAttempt(state: StoreState, old: string): StoreState {
  const open = state.runbook;
  if (!open || !open.completed.includes(`resume-writes:${old}`)) return state;
  const stale = (id: string) => id.startsWith('await-catchup:') || id.startsWith('block-writes:') || id.startsWith('await-fence:') || id.startsWith('resume-writes:');
  return { ...state, runbook: { ...open, completed: open.completed.filter((id) => !stale(id)) } };
}

function beforePromotion(state: StoreState, old: MemberState, next: MemberState, nowMs: number, options: SwitchoverOptions): Plan {
  const health = primaryHealth(old);
  if (health.kind === 'down') return blocked(`the primary ${old.region} is down (${health.why}): the reconciler fails the store over by itself (meridian db status shows why it waits)`);
  const demoted = health.kind === 'standby';
  const problem = targetProblem(next, old, demoted);
  if (problem) return abort(state, old, next, problem, demoted, nowMs, options);
  const t = next.region;
  const lag = options.catchupLagBytes ?? DEFAULT_CATCHUP_LAG;
  const preDemotion = demoted
    ? []
    : [
        step.awaitCatchup(t, old.region, lag, `${t} is at ${position(next)}, ${old.region} at ${formatLsn(old.replayLsn)}: wait until it is within ${lag} bytes so the write pause stays short`),
        step.blockWrites(old.region, `${old.region} must stop accepting writes before ${t} can hold all of them`),
        step.awaitFence(old.region, state.primary.token, `no promotion until ${old.region}'s primary lease (token ${state.primary.token}) has ended`),
        step.demote(old.region, t, `${old.region} shuts down cleanly (its last WAL goes to ${t}) and restarts as a standby of ${t}`),
      ];
  const members = memberSteps(state, t, convergeOptions(options, nowMs, old.region));
  const steps: Step[] = [
    ...preDemotion,
    step.awaitCatchup(t, old.region, 0n, `${t} must replay every byte ${old.region} wrote, so no acknowledged write is lost`),
    step.promote(t, switchoverSyncSet(state, t, old.region, members.repoints), `planned switchover from ${old.region} to ${t}`),
    ...members.repoints,
    ...present([dnsStep(state, t)]),
    step.validateWrite(t, `a test write must commit on ${t} before the switchover counts as done`),
    ...members.marks,
    ...members.rejoins,
  ];
  const summary = `switch ${state.store} over from ${old.region} to ${t} with no acknowledged write lost`;
  return run(state, 'switchover', t, nowMs, summary, dropCompleted(state, 'switchover', steps));
}

/** The demoted old primary streams from the target too: it is in the new synchronous set. */
function switchoverSyncSet(state: StoreState, target: string, old: string, repoints: readonly Step[]): SyncSet | null {
  if (state.mode !== 'sync') return null;
  const following = new Set([old, ...repoints.map((s) => ('region' in s ? s.region : ''))]);
  return { count: 1, members: state.members.map((m) => m.region).filter((r) => r !== target && following.has(r)) };
}

/** Why `next` cannot take over from `old` now, or undefined. */
function targetProblem(next: MemberState, old: MemberState, demoted: boolean): string | undefined {
  const t = next.region;
  if (next.regionDownByQuorum) return `region ${t} is down by quorum`;
  if (!next.reachable) return `${t} does not answer`;
  if (next.role !== 'standby') return `${t} is not a standby (role ${next.role})`;
  if (next.needsRejoin) return `${t} awaits rejoin`;
  if (next.diverged) return `${t} is not on the primary's timeline history`;
  if (!next.eligibility.eligible) return `${t} is not eligible: ${next.eligibility.reason}`;
  if (next.timeline !== old.timeline) return `${t} is on timeline ${next.timeline}, the primary on ${old.timeline}`;
  if (!demoted && next.upstream !== old.region) return `${t} does not stream from the primary ${old.region}`;
  return undefined;
}

/** The target no longer qualifies. Before any effect: blocked. After one: hand the role back. */
function abort(state: StoreState, old: MemberState, next: MemberState, problem: string, demoted: boolean, nowMs: number, options: SwitchoverOptions): Plan {
  const why = `switchover to ${next.region} aborted: ${problem}`;
  const writesBlocked = continues(state, 'switchover', next.region) && state.runbook!.completed.includes(`block-writes:${old.region}`);
  let steps: Step[];
  if (demoted) {
    const members = memberSteps(state, old.region, convergeOptions(options, nowMs));
    steps = [
      step.promote(old.region, newSyncSet(state, old.region, members, options), `${why}; ${old.region} was demoted and takes the primary role back`),
      ...members.repoints,
      step.validateWrite(old.region, `a test write must commit on ${old.region} again`),
    ];
  } else if (writesBlocked) {
    steps = [step.resumeWrites(old.region, `${why}; ${old.region} accepts writes again`)];
  } else {
    return blocked(`cannot switch over to ${next.region}: ${problem}`);
  }
  return run(state, 'switchover', next.region, nowMs, why, steps);
}

/** The target is the recorded primary: finish what remains (or it is simply already primary). */
function afterPromotion(state: StoreState, primary: MemberState, nowMs: number, options: SwitchoverOptions): Plan {
  const t = primary.region;
  const health = primaryHealth(primary);
  if (health.kind === 'down') return blocked(`${t} is the recorded primary but ${health.why}: the reconciler fails the store over by itself`);
  const unfinished = continues(state, 'switchover', t);
  // The switchover demotes the old primary before promoting, so a member still running as a
  // primary now is a zombie of unknown history: fenced and rebuilt (a rewind), never just demoted.
  const members = memberSteps(state, t, { ...convergeOptions(options, nowMs), ...(health.kind === 'healthy' ? { primaryTimeline: primary.timeline } : {}) });
  const leading = health.kind === 'standby'
    ? [step.promote(t, newSyncSet(state, t, members, options), `${t} is the recorded primary but runs as a standby: its promotion did not finish`)]
    : [];
  const steps = inLineSteps(state, 'switchover', t, members, leading, `a test write must commit on ${t} before the switchover counts as done`);
  if (steps.length === 0 && !unfinished) return noop(`${t} is already the primary and everything follows it`);
  const summary = steps.length > 0 ? `finish the switchover to ${t}` : `every step of the switchover to ${t} is done: close it`;
  return run(state, 'switchover', t, nowMs, summary, steps);
}
