/**
 * A store's members as the adapters address them: one PostgreSQL member per region, named after
 * the region (its application_name and replication slot), reached at stores[].endpoints[region]
 * on stores[].port. Topology order, which the planner uses to break ties.
 */
import { InputError } from '../../common/errors.ts';
import type { PgEndpoint } from '../../data/index.ts';
import type { Store, Topology } from '../../spec/index.ts';

export interface StoreMember {
  readonly region: string;
  readonly endpoint: PgEndpoint;
}

export function storeRegions(topology: Topology, store: Store): string[] {
  const regions = new Set([store.primaryRegion, ...store.replicaRegions]);
  return topology.regions.map((r) => r.name).filter((r) => regions.has(r));
}

/** Throws InputError when a member region has no address (stores[].endpoints). */
export function storeMembers(topology: Topology, store: Store): StoreMember[] {
  return storeRegions(topology, store).map((region) => {
    const host = store.endpoints?.[region];
    if (!host) throw new InputError(`store '${store.name}' has no database address for region ${region} (stores[].endpoints.${region})`);
    return { region, endpoint: { name: region, host, port: store.port } };
  });
}

/** The member whose address is host:port (a standby's upstream as pg_stat_wal_receiver names it). */
export function regionAt(members: readonly StoreMember[], host: string | undefined, port: number | undefined): string | null {
  if (host === undefined) return null;
  const found = members.find((m) => m.endpoint.host === host && (port === undefined || m.endpoint.port === port));
  return found?.region ?? null;
}

export function memberOf(members: readonly StoreMember[], region: string): StoreMember {
  const m = members.find((x) => x.region === region);
  if (!m) throw new Error(`invariant: ${region} is not a member of this store`);
  return m;
}
