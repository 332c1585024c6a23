/**
 * Where the etcd raft leader should be: not in a region that holds a data store's primary.
 *
 * When the leader's region is lost, the remaining members elect a new leader and etcd extends
 * every lease by a full TTL (the new leader cannot know when the last keepalive reached the old
 * one). If that region also held a primary, its failover waits for that extension: about an
 * election plus a second TTL. With the leader elsewhere, losing the primary's region costs one
 * TTL. Patroni and etcd do not arrange this; the coordinator does, with etcd's MoveLeader. Pure.
 */

export interface EtcdMemberInfo {
  readonly id: string;
  /** The region whose etcd endpoint this member serves (matched by client URL); undefined if none. */
  readonly region: string | undefined;
  /** The member answered a status call just now. */
  readonly healthy: boolean;
}

export type LeaderMove =
  | { readonly kind: 'stay'; readonly why: string }
  | { readonly kind: 'move'; readonly to: EtcdMemberInfo; readonly why: string };

export function chooseLeader(members: readonly EtcdMemberInfo[], leaderId: string, primaryRegions: readonly string[]): LeaderMove {
  const leader = members.find((m) => m.id === leaderId);
  if (!leader) return { kind: 'stay', why: `leader ${leaderId} is not among the members listed` };
  const primaries = (region: string | undefined) => primaryRegions.filter((r) => r === region).length;
  const held = primaries(leader.region);
  if (held === 0) return { kind: 'stay', why: `the leader (${leader.region ?? 'no region'}) holds no primary` };
  const better = members
    .filter((m) => m.id !== leaderId && m.healthy && m.region !== undefined && primaries(m.region) < held)
    .sort((a, b) => primaries(a.region) - primaries(b.region) || (a.region! < b.region! ? -1 : 1));
  const to = better[0];
  if (!to) return { kind: 'stay', why: `every other healthy member's region holds as many primaries as ${leader.region}` };
  return { kind: 'move', to, why: `${leader.region} holds ${held} primar${held === 1 ? 'y' : 'ies'}; ${to.region} holds ${primaries(to.region)}` };
}
