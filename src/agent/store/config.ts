/**
 * What the store supervisor of one agent works with, decided once at start. Pure: topology,
 * options and environment in; either a plan or the one-line reason stores are not supervised
 * (shown in /status: the agent still serves DNS without it).
 */
import { PG_AUTH_ENV, type PgAuth, type PgMember, type PgTlsFiles } from '../../data/index.ts';
import { storeMembers, type StoreMember } from '../../failover/adapters/index.ts';
import type { StepRecord } from '../../failover/index.ts';
import type { Store, Topology } from '../../spec/index.ts';
import { primaryFqdn, replicaFqdn } from './dns-names.ts';

export interface StoreSupervisionOptions {
  /** Where the audit JSON-lines files go. @default /var/lib/meridian/<region> */
  readonly stateDir?: string;
  /** Database roles. @default from MERIDIAN_DB_ADMIN_USER/_PASSWORD and MERIDIAN_DB_REPLICATION_USER/_PASSWORD */
  readonly auth?: PgAuth;
  /** Data directory of this region's member, per store: needed to demote or rejoin it. */
  readonly dataDirs?: Readonly<Record<string, string>>;
  /** Log file of this region's member, per store, when its agent starts it. @default DATADIR.log */
  readonly logFiles?: Readonly<Record<string, string>>;
  /**
   * PostgreSQL over TLS (`--pg-tls DIR`, read by data/tls.ts loadPgTlsDir): every member is verified
   * against its CA, and this region's member serves its certificate when the agent starts it.
   */
  readonly pgTls?: PgTlsFiles;
  /** etcd client URLs to use. @default every regions[].etcd.client */
  readonly etcdEndpoints?: readonly string[];
  /** How often each store's records and local database are checked. @default leaseTtl / 4 */
  readonly checkMs?: number;
  /** Called after every runbook step record is stored (observability, tests). */
  readonly onStepRecord?: (store: string, record: StepRecord) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface StorePlan {
  readonly store: Store;
  readonly members: readonly StoreMember[];
  readonly primaryName: string;
  readonly replicaName: string | undefined;
  /** This region's member, when the region is part of the store. */
  readonly local: PgMember | undefined;
}

export type StoreSetup =
  | { readonly kind: 'plan'; readonly plan: StorePlan }
  | { readonly kind: 'unsupervised'; readonly store: Store; readonly reason: string };

export type SupervisionPlan =
  | { readonly kind: 'none'; readonly reason: string; readonly stores: readonly Store[] }
  | {
      readonly kind: 'supervise';
      readonly etcdEndpoints: readonly string[];
      readonly auth: PgAuth;
      readonly stateDir: string;
      readonly leaseTtlMs: number;
      readonly checkMs: number;
      readonly stores: readonly StoreSetup[];
    };

/** The variables the agent reads its database roles from (defined once, in src/data). */
export const DB_ENV = PG_AUTH_ENV;
/** The ones it cannot do without: the roles and passwords (the passfile's path is optional). */
export const REQUIRED_DB_ENV = (({ replicationPassfile: _optional, ...required }) => required)(DB_ENV);

/** Database roles from the environment, or the names of the variables that are missing. */
export function dbAuthFromEnv(env: Readonly<Record<string, string | undefined>>): PgAuth | { readonly missing: readonly string[] } {
  const missing = Object.values(REQUIRED_DB_ENV).filter((name) => !env[name]);
  if (missing.length > 0) return { missing };
  const passfile = env[DB_ENV.replicationPassfile];
  return {
    adminUser: env[DB_ENV.adminUser]!,
    adminPassword: env[DB_ENV.adminPassword]!,
    replicationUser: env[DB_ENV.replicationUser]!,
    replicationPassword: env[DB_ENV.replicationPassword]!,
    ...(passfile ? { replicationPassfile: passfile } : {}),
  };
}

export function defaultStateDir(region: string): string {
  return `/var/lib/meridian/${region}`;
}

export function planSupervision(topology: Topology, region: string, options: StoreSupervisionOptions): SupervisionPlan {
  // Aurora fails over inside AWS; the agent supervises only the PostgreSQL it can fence and promote.
  const stores = topology.stores.filter((s) => s.engine === 'postgres');
  if (stores.length === 0) return { kind: 'none', reason: 'the topology has no postgres stores', stores };
  const etcdEndpoints = options.etcdEndpoints ?? topology.regions.flatMap((r) => (r.etcd ? [r.etcd.client] : []));
  if (etcdEndpoints.length === 0) {
    return { kind: 'none', reason: 'no etcd members in the topology (regions[].etcd.client): stores are not supervised, no failover', stores };
  }
  const roles = options.auth ?? dbAuthFromEnv(options.env ?? {});
  if ('missing' in roles) {
    return { kind: 'none', reason: `no database credentials: set ${roles.missing.join(', ')}`, stores };
  }
  const auth: PgAuth = options.pgTls ? { ...roles, tls: options.pgTls.client } : roles;
  return {
    kind: 'supervise',
    etcdEndpoints,
    auth,
    stateDir: options.stateDir ?? defaultStateDir(region),
    leaseTtlMs: topology.failover.leaseTtl,
    checkMs: options.checkMs ?? Math.max(100, Math.floor(topology.failover.leaseTtl / 4)),
    stores: stores.map((store) => storeSetup(topology, region, store, options)),
  };
}

function storeSetup(topology: Topology, region: string, store: Store, options: StoreSupervisionOptions): StoreSetup {
  let members: StoreMember[];
  try {
    members = storeMembers(topology, store);
  } catch (err) {
    return { kind: 'unsupervised', store, reason: (err as Error).message };
  }
  const mine = members.find((m) => m.region === region);
  const dataDir = options.dataDirs?.[store.name];
  const logFile = options.logFiles?.[store.name];
  return {
    kind: 'plan',
    plan: {
      store,
      members,
      primaryName: primaryFqdn(topology.zone, store),
      replicaName: replicaFqdn(topology.zone, store),
      // Without a data directory the member is still guarded over SQL (fence, lease); only
      // the file-level steps (demote, rejoin) are refused.
      local: mine ? { ...mine.endpoint, dataDir: dataDir ?? '', ...(logFile ? { logFile } : {}), ...(options.pgTls ? { serverTls: options.pgTls.server } : {}) } : undefined,
    },
  };
}
