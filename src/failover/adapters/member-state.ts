/**
 * From what src/data observed to the failover vocabulary (src/failover MemberState). Pure, so the
 * mapping is table-tested: role and positions, the upstream as a region, whether a standby is
 * synchronous, eligibility judged by src/data over two or more samples, divergence.
 *
 * An unreachable member keeps its last known role, timeline and position (the planner reports
 * them and uses the old primary's position to say how much WAL may be lost).
 */
import { judgeEligibility, type Lsn, type Observation, type ReplicaInfo, type TimelineHistory } from '../../data/index.ts';
import type { MemberState } from '../types.ts';
import { regionAt, type StoreMember } from './members.ts';

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
  return {
    ...common,
    reachable: true,
    role: 'standby',
    timeline: last.timeline,
    replayLsn: last.replayLsn,
    eligibility: eligibility.eligible ? { eligible: true, detail: eligibility.detail } : { eligible: false, reason: eligibility.reason, detail: eligibility.detail },
    upstream: regionAt(c.members, last.walReceiver?.senderHost, last.walReceiver?.senderPort),
    synchronous: sync !== undefined && (sync.syncState === 'sync' || sync.syncState === 'quorum'),
    diverged: !eligibility.eligible && eligibility.reason === 'timeline-diverged',
  };
}

/** What to remember of a member for when it stops answering. */
export function lastKnownOf(sample: Observation | undefined, previous: LastKnown | undefined): LastKnown | undefined {
  const m = sample?.member;
  if (!m || !m.reachable) return previous;
  return m.role === 'primary'
    ? { role: 'primary', timeline: m.timeline, lsn: m.currentLsn }
    : { role: 'standby', timeline: m.timeline, lsn: m.replayLsn };
}
