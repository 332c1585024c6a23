/**
 * The steps that bring the other members in line with a (new) primary: standbys stream from
 * it, former primaries and diverged standbys are marked for rejoin, the DNS name points at it.
 * Shared by every planner so that a runbook re-planned from an intermediate state produces the
 * same remaining steps, in the same order, as the original plan.
 */
import { formatLsn } from './lsn.ts';
import { topologyIndex } from './member.ts';
import { step } from './steps.ts';
import type { Lsn, MemberState, RunbookKind, Step, StoreState } from './types.ts';

/** Where the new primary's timeline will fork, when it is not promoted yet. */
export interface ForkPoint {
  readonly timeline: number;
  readonly lsn: Lsn;
}

export interface FollowerPlan {
  readonly repoints: Step[];
  /** Members that cannot stream from the primary as they are: rejoin needed. */
  readonly rejoins: Step[];
  /** Members left alone for now, and why (unreachable, already awaiting rejoin, …). */
  readonly notes: string[];
}

/**
 * Standbys other than `primary` and `skip`. A standby is diverged when the data adapter says
 * so, or (before promotion) when it replayed past the fork point of the new primary.
 */
export function followerSteps(
  state: StoreState,
  primary: string,
  skip: ReadonlySet<string>,
  fork?: ForkPoint,
): FollowerPlan {
  const plan: FollowerPlan = { repoints: [], rejoins: [], notes: [] };
  for (const m of state.members) {
    if (m.region === primary || skip.has(m.region) || m.role === 'primary') continue;
    if (m.needsRejoin) plan.notes.push(`${m.region} awaits rejoin`);
    else if (!m.reachable) plan.notes.push(`${m.region} is unreachable: it is repointed once it answers`);
    else if (m.role !== 'standby') plan.notes.push(`${m.region} does not say which role it has: left alone`);
    else {
      const divergence = divergedFrom(m, fork);
      if (divergence) plan.rejoins.push(step.markRejoin(m.region, `${m.region} ${divergence}: it needs pg_rewind or a new base backup`));
      else if (m.upstream !== primary) {
        const from = m.upstream ? `streams from ${m.upstream}` : 'streams from nobody';
        plan.repoints.push(step.repoint(m.region, primary, `${m.region} ${from}; it must follow the primary ${primary}`));
      }
    }
  }
  return plan;
}

function divergedFrom(m: MemberState, fork?: ForkPoint): string | undefined {
  if (m.diverged) return `is not on the primary's timeline history`;
  if (!fork) return undefined;
  if (m.timeline > fork.timeline) return `is on timeline ${m.timeline}, newer than the new primary's ${fork.timeline}`;
  if (m.timeline === fork.timeline && m.replayLsn > fork.lsn) {
    return `replayed to ${formatLsn(m.replayLsn)}, past the new primary's ${formatLsn(fork.lsn)} on timeline ${fork.timeline}`;
  }
  return undefined;
}

/** Other members that run (or last ran) as primary: they must never take writes again. */
export function formerPrimarySteps(state: StoreState, primary: string): Step[] {
  return state.members
    .filter((m) => m.region !== primary && m.role === 'primary' && !m.needsRejoin)
    .map((m) =>
      step.markRejoin(
        m.region,
        `${m.region} ${m.reachable ? 'still runs' : 'last ran'} as a primary on timeline ${m.timeline}; ` +
          `${primary} is the primary now: ${m.region} must come back as a standby`,
      ),
    );
}

export function dnsStep(state: StoreState, primary: string): Step | undefined {
  if (state.dns.target === primary) return undefined;
  const now = state.dns.target === null ? 'has no record' : `points at ${state.dns.target}`;
  return step.switchDns(state.dns.name, primary, `${state.dns.name} ${now}; clients must reach the primary ${primary}`);
}

/** Mark-rejoin steps, deduplicated and in topology order (the same order from every state). */
export function orderedRejoins(state: StoreState, steps: readonly Step[]): Step[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  return [...byId.values()].sort(
    (a, b) => topologyIndex(state, regionOf(a)) - topologyIndex(state, regionOf(b)),
  );
}

function regionOf(s: Step): string {
  return 'region' in s ? s.region : '';
}

/**
 * Steps whose effect the snapshot cannot show (waits, traffic shifts, write checks) are
 * dropped when the audit of the same runbook says they completed. Steps whose effect the
 * snapshot shows (promote, repoint, DNS, rejoin marks) were only planned because the
 * snapshot says they are still needed, so they stay even if the audit says they ran once.
 */
const AUDIT_ONLY: ReadonlySet<Step['kind']> = new Set([
  'shift-traffic', 'await-fence', 'validate-write', 'await-catchup', 'block-writes', 'resume-writes',
]);

export function dropCompleted(state: StoreState, kind: RunbookKind, steps: readonly Step[]): Step[] {
  const progress = state.runbook;
  if (!progress || progress.kind !== kind) return [...steps];
  const done = new Set(progress.completed);
  return steps.filter((s) => !(AUDIT_ONLY.has(s.kind) && done.has(s.id) && !contradictedByState(state, s)));
}

/** The audit says the old lease expired but the snapshot shows it held: trust the snapshot. */
function contradictedByState(state: StoreState, s: Step): boolean {
  return s.kind === 'await-fence' && state.lease.kind === 'held' && state.lease.token === s.token;
}
