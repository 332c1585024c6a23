/**
 * A DbDrillEnvironment over the Patroni baseline, so `runDbDrill` runs the very same
 * region-outage drill and history checker against it as against Meridian. Differences, each on
 * purpose:
 * - the client finds the primary with `locatePrimary` (an HAProxy-like, fast /primary check, see
 *   locator.ts) instead of a DNS name: Patroni publishes none;
 * - the store is read the way the lab's own store is (every member over SQL, `observeStores`),
 *   with Patroni's superuser; Patroni runs no Meridian agents, so there are none to read;
 * - only the region cut and heal are wired: the other faults are not part of this benchmark.
 */
import { InfraError } from '../../src/common/errors.ts';
import type { DbDrillEnvironment } from '../../src/drill/db/index.ts';
import { snapshotOf } from '../../src/drill/db/lab-environment.ts';
import { cutRegion, healRegion, hostPort, observeStores, type StoreTarget } from '../../src/lab/index.ts';
import type { Topology } from '../../src/spec/index.ts';
import { PrimaryLocator } from './locator.ts';
import type { PatroniCluster } from './patroni-cluster.ts';
import { PATRONI_PG_PORT, PATRONI_SUPERUSER } from './patroni-config.ts';
import { apiUrl, getJson } from './patroni-rest.ts';

export const PATRONI_DATABASE = 'postgres';

export interface PatroniEnvironment {
  readonly env: DbDrillEnvironment;
  readonly locator: PrimaryLocator;
  /** The store as `observeStores` reads it (for the throughput run and the survivor re-read). */
  readonly target: StoreTarget;
}

export function patroniEnvironment(cluster: PatroniCluster, labTopology: Topology): PatroniEnvironment {
  const spec = labTopology.stores[0]!;
  const members = cluster.members.map((m) => ({ region: m.region, host: m.address, port: PATRONI_PG_PORT }));
  const target: StoreTarget = {
    name: cluster.spec.setting.name,
    engine: 'postgres',
    replication: cluster.spec.setting.synchronousMode ? 'sync' : 'async',
    database: PATRONI_DATABASE,
    primaryFqdn: 'the member answering 200 on GET /primary',
    primaryRegion: members[0]!.region,
    members,
  };
  const admin = { user: PATRONI_SUPERUSER, password: cluster.spec.superuserPassword };
  const locator = new PrimaryLocator({
    addresses: cluster.members.map((m) => m.address),
    check: async (address, timeoutMs) => (await getJson(apiUrl(address, '/primary'), timeoutMs))?.status === 200,
  });
  const notUsed = async (): Promise<never> => {
    throw new InfraError('not used by the Patroni baseline (the benchmark runs region-outage drills only)');
  };
  const env: DbDrillEnvironment = {
    store: {
      name: target.name,
      primaryFqdn: target.primaryFqdn,
      replication: target.replication,
      credentials: { ...admin, database: PATRONI_DATABASE, port: PATRONI_PG_PORT },
      memberRegions: Object.fromEntries(members.map((m) => [hostPort(m.host, m.port), m.region])),
      // The lab store's targets, so the per-drill checks judge both systems alike.
      targets: { rtoMs: spec.targets.rto, rpoMs: spec.targets.rpo },
      leaseTtlMs: cluster.spec.setting.timing.ttl * 1000,
    },
    nameservers: [],
    locatePrimary: () => locator.locate(),
    readStore: async () => {
      const [seen] = await observeStores([target], { admin });
      return snapshotOf(seen!);
    },
    readAgents: async () => [],
    cutRegion: async (region) => void cutRegion(region),
    healRegion: async (region) => void healRegion(region),
    killDatabase: notUsed,
    freezeDatabase: notUsed,
    thawDatabase: notUsed,
    killAgent: notUsed,
    restartAgent: notUsed,
    startLocalWriter: notUsed,
  };
  return { env, locator, target };
}
