/**
 * The wanted state of every member other than the primary, and the next step toward it:
 * - a member that runs as a writable primary although the record names another is fenced at
 *   once, over a direct connection (its own agent may be dead);
 * - a member that ran as a primary, or diverged from the primary's history, is marked for
 *   rejoin, then rebuilt as a standby (pg_rewind, else a base backup) when autoRejoin allows;
 * - every other standby streams from the primary, on its timeline: repointed when it follows
 *   someone else or nobody (frozen), rebuilt when it has been configured right for a long time
 *   and still does not stream.
 * Shared by every planner so that a runbook re-planned from any state produces the same
 * remaining steps, in the same order, as the original plan.
 */
import { formatLsn, heldLsn } from './lsn.ts';
import { step } from './steps.ts';
import type { Lsn, MemberState, RunbookKind, Step, StoreState } from './types.ts';

/** Where the new primary's timeline will fork, when it is not promoted yet. */
export interface ForkPoint {
  readonly timeline: number;
  readonly lsn: Lsn;
}

export interface ConvergeOptions {
  /** Rebuild marked and diverged members by themselves. */
  readonly autoRejoin: boolean;
  readonly nowMs: number;
  /** Before the primary's promotion: where its timeline forks (divergence is judged against it). */
  readonly fork?: ForkPoint;
  /** The primary's timeline, when it runs as one: a standby must stream on it. */
  readonly primaryTimeline?: number;
  /** Rebuild a standby that follows the primary but has not streamed for this long. @default 20000 */
  readonly stuckAfterMs?: number;
  /** Members another planner takes care of (a switchover's old primary before its demotion). */
  readonly skip?: ReadonlySet<string>;
}

export interface MemberPlan {
  readonly fences: Step[];
  readonly repoints: Step[];
  readonly marks: Step[];
  readonly rejoins: Step[];
  /** Members left alone for now, and why (unreachable, a rejoin running, waiting for an operator). */
  readonly notes: string[];
}

/**
 * Ask a member's agent about a running rebuild at most this often: every 5 s at first (a
 * pg_rewind takes seconds), then a quarter of its age up to a minute (a base backup of a large
 * database takes long, and every question is an audit record).
 */
export function rejoinRecheckMs(job: { readonly sinceMs: number }, nowMs: number): number {
  return Math.min(60_000, Math.max(5000, (nowMs - job.sinceMs) / 4));
}
const STUCK_AFTER_MS = 20_000;

export function memberSteps(state: StoreState, primary: string, o: ConvergeOptions): MemberPlan {
  const plan: MemberPlan = { fences: [], repoints: [], marks: [], rejoins: [], notes: [] };
  for (const m of state.members) {
    if (m.region === primary || o.skip?.has(m.region)) continue;
    if (m.role === 'primary') formerPrimary(state, m, primary, o, plan);
    else if (!m.reachable || m.regionDownByQuorum) plan.notes.push(`${m.region} is unreachable: it is brought in line once it answers`);
    else if (m.role !== 'standby') plan.notes.push(`${m.region} does not say which role it has: left alone`);
    else standby(state, m, primary, o, plan);
  }
  return plan;
}

function formerPrimary(state: StoreState, m: MemberState, primary: string, o: ConvergeOptions, plan: MemberPlan): void {
  const live = m.reachable && !m.regionDownByQuorum;
  if (live && m.writable !== false) {
    plan.fences.push(step.fence(m.region, `${m.region} runs as a writable primary on timeline ${m.timeline} while the record names ${primary}: it must refuse writes now`));
  }
  const how = live ? 'runs' : 'last ran';
  if (!m.needsRejoin) {
    plan.marks.push(step.markRejoin(m.region, `${m.region} ${how} as a primary on timeline ${m.timeline}; ${primary} is the primary now: ${m.region} must come back as a standby`));
  }
  if (live) rebuild(state, m, primary, o, plan, `it ran as a primary on timeline ${m.timeline}`);
  else plan.notes.push(`${m.region} is unreachable: it is rebuilt as a standby once it answers`);
}

