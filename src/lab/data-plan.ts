/**
 * The lab's data layer as data: which etcd member and which PostgreSQL member runs where, with
 * which directories, addresses and settings. Pure over the topology, the layout and the state
 * directory, so it is table-tested and the executor (data-layer.ts) only carries it out.
 *
 * Conventions other code relies on:
 * - one etcd member per region, named after the region, at 10.231.<i>.2 (client :2379 over TLS with
 *   client certificates from the lab's etcd CA, etcd-certs.ts; peer :2380 over TLS with member
 *   certificates from a member-to-member CA of its own);
 * - each store has one PostgreSQL member per member region, NAMED AFTER THE REGION (that name is
 *   the standby's application_name, its replication slot and the server's cluster_name), at
 *   10.231.<i>.5:<store.port>, data in `<state>/data/<store>/<region>`, log in
 *   `<state>/logs/postgres-<store>-<region>.log`;
 * - each agent gets `--state-dir <state>/agents/<region>` (its failover audit),
 *   `--pg-data <store>=<data dir>` for its region's members and, with any, `--pg-tls <state>/pg-tls/<region>`;
 * - every member serves TLS with its region's certificate (pg-certs.ts, IP SANs of 10.231.<i>.5
 *   and its IPv6 twin); from the lab's networks the admin and replication roles must use it.
 * Nothing of it exists for a topology without stores.
 */
import { join } from 'node:path';
import { InputError } from '../common/errors.ts';
import { etcdMemberArgs, minimumLeaseTtlMs, type EtcdClusterSettings, type EtcdMember } from '../coord/index.ts';
import type { ConfValue } from '../data/index.ts';
import type { PgMember } from '../data/index.ts';
import type { Topology } from '../spec/index.ts';
import { labEtcdPeerTls, labEtcdServerTls } from './etcd-certs.ts';
import { labPgServerTls, labPgTlsDir } from './pg-certs.ts';
import type { LabLayout, RegionLayout } from './layout.ts';
import { logsDir } from './state.ts';

export const ETCD_BIN = process.env.MERIDIAN_ETCD_BIN ?? '/usr/bin/etcd';

/**
 * etcd's defaults (heartbeat 100 ms, election 1 s) already suit one machine; they give a minimum
 * lease TTL of 2 s. `warn` keeps the member logs readable.
 */
export const LAB_ETCD_SETTINGS: Omit<EtcdClusterSettings, 'clusterToken'> = { heartbeatMs: 100, electionMs: 1000, logLevel: 'warn' };

/** Who may connect to a lab database: the lab's ranges (loopback is always allowed). */
export const LAB_NETWORKS = ['10.231.0.0/16', 'fd77:231::/64'] as const;

/**
 * The lab is disposable, so durability against a machine crash buys nothing: no fsync, small
 * buffers and 1 MB WAL segments keep three servers per store cheap. What replication
 * acknowledges is unchanged (synchronous_commit stays on). `client_connection_check_interval`
 * ends backends whose client vanished (a demo app that gave up on a commit) within a second.
 */
export const LAB_PG_SETTINGS: Readonly<Record<string, ConfValue>> = {
  fsync: false,
  shared_buffers: '32MB',
  max_connections: 100,
  client_connection_check_interval: '1s',
};
export const LAB_INITDB_ARGS: readonly string[] = ['--no-sync', '--wal-segsize=1'];

export const dataRoot = (dir: string) => join(dir, 'data');
/** The replication role's libpq password file: beside the members' data directories, wiped with them. */
export const replicationPassfilePath = (dir: string) => join(dataRoot(dir), 'replication.pgpass');
export const etcdRoot = (dir: string) => join(dir, 'etcd');
/** Each agent's failover audit (JSON lines): kept after `down` like the logs, wiped by the next `up`. */
export const agentsRoot = (dir: string) => join(dir, 'agents');
export const agentStateDir = (dir: string, region: string) => join(agentsRoot(dir), region);

export interface EtcdMemberPlan {
  readonly region: string;
  readonly member: EtcdMember;
  /** argv, program first. */
  readonly argv: readonly string[];
}

