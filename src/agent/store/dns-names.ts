/**
 * The DNS names of the stores, as every agent serves them (GSLB staticNames). Pure.
 *
 * - `<primaryHostname>.<zone>` → the address of the region the PRIMARY RECORD names. It moves
 *   exactly when the record moves (a promotion writes it, fenced). While the record's lease is
 *   not current (an agent restarting, the hand-over after a promotion, a cut-off primary) we keep
 *   answering the last recorded primary rather than nothing: that database is either fine or
 *   fenced by its own agent, so a stale answer only makes writes fail fast, and apps retry
 *   exactly as they would on NODATA. When an agent cannot read etcd it keeps its last answer too
 *   (static stability: DNS never waits on etcd).
 * - `<replicaHostname>.<zone>` → every member except the recorded primary, those marked for
 *   rejoin and those whose region is down by quorum (GSLB static names cannot depend on the
 *   client, so this is "all usable standbys", not "the one in your region").
 * - No record yet: both names exist with no address (NODATA), so resolvers cache the absence
 *   only for the zone's short negative TTL.
 * - TTL: `dns.storeTtl`, except while the primary is in doubt (its region down by quorum, or its
 *   lease not held for it: a failover or a hand-over under way). The answer is then about to
 *   move, so it is given with TTL 0: a client asks again at every connection and reaches the new
 *   primary as soon as the record moves, instead of holding the old address for up to storeTtl
 *   after it (half a second on average with 1 s, paid by every failover). It costs one query per
 *   connection during the failover, nothing otherwise.
 */
import { staticNameOf, type StaticName, type StaticNames } from '../../gslb/index.ts';
import type { HealthSnapshot } from '../../health/index.ts';
import type { Store } from '../../spec/index.ts';
import { leaseHeldFor, type StoreView } from '../../failover/adapters/index.ts';

export function primaryFqdn(zone: string, store: Store): string {
  return `${store.primaryHostname}.${zone}`;
}

export function replicaFqdn(zone: string, store: Store): string | undefined {
  return store.replicaHostname ? `${store.replicaHostname}.${zone}` : undefined;
}

export interface StoreNamesInput {
  readonly zone: string;
  readonly store: Store;
  /** Member regions in topology order. */
  readonly regions: readonly string[];
  /** The last store view read from etcd (undefined: never read). */
  readonly view: StoreView | undefined;
  readonly regionDown: (region: string) => boolean;
}

export function storeStaticNames(input: StoreNamesInput): Record<string, string[] | StaticName> {
  const { store, view } = input;
  const names: Record<string, string[] | StaticName> = {};
  const replicaName = replicaFqdn(input.zone, store);
  const record = view && typeof view.record === 'object' ? view.record : undefined;
  const address = (region: string) => store.endpoints?.[region];
  const primary = record ? address(record.region) : undefined;
  const inDoubt = record !== undefined && (input.regionDown(record.region) || !leaseHeldFor(view?.lease, record.region));
  names[primaryFqdn(input.zone, store)] = inDoubt ? { addresses: primary ? [primary] : [], ttl: 0 } : primary ? [primary] : [];
  if (replicaName) {
    names[replicaName] = record
      ? input.regions
          .filter((r) => r !== record.region && !view?.rejoin.has(r) && !input.regionDown(r))
          .flatMap((r) => address(r) ?? [])
      : [];
  }
  return names;
}

export function mergeStaticNames(parts: readonly StaticNames[]): StaticNames {
  return Object.assign({}, ...parts) as StaticNames;
}

/** The names' addresses alone (what /status shows). */
export function addressesOf(names: StaticNames): Record<string, readonly string[]> {
  return Object.fromEntries(Object.entries(names).map(([name, value]) => [name, staticNameOf(value).addresses]));
}

/**
 * A region is down by quorum when it has service endpoints and a majority of vantage points
 * sees every one of them down (each endpoint's routed verdict is already a majority vote).
 * A region without service endpoints gives no health evidence: never down by this rule.
 */
export function regionDownByHealth(snapshot: HealthSnapshot, region: string): boolean {
  const mine = [...snapshot.endpoints.values()].filter((v) => v.ref.region === region);
  return mine.length > 0 && mine.every((v) => !v.up);
}
