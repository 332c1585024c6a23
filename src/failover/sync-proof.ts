/**
 * Which position provably holds every acknowledged write, in sync mode.
 *
 * With synchronous_standby_names = ANY k (s1 … sn), a commit is acknowledged once k of the n
 * listed standbys flushed it. So any n − k + 1 of them include at least one that flushed every
 * acknowledged commit (pigeonhole), and the furthest of those n − k + 1 positions is a floor no
 * acknowledged write lies beyond. With fewer observations the floor is unknown: a candidate
 * chosen then could miss writes that only an unobserved member confirmed.
 *
 * Observed means frozen (its WAL receiver stopped, so its position is final), reachable and a
 * standby. The set is the one recorded under the primary's lease (SyncSet); the primary's agent
 * keeps it equal to the standbys that really stream, so a member that stopped streaming long ago
 * does not hold the failover hostage. With no recorded set, the bootstrap set applies: ANY 1 of
 * every other member, which is what `meridian init` and the lab write.
 */
import { formatLsn, heldLsn } from './lsn.ts';
import type { Lsn, MemberState, StoreState, SyncSet } from './types.ts';

export type SyncProof =
  /** Every acknowledged write lies at or before `floor`; a candidate must hold at least that. */
  | { readonly kind: 'proven'; readonly floor: Lsn; readonly detail: string }
  /** Nothing was promised: the set was empty (degraded to async). */
  | { readonly kind: 'none'; readonly detail: string }
  | { readonly kind: 'unproven'; readonly reason: string };

/** A standby whose position can no longer move: reachable, in recovery, WAL receiver stopped. */
export function isFrozen(m: MemberState): boolean {
  return m.reachable && !m.regionDownByQuorum && m.role === 'standby' && m.upstream === null && (m.follows === undefined || m.follows === null);
}

export function recordedSyncSet(state: StoreState, oldPrimary: string): SyncSet {
  return state.syncSet ?? { count: 1, members: state.members.map((m) => m.region).filter((r) => r !== oldPrimary) };
}

export function syncProof(state: StoreState, oldPrimary: string): SyncProof {
  const set = recordedSyncSet(state, oldPrimary);
  const label = describeSyncSet(set);
  if (set.count === 0 || set.members.length === 0) return { kind: 'none', detail: `the synchronous set was empty (${label}): commits did not wait for a standby` };
  const byRegion = new Map(state.members.map((m) => [m.region, m]));
  const observed: MemberState[] = [];
  const missing: string[] = [];
  for (const region of set.members) {
    const m = byRegion.get(region);
    if (m && isFrozen(m) && !m.diverged) observed.push(m);
    else missing.push(`${region}: ${m ? whyNotObserved(m) : 'not a member'}`);
  }
  const need = set.members.length - set.count + 1;
  if (observed.length < need) {
    return {
      kind: 'unproven',
      reason: `sync set ${label}: the positions of ${need} of its members are needed to know which holds every acknowledged write, ${observed.length} known (${missing.join('; ')})`,
    };
  }
  const floor = observed.reduce((max, m) => (heldLsn(m) > max ? heldLsn(m) : max), 0n);
  const where = observed.map((m) => `${m.region} ${formatLsn(heldLsn(m))}`).join(', ');
  return { kind: 'proven', floor, detail: `every acknowledged write is at or before ${formatLsn(floor)} (sync set ${label}: ${where})` };
}

export function describeSyncSet(set: SyncSet): string {
  return set.count === 0 ? 'empty' : `ANY ${set.count} (${set.members.join(', ')})`;
}

function whyNotObserved(m: MemberState): string {
  if (m.regionDownByQuorum) return 'region down by quorum';
  if (!m.reachable) return 'unreachable';
  if (m.role !== 'standby') return `runs as ${m.role}`;
  if (m.diverged) return 'diverged';
  return 'not frozen yet';
}