function standby(state: StoreState, m: MemberState, primary: string, o: ConvergeOptions, plan: MemberPlan): void {
  const divergence = divergedFrom(m, o.fork);
  const stuck = divergence ? undefined : stuckFor(m, primary, o);
  if (divergence || stuck) {
    const why = divergence ?? stuck!;
    if (!m.needsRejoin) plan.marks.push(step.markRejoin(m.region, `${m.region} ${why}: it needs pg_rewind or a new base backup`));
    rebuild(state, m, primary, o, plan, why);
    return;
  }
  // Not diverged: a marked member (a former primary its agent restarted as a standby) may only
  // need its WAL receiver pointed right (the repoint also makes its slot on the primary), and the
  // rebuild then finds it following and only clears the mark.
  const follows = m.follows === undefined ? m.upstream : m.follows;
  const streams = m.upstream === primary && (o.primaryTimeline === undefined || m.upstreamTimeline === undefined || m.upstreamTimeline === o.primaryTimeline);
  if (!(follows === primary && streams)) {
    const now = follows === null ? 'is frozen (streams from nobody)' : follows !== primary ? `follows ${follows}` : `follows ${primary} but does not stream from it yet`;
    plan.repoints.push(step.repoint(m.region, primary, `${m.region} ${now}; it must stream from the primary ${primary}`));
  }
  if (m.needsRejoin) rebuild(state, m, primary, o, plan, 'it is marked for rejoin');
}

/** A marked, diverged or stuck member: rebuilt by its agent when allowed, else left to an operator. */
function rebuild(state: StoreState, m: MemberState, primary: string, o: ConvergeOptions, plan: MemberPlan, why: string): void {
  if (!o.autoRejoin) {
    plan.notes.push(`${m.region} awaits an operator (failover.autoRejoin is off): meridian db rejoin --store ${state.store} --region ${m.region}`);
    return;
  }
  const job = m.rejoinJob;
  if (job && o.nowMs - job.askedAtMs < rejoinRecheckMs(job, o.nowMs)) {
    plan.notes.push(`${m.region}: rejoin running on its agent (${job.detail})`);
    return;
  }
  plan.rejoins.push(step.rejoin(m.region, primary, 'rewind', `${m.region}: ${why}; its agent rebuilds it as a standby of ${primary} (pg_rewind, else a base backup)`));
}

function divergedFrom(m: MemberState, fork?: ForkPoint): string | undefined {
  if (m.diverged) return `is not on the primary's timeline history`;
  if (!fork) return undefined;
  const held = heldLsn(m);
  if (m.timeline > fork.timeline) return `is on timeline ${m.timeline}, newer than the new primary's ${fork.timeline}`;
  if (m.timeline === fork.timeline && held > fork.lsn) {
    return `holds WAL to ${formatLsn(held)}, past the new primary's ${formatLsn(fork.lsn)} on timeline ${fork.timeline}`;
  }
  return undefined;
}

function stuckFor(m: MemberState, primary: string, o: ConvergeOptions): string | undefined {
  const limit = o.stuckAfterMs ?? STUCK_AFTER_MS;
  if (m.notStreamingForMs === undefined || m.notStreamingForMs < limit) return undefined;
  if ((m.follows ?? m.upstream) !== primary) return undefined;
  return `has followed ${primary} for ${Math.round(m.notStreamingForMs / 1000)} s without streaming from it`;
}

/**
 * The steps that bring a store in line with a primary that stays (a failover's tail, a
 * switchover's after its promotion), in the one order every planner uses: fences first (safety),
 * an unfinished promotion, repoints, the DNS name, a write check when something changed, marks,
 * rebuilds. Completed audit-only steps of the open runbook of `kind` are dropped.
 */
export function inLineSteps(
  state: StoreState,
  kind: RunbookKind,
  primary: string,
  members: MemberPlan,
  leading: readonly Step[],
  validateReason: string,
): Step[] {
  const dns = dnsStep(state, primary);
  const unfinished = state.runbook?.kind === kind;
  const validate = leading.length > 0 || dns !== undefined || unfinished ? step.validateWrite(primary, validateReason) : undefined;
  const steps = [...members.fences, ...leading, ...members.repoints, dns, validate, ...members.marks, ...members.rejoins];
  return dropCompleted(state, kind, steps.filter((s): s is Step => s !== undefined));
}

export function dnsStep(state: StoreState, primary: string): Step | undefined {
  if (state.dns.target === primary) return undefined;
  const now = state.dns.target === null ? 'has no record' : `points at ${state.dns.target}`;
  return step.switchDns(state.dns.name, primary, `${state.dns.name} ${now}; clients must reach the primary ${primary}`);
}

/**
 * Steps whose effect the snapshot cannot show (waits, write checks) are dropped when the audit
 * of the same runbook says they completed. Steps whose effect the snapshot shows (promote,
 * freeze, repoint, fence, rejoin marks) were only planned because the snapshot says they are
 * still needed, so they stay even if the audit says they ran once.
 */
const AUDIT_ONLY: ReadonlySet<Step['kind']> = new Set([
  'await-fence', 'validate-write', 'await-catchup', 'block-writes', 'resume-writes',
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