/** One member per region, or none when no store needs a quorum. */
export function etcdPlan(topology: Topology, layout: LabLayout, dir: string, clusterToken: string): EtcdMemberPlan[] {
  if (topology.stores.length === 0) return [];
  checkLeaseTtl(topology.failover.leaseTtl);
  const members = layout.regions.map((r) => {
    const etcd = regionEtcd(r);
    return {
      name: r.name, clientUrl: etcd.client, peerUrl: etcd.peer, dataDir: join(etcdRoot(dir), r.name),
      clientTls: labEtcdServerTls(dir, r.name), peerTls: labEtcdPeerTls(dir, r.name),
    };
  });
  const settings: EtcdClusterSettings = { ...LAB_ETCD_SETTINGS, clusterToken };
  return members.map((member) => ({ region: member.name, member, argv: [ETCD_BIN, ...etcdMemberArgs(member, members, settings)] }));
}

/** etcd silently raises a shorter TTL to its minimum, so a shorter one in the file would be a lie. */
/** The lab runs PostgreSQL; an Aurora store is something only the aws-cdk export builds. */
export function checkLabEngines(topology: Topology): void {
  const aurora = topology.stores.filter((s) => s.engine !== 'postgres').map((s) => s.name);
  if (aurora.length > 0) {
    throw new InputError(`store(s) ${aurora.join(', ')} use engine 'aurora-postgresql', which only AWS runs: the lab runs engine 'postgres' stores (use 'meridian export aws-cdk' for Aurora)`);
  }
}

export function checkLeaseTtl(leaseTtlMs: number): void {
  const minimum = minimumLeaseTtlMs(LAB_ETCD_SETTINGS);
  if (leaseTtlMs < minimum) {
    throw new InputError(
      `failover.leaseTtl ${leaseTtlMs}ms is below ${minimum}ms, the shortest lease the lab's etcd grants (election timeout ${LAB_ETCD_SETTINGS.electionMs}ms): raise it to at least ${minimum / 1000}s`,
    );
  }
}

export interface StorePlan {
  readonly store: string;
  readonly database: string;
  readonly primary: PgMember & { readonly region: string };
  readonly standbys: readonly (PgMember & { readonly region: string })[];
  /** `ANY 1 (standbys)` in sync mode; undefined for asynchronous replication. */
  readonly syncStandbyNames: readonly string[] | undefined;
}

export function storePlans(topology: Topology, layout: LabLayout, dir: string): StorePlan[] {
  return topology.stores.map((store) => {
    const member = (region: string) => {
      const r = layout.regions.find((x) => x.name === region);
      if (!r?.database) throw new Error(`layout has no database address for store ${store.name} in ${region}`);
      return {
        region,
        name: region,
        host: r.database.ipv4,
        port: store.port,
        dataDir: join(dataRoot(dir), store.name, region),
        logFile: join(logsDir(dir), `${postgresProcessName(store.name, region)}.log`),
        prefix: ['ip', 'netns', 'exec', r.namespace],
        // The region's one server certificate (pg-certs.ts), for every store's member there.
        serverTls: labPgServerTls(dir, region),
      };
    };
    return {
      store: store.name,
      database: store.database,
      primary: member(store.primaryRegion),
      standbys: store.replicaRegions.map(member),
      syncStandbyNames: store.replication === 'sync' ? store.replicaRegions : undefined,
    };
  });
}

/** `meridian agent` arguments for a region: its failover audit directory, its members' data directories (demote, rejoin) and log files. */
export function agentDataArgs(plans: readonly StorePlan[], dir: string, region: string): string[] {
  const local = plans.flatMap((plan) =>
    [plan.primary, ...plan.standbys].filter((m) => m.region === region).map((m) => [
      '--pg-data', `${plan.store}=${m.dataDir}`,
      // A PostgreSQL its agent restarts logs where the lab's own start did, not beside the data directory that `lab down` deletes.
      ...(m.logFile ? ['--pg-log', `${plan.store}=${m.logFile}`] : []),
    ]),
  );
  // The region's PostgreSQL certificate directory: its members serve it, and the agent verifies every member against its CA.
  const tls = local.length > 0 ? ['--pg-tls', labPgTlsDir(dir, region)] : [];
  return ['--state-dir', agentStateDir(dir, region), ...local.flat(), ...tls];
}

/** Process name in the lab state (and log file name) of a store's member. */
export function postgresProcessName(store: string, region: string): string {
  return `postgres-${store}-${region}`;
}

function regionEtcd(r: RegionLayout): NonNullable<RegionLayout['etcd']> {
  if (!r.etcd) throw new Error(`layout has no etcd address for region ${r.name}`);
  return r.etcd;
}
