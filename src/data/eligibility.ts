/**
 * Is a standby safe to promote? Judged from evidence over time, never from status labels.
 *
 * A real Patroni incident: a replica that had diverged was listed as `streaming` with lag 0 while
 * replaying nothing, and was promoted. Labels and lag columns describe the connection, not the
 * data. So a candidate is eligible only when
 * 1. its latest position lies on the cluster's timeline history (not on a branch that forked off
 *    before it, not on a timeline the cluster never had), and
 * 2. its replay is really moving: if there was WAL for it to replay during the sampling window
 *    (the primary's LSN or its own received LSN ahead of its replay position), the replay
 *    position advanced between the first and last sample; or it already stands at the primary's
 *    last known position.
 */
import { describePosition, historiesAgree, locateOnHistory, type TimelineHistory } from './history.ts';
import { formatLsn, lsnLagBytes, maxLsn, type Lsn } from './lsn.ts';
import type { Observation, StandbyState } from './types.ts';

export type IneligibleReason =
  | 'unreachable'
  | 'not-a-standby'
  | 'different-cluster'
  | 'timeline-diverged'
  | 'replay-stalled'
  | 'insufficient-evidence';

export type Eligibility =
  | {
      readonly eligible: true;
      readonly replayLsn: Lsn;
      readonly timeline: number;
      /** Bytes behind the primary's latest known LSN (0 when caught up or unknown). */
      readonly lagBytes: bigint;
      readonly detail: string;
    }
  | { readonly eligible: false; readonly reason: IneligibleReason; readonly detail: string };

export interface EligibilityEvidence {
  /** Observations of one candidate, oldest first. Two or more, spaced by at least `minSpanMs`. */
  readonly samples: readonly Observation[];
  /** The cluster's history: the current primary's, or the last one read before it was lost. */
  readonly history: TimelineHistory;
  /** The primary's pg_control system identifier, when known. */
  readonly systemIdentifier?: string;
  /** The primary's last known WAL position once it is gone (for lag and for "caught up"). */
  readonly lastKnownPrimaryLsn?: Lsn;
  /** Shortest window over which "did not advance" is trusted. @default 250 */
  readonly minSpanMs?: number;
  /**
   * When the primary is gone, a received-but-unreplayed tail this small is taken to be a WAL
   * record the dying primary never finished sending (it can never be replayed), not a stall.
   * @default 65536
   */
  readonly incompleteTailBytes?: bigint;
}

const DEFAULT_MIN_SPAN_MS = 250;
const DEFAULT_INCOMPLETE_TAIL = 65_536n;

export function judgeEligibility(evidence: EligibilityEvidence): Eligibility {
  const last = evidence.samples.at(-1);
  if (!last) return no('insufficient-evidence', 'no sample of the candidate');
  const m = last.member;
  if (!m.reachable) return no('unreachable', m.reason);
  if (m.role !== 'standby') return no('not-a-standby', `it is a primary on timeline ${m.timeline}`);
  if (evidence.systemIdentifier !== undefined && m.systemIdentifier !== evidence.systemIdentifier) {
    return no('different-cluster', `system identifier ${m.systemIdentifier} is not the primary's ${evidence.systemIdentifier}`);
  }
  const diverged = timelineProblem(m, evidence.history);
  if (diverged) return no('timeline-diverged', diverged);
  return judgeProgress(evidence, last, m);
}

function timelineProblem(m: StandbyState, history: TimelineHistory): string | undefined {
  const at = locateOnHistory(history, { timeline: m.timeline, lsn: m.replayLsn });
  if (at.kind !== 'onHistory') {
    return `replayed to ${formatLsn(m.replayLsn)} on timeline ${m.timeline}: ${describePosition(at)}`;
  }
  if (m.history && !historiesAgree(m.history, history)) {
    return `its history of timeline ${m.timeline} forks at different points than the primary's (a same-numbered timeline on another branch)`;
  }
  return undefined;
}

