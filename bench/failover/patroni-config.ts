/**
 * Part (c)'s Patroni baseline: its two timing settings and the configuration file of one member
 * (pure: the same inputs give the same object). One Patroni per lab region, inside the region's
 * namespace, on the lab's own etcd; PostgreSQL on the region's database address, port 5433 (the
 * lab's own PostgreSQL keeps 5432 and stays idle). The PostgreSQL settings are the lab's own
 * (src/lab/data-plan.ts), so both systems run the same database the same way.
 */
import { stringify } from 'yaml';
import { LAB_INITDB_ARGS, LAB_NETWORKS, LAB_PG_SETTINGS } from '../../src/lab/data-plan.ts';
import type { PatroniEtcdAccess } from './patroni-etcd.ts';

export const PATRONI_PG_PORT = 5433;
export const PATRONI_API_PORT = 8008;
export const PATRONI_SUPERUSER = 'postgres';
export const PATRONI_REPLICATION_USER = 'replicator';

export interface PatroniTiming {
  /** Leader key TTL, seconds. */
  readonly ttl: number;
  /** Seconds between two runs of the HA loop. */
  readonly loopWait: number;
  /** DCS and PostgreSQL retries give up after this many seconds. */
  readonly retryTimeout: number;
}

export interface PatroniSetting {
  readonly name: string;
  readonly description: string;
  readonly timing: PatroniTiming;
  /** Patroni's synchronous_mode (off: asynchronous replication, as Patroni is usually run). */
  readonly synchronousMode: boolean;
}

/**
 * Patroni's documented defaults, and its documented minimums ("Dynamic Configuration Settings",
 * https://patroni.readthedocs.io/en/latest/dynamic_configuration.html): loop_wait "minimum
 * possible value: 1", ttl "minimum possible value: 20", retry_timeout "minimum possible value: 3",
 * which together still satisfy its rule `loop_wait + 2 * retry_timeout <= ttl` (1 + 6 ≤ 20).
 */
export const PATRONI_SETTINGS: readonly PatroniSetting[] = [
  {
    name: 'patroni-default',
    description: 'Patroni 3.0.2 defaults: ttl 30 s, loop_wait 10 s, retry_timeout 10 s; asynchronous',
    timing: { ttl: 30, loopWait: 10, retryTimeout: 10 },
    synchronousMode: false,
  },
  {
    name: 'patroni-fast',
    description: "Patroni's documented minimums: ttl 20 s, loop_wait 1 s, retry_timeout 3 s; asynchronous",
    timing: { ttl: 20, loopWait: 1, retryTimeout: 3 },
    synchronousMode: false,
  },
  {
    // The like-for-like partner of Meridian's sync store: Patroni promotes only its synchronous
    // standby. Not `synchronous_mode_strict`: Patroni's usual sync setting drops to async when no
    // standby is left, where Meridian's sync store blocks writes instead.
    name: 'patroni-fast-sync',
    description: "Patroni's documented minimums: ttl 20 s, loop_wait 1 s, retry_timeout 3 s; synchronous_mode on",
    timing: { ttl: 20, loopWait: 1, retryTimeout: 3 },
    synchronousMode: true,
  },
];

/** Patroni's own rule for its timing; a setting that breaks it is a mistake in this file. */
export function timingViolation(t: PatroniTiming): string | null {
  if (t.loopWait < 1 || t.ttl < 20 || t.retryTimeout < 3) return `below Patroni's minimums (ttl 20, loop_wait 1, retry_timeout 3): ${JSON.stringify(t)}`;
  if (t.loopWait + 2 * t.retryTimeout > t.ttl) return `loop_wait + 2 * retry_timeout must be <= ttl: ${JSON.stringify(t)}`;
  return null;
}

export interface PatroniMember {
  /** Region name, which is also the Patroni member name. */
  readonly region: string;
  /** The region's database address (10.231.<i>.5 in the lab). */
  readonly address: string;
  /** This member's directory: data, socket and config below it. */
  readonly dir: string;
}

