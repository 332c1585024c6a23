/**
 * From what src/data observed to the failover vocabulary (src/failover MemberState). Pure, so the
 * mapping is table-tested: role and positions, the upstream as a region, whether a standby is
 * synchronous, eligibility judged by src/data over two or more samples, divergence.
 *
 * An unreachable member keeps its last known role, timeline and position (the planner reports
 * them and uses the old primary's position to say how much WAL may be lost).
 */
import {
  isFenced, judgeEligibility, locateOnHistory, settledPosition,
  type Lsn, type Observation, type ReplicaInfo, type StandbyState, type TimelineHistory,
} from '../../data/index.ts';
import type { MemberState } from '../types.ts';
import { regionAt, type StoreMember } from './members.ts';

/** The database refuses writes: src/data's fence. */
export { isFenced };

export interface LastKnown {
  readonly role: 'primary' | 'standby';
  readonly timeline: number;
  readonly lsn: Lsn;
}

export interface MemberEvidence {
  readonly region: string;
  /** Oldest first; the last one is the member's current state. */
  readonly samples: readonly Observation[];
  readonly needsRejoin: boolean;
  readonly regionDownByQuorum: boolean;
  readonly lastKnown?: LastKnown;
  /** How long it has followed the recorded primary without streaming from it (the observer keeps the time). */
  readonly notStreamingForMs?: number;
}

export interface ClusterEvidence {
  readonly members: readonly StoreMember[];
  /** The cluster's timeline history: the primary's now, or the last one read. */
  readonly history?: TimelineHistory;
  readonly systemIdentifier?: string;
  /** The primary's last known WAL position, once it no longer answers. */
  readonly lastKnownPrimaryLsn?: Lsn;
  /** pg_stat_replication of the reachable primary (sync_state per standby). */
  readonly primaryReplicas: readonly ReplicaInfo[];
}

export function toMemberState(e: MemberEvidence, c: ClusterEvidence): MemberState {
  const last = e.samples.at(-1)?.member;
  const common = { region: e.region, regionDownByQuorum: e.regionDownByQuorum, needsRejoin: e.needsRejoin };
  if (!last || !last.reachable) {
    return {
      ...common,
      reachable: false,
      role: e.lastKnown?.role ?? 'unknown',
      timeline: e.lastKnown?.timeline ?? 0,
      replayLsn: e.lastKnown?.lsn ?? 0n,
      eligibility: { eligible: false, reason: 'unreachable', detail: last && !last.reachable ? last.reason : 'not observed' },
      upstream: null,
      synchronous: false,
    };
  }
  if (last.role === 'primary') {
    return {
      ...common,
      reachable: true,
      role: 'primary',
      timeline: last.timeline,
      replayLsn: last.currentLsn,
      eligibility: { eligible: false, reason: 'not-a-standby' },
      upstream: null,
      synchronous: false,
      writable: !isFenced(last),
    };
  }
  const eligibility = c.history
    ? judgeEligibility({
        samples: e.samples,
        history: c.history,
        ...(c.systemIdentifier !== undefined ? { systemIdentifier: c.systemIdentifier } : {}),
        ...(c.lastKnownPrimaryLsn !== undefined ? { lastKnownPrimaryLsn: c.lastKnownPrimaryLsn } : {}),
      })
    : ({ eligible: false, reason: 'insufficient-evidence', detail: 'no timeline history of the cluster known yet' } as const);
  const sync = c.primaryReplicas.find((r) => r.applicationName === e.region);
  const streaming = last.walReceiver?.status === 'streaming' ? last.walReceiver : undefined;
  return {
    ...common,
    reachable: true,
    role: 'standby',
    timeline: last.timeline,
    replayLsn: last.replayLsn,
    ...(last.receiveLsn !== undefined ? { receiveLsn: last.receiveLsn } : {}),
    eligibility: eligibility.eligible ? { eligible: true, detail: eligibility.detail } : { eligible: false, reason: eligibility.reason, detail: eligibility.detail },
    // Only a receiver that streams counts: one that keeps failing to connect (a timeline fork)
    // still shows a row with the sender it tries.
    upstream: streaming ? regionAt(c.members, streaming.senderHost, streaming.senderPort) : null,
    ...(streaming?.receivedTimeline !== undefined ? { upstreamTimeline: streaming.receivedTimeline } : {}),
    follows: followsOf(c.members, last),
    ...(e.notStreamingForMs !== undefined ? { notStreamingForMs: e.notStreamingForMs } : {}),
    synchronous: sync !== undefined && (sync.syncState === 'sync' || sync.syncState === 'quorum'),
    diverged: (!eligibility.eligible && eligibility.reason === 'timeline-diverged') || heldPastHistory(e.samples, last, c.history),
  };
}

/** The region primary_conninfo names; its host:port when that is no member; null when empty (frozen). */
function followsOf(members: readonly StoreMember[], m: StandbyState): string | null {
  const to = m.upstreamConfigured;
  if (!to) return null;
  return regionAt(members, to.host, to.port) ?? `${to.host}:${to.port}`;
}

/**
 * WAL flushed but not replayed yet counts: a standby that received WAL past the primary's fork
 * point (from an old primary after a heal) replays it soon and then can no longer follow. The
 * unfinished last record of a frozen standby does not (data/eligibility.ts settledPosition): a
 * coordinator that took it for divergence asked a dead agent for a rebuild, again and again.
 */
function heldPastHistory(samples: readonly Observation[], m: StandbyState, history: TimelineHistory | undefined): boolean {
  if (!history) return false;
  const held = settledPosition(samples) ?? m.replayLsn;
  return locateOnHistory(history, { timeline: m.timeline, lsn: held }).kind !== 'onHistory';
}

/** What to remember of a member for when it stops answering. */
export function lastKnownOf(sample: Observation | undefined, previous: LastKnown | undefined): LastKnown | undefined {
  const m = sample?.member;
  if (!m || !m.reachable) return previous;
  return m.role === 'primary'
    ? { role: 'primary', timeline: m.timeline, lsn: m.currentLsn }
    : { role: 'standby', timeline: m.timeline, lsn: m.replayLsn };
}