function judgeProgress(evidence: EligibilityEvidence, last: Observation, m: StandbyState): Eligibility {
  const primaryAlive = last.primaryLsn !== undefined;
  const target = last.primaryLsn ?? evidence.lastKnownPrimaryLsn;
  const lag = target === undefined ? 0n : lsnLagBytes(target, m.replayLsn);
  if (target !== undefined && lag === 0n && !hasUnreplayedTail(m)) {
    return yes(m, 0n, `caught up at ${formatLsn(m.replayLsn)}`);
  }
  // Frozen (src/data/freeze.ts): no receiver, and everything it flushed is replayed. Nothing can
  // move it any more, so a stall is moot: it stands at its final position.
  if (!primaryAlive && !m.walReceiver && m.receiveLsn !== undefined && !hasUnreplayedTail(m)) {
    return yes(m, lag, `frozen at its final position ${formatLsn(m.replayLsn)}`);
  }
  const minSpan = evidence.minSpanMs ?? DEFAULT_MIN_SPAN_MS;
  // Samples old enough that a healthy standby would have replayed what was available then.
  const window = standbySamples(evidence.samples).filter((s) => last.atMs - s.atMs >= minSpan);
  const start = window[0];
  if (!start) return no('insufficient-evidence', `need two samples at least ${minSpan} ms apart`);
  const span = last.atMs - start.atMs;
  if (m.replayLsn > start.member.replayLsn) {
    return yes(m, lag, `replay advanced ${lsnLagBytes(m.replayLsn, start.member.replayLsn)} bytes in ${span} ms`);
  }
  // Replay is monotonic, so it stood still since every sample in the window. Was there WAL to
  // replay? While the primary lives, its LSN says so; once it is gone only received WAL counts.
  const pending = window.reduce((most, s) => {
    const available = maxLsn(primaryAlive ? s.primaryLsn : undefined, s.member.receiveLsn) ?? 0n;
    const bytes = lsnLagBytes(available, s.member.replayLsn);
    return bytes > most ? bytes : most;
  }, 0n);
  if (pending === 0n) return yes(m, lag, `nothing to replay in ${span} ms; stands at ${formatLsn(m.replayLsn)}`);
  if (!primaryAlive && pending <= (evidence.incompleteTailBytes ?? DEFAULT_INCOMPLETE_TAIL)) {
    return yes(m, lag, `replayed all it can; the last ${pending} received bytes are an unfinished record`);
  }
  const receiving = m.receiveLsn !== undefined && m.receiveLsn > (start.member.receiveLsn ?? 0n);
  const what = receiving ? 'while WAL kept arriving' : 'and received nothing new';
  return no(
    'replay-stalled',
    `replay stayed at ${formatLsn(m.replayLsn)} for ${span} ms ${what}, with ${pending} bytes available to replay`,
  );
}

/**
 * Where a frozen standby really stands. A stream cut mid-record (a primary stopped at once, a cut)
 * leaves the standby with the first bytes of a record it can never replay: flushed (receive LSN)
 * past its replay position, for good. A new timeline forks at the end of the last complete record
 * and the standby, once repointed, follows it from there: those bytes do not make it diverged.
 * So when the standby takes WAL from nobody, received nothing and replayed nothing over the window,
 * and the tail is no longer than one record plausibly is, its position is its replay position;
 * otherwise what it flushed counts too (it replays that soon).
 */
export function settledPosition(samples: readonly Observation[], opts: { readonly minSpanMs?: number; readonly incompleteTailBytes?: bigint } = {}): Lsn | undefined {
  const standbys = standbySamples(samples);
  const last = standbys.at(-1);
  if (!last) return undefined;
  const m = last.member;
  const held = maxLsn(m.replayLsn, m.receiveLsn) ?? m.replayLsn;
  const first = standbys.find((s) => last.atMs - s.atMs >= (opts.minSpanMs ?? DEFAULT_MIN_SPAN_MS));
  const frozen = !m.walReceiver && m.upstreamConfigured === undefined;
  if (!first || !frozen || m.receiveLsn === undefined) return held;
  const still = first.member.replayLsn === m.replayLsn && first.member.receiveLsn === m.receiveLsn && first.member.timeline === m.timeline;
  const tail = lsnLagBytes(m.receiveLsn, m.replayLsn);
  return still && tail <= (opts.incompleteTailBytes ?? DEFAULT_INCOMPLETE_TAIL) ? m.replayLsn : held;
}

/** Received WAL beyond the replay position (only meaningful while it is not advancing). */
function hasUnreplayedTail(m: StandbyState): boolean {
  return m.receiveLsn !== undefined && m.receiveLsn > m.replayLsn;
}

type StandbySample = Observation & { readonly member: StandbyState };

function standbySamples(samples: readonly Observation[]): StandbySample[] {
  return samples.filter((s): s is StandbySample => s.member.reachable && s.member.role === 'standby');
}

function yes(m: StandbyState, lagBytes: bigint, detail: string): Eligibility {
  return { eligible: true, replayLsn: m.replayLsn, timeline: m.timeline, lagBytes, detail };
}

function no(reason: IneligibleReason, detail: string): Eligibility {
  return { eligible: false, reason, detail };
}