export interface PatroniClusterSpec {
  /** Patroni `scope` (the cluster name; also PostgreSQL's cluster_name). */
  readonly scope: string;
  /** Patroni `namespace`, the etcd key prefix, e.g. `/meridian-bench-1732500000000/`. */
  readonly namespace: string;
  /** etcd client endpoints as `host:port`. */
  readonly etcdHosts: readonly string[];
  readonly setting: PatroniSetting;
  readonly superuserPassword: string;
  readonly replicationPassword: string;
  readonly binDir: string;
  /** Where each member writes its log (`<logDir>/<region>/patroni.log`); stderr when absent. */
  readonly logDir?: string;
  /** The lab's etcd wants TLS, a client certificate and a login (patroni-etcd.ts); absent: plain http. */
  readonly etcdAccess?: PatroniEtcdAccess;
}

function etcd3Section(cluster: PatroniClusterSpec, member: PatroniMember): Record<string, unknown> {
  const a = cluster.etcdAccess;
  if (!a) return { hosts: [...cluster.etcdHosts], protocol: 'http' };
  return {
    hosts: [...cluster.etcdHosts], protocol: 'https',
    cacert: `${member.dir}/${a.cacert}`, cert: `${member.dir}/${a.cert}`, key: `${member.dir}/${a.key}`,
    username: a.username, password: a.password,
  };
}

export const memberDataDir = (m: PatroniMember): string => `${m.dir}/data`;
export const memberSocketDir = (m: PatroniMember): string => `${m.dir}/socket`;
export const memberConfigFile = (m: PatroniMember): string => `${m.dir}/patroni.yml`;

/** The configuration file of one member, as an object (YAML: `patroniYaml`). */
export function patroniConfig(cluster: PatroniClusterSpec, member: PatroniMember): Record<string, unknown> {
  const { timing } = cluster.setting;
  const violation = timingViolation(timing);
  if (violation) throw new Error(`Patroni setting ${cluster.setting.name}: ${violation}`);
  const networks = LAB_NETWORKS.filter((n) => !n.includes(':')); // the lab's members speak IPv4
  return {
    scope: cluster.scope,
    namespace: cluster.namespace,
    name: member.region,
    restapi: { listen: `${member.address}:${PATRONI_API_PORT}`, connect_address: `${member.address}:${PATRONI_API_PORT}` },
    etcd3: etcd3Section(cluster, member),
    bootstrap: {
      dcs: {
        ttl: timing.ttl,
        loop_wait: timing.loopWait,
        retry_timeout: timing.retryTimeout,
        synchronous_mode: cluster.setting.synchronousMode,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: { ...pgParameters(), wal_log_hints: 'on' },
        },
      },
      initdb: initdbOptions(),
    },
    postgresql: {
      listen: `${member.address}:${PATRONI_PG_PORT}`,
      connect_address: `${member.address}:${PATRONI_PG_PORT}`,
      data_dir: memberDataDir(member),
      bin_dir: cluster.binDir,
      pgpass: `${member.dir}/pgpass`,
      authentication: {
        superuser: { username: PATRONI_SUPERUSER, password: cluster.superuserPassword },
        replication: { username: PATRONI_REPLICATION_USER, password: cluster.replicationPassword },
      },
      parameters: { unix_socket_directories: memberSocketDir(member) },
      pg_hba: [
        'local all all scram-sha-256',
        ...networks.flatMap((cidr) => [`host all all ${cidr} scram-sha-256`, `host replication ${PATRONI_REPLICATION_USER} ${cidr} scram-sha-256`]),
      ],
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
    ...(cluster.logDir ? { log: { dir: memberLogDir(cluster.logDir, member), level: 'INFO' } } : {}),
  };
}

export const memberLogDir = (logDir: string, m: PatroniMember): string => `${logDir}/${m.region}`;

export function patroniYaml(cluster: PatroniClusterSpec, member: PatroniMember): string {
  return stringify(patroniConfig(cluster, member));
}

/** The lab's PostgreSQL settings in Patroni's form (booleans as on/off, which PostgreSQL reads). */
function pgParameters(): Record<string, string | number> {
  return Object.fromEntries(Object.entries(LAB_PG_SETTINGS).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 'on' : 'off') : v]));
}

/** The lab's initdb arguments (`--no-sync`, `--wal-segsize=1`) as Patroni's initdb list. */
function initdbOptions(): (string | Record<string, string>)[] {
  return LAB_INITDB_ARGS.map((arg) => {
    const [flag, value] = arg.replace(/^--/, '').split('=', 2) as [string, string | undefined];
    return value === undefined ? flag : { [flag]: value };
  });
}
