/**
 * The store view shared by `lab status` and `meridian db status`: for each store of a topology,
 * which region is primary now (read live from the databases), each member's role, WAL position
 * and reachability, and how an application connects. Nothing here is lab-specific: members come
 * from `stores[].endpoints`, which the lab fills in and a production file lists by hand.
 * `summarizeStore` is pure; `observeStores` adds the SQL reads.
 */
import { InputError } from '../common/errors.ts';
import { formatLsn, isFenced, readMemberState, type DbTimeouts, type DbState, type PgTls } from '../data/index.ts';
import type { Store, Topology } from '../spec/index.ts';
import { hostPort } from './http.ts';

export interface StoreMemberTarget {
  readonly region: string;
  readonly host: string;
  readonly port: number;
}

/** A store as the topology describes it, members in order: primary region first, then replicas. */
export interface StoreTarget {
  readonly name: string;
  readonly engine: Store['engine'];
  readonly replication: Store['replication'];
  readonly database: string;
  readonly primaryFqdn: string;
  readonly primaryRegion: string;
  readonly members: readonly StoreMemberTarget[];
}

export interface StoreMemberStatus {
  readonly region: string;
  /** As the server says (`pg_is_in_recovery()`); `unknown` when it did not answer. */
  readonly role: 'primary' | 'standby' | 'unknown';
  /** `ip:port`. */
  readonly address: string;
  /** Primary: pg_current_wal_lsn(); standby: pg_last_wal_replay_lsn(). Null when unreachable. */
  readonly lsn: string | null;
  readonly timeline: number | null;
  /** Standby: its WAL receiver is streaming. Null on a primary or when unreachable. */
  readonly streaming: boolean | null;
  /** A primary that refuses writes (Meridian's fence: an old primary awaiting its rebuild). Null on a standby or when unreachable. */
  readonly fenced: boolean | null;
  readonly reachable: boolean;
  /** Why it is unreachable (one line); absent when reachable. */
  readonly reason?: string;
}

export interface StoreStatus {
  readonly name: string;
  readonly engine: Store['engine'];
  /** The GSLB name applications use for the current primary. */
  readonly primaryFqdn: string;
  /** Region of the current primary: the member that answers as a primary and takes writes. */
  readonly primary: string;
  /** `observed`: a member answered as a writable primary; `topology`: none did (a fenced one is no primary), so this is the configured primaryRegion. */
  readonly primarySource: 'observed' | 'topology';
  readonly replication: Store['replication'];
  readonly database: string;
  readonly members: readonly StoreMemberStatus[];
  /** For the application role, host = primaryFqdn (resolves through the GSLB agents). */
  readonly connectionString: string;
  /** The same, with the current primary's address (for hosts whose resolver does not ask the agents). */
  readonly connectionStringDirect: string;
}

export interface AppLogin {
  readonly user: string;
  readonly password: string;
}

/** Every store of the topology with its member addresses; InputError when a member has no endpoint. */
export function storeTargets(topology: Topology): StoreTarget[] {
  return topology.stores.map((store) => ({
    name: store.name,
    engine: store.engine,
    replication: store.replication,
    database: store.database,
    primaryFqdn: `${store.primaryHostname}.${topology.zone}`,
    primaryRegion: store.primaryRegion,
    members: [store.primaryRegion, ...store.replicaRegions].map((region) => {
      const host = store.endpoints?.[region];
      if (!host) {
        throw new InputError(`store '${store.name}' has no endpoint for region ${region}: list its database address under stores[].endpoints (the lab fills them in)`);
      }
      return { region, host, port: store.port };
    }),
  }));
}

/**
 * Pure: the store's status from one observation per member (same order as `target.members`).
 * Two members answering as primary (split brain) leave both visible with role `primary`; the one
 * on the newest timeline, else the configured one, is named the current primary. A fenced primary
 * (read-only, awaiting its rebuild) is never named: a drill that read its survivors from one, while
 * the real primary was briefly unreachable, counted writes as lost that the store still held.
 */
export function summarizeStore(target: StoreTarget, observed: readonly DbState[], app?: AppLogin): StoreStatus {
  if (observed.length !== target.members.length) throw new Error(`store ${target.name}: ${observed.length} observations for ${target.members.length} members`);
  const members = target.members.map((m, i) => memberStatus(m, observed[i]!));
  const primaries = members.filter((m) => m.role === 'primary' && !m.fenced);
  const chosen = [...primaries].sort(
    (a, b) => (b.timeline ?? 0) - (a.timeline ?? 0) || Number(b.region === target.primaryRegion) - Number(a.region === target.primaryRegion),
  )[0];
  const primary = chosen?.region ?? target.primaryRegion;
  const primaryMember = target.members.find((m) => m.region === primary)!;
  return {
    name: target.name,
    engine: target.engine,
    primaryFqdn: target.primaryFqdn,
    primary,
    primarySource: chosen ? 'observed' : 'topology',
    replication: target.replication,
    database: target.database,
    members,
    connectionString: connectionString(target.primaryFqdn, primaryMember.port, target.database, app),
    connectionStringDirect: connectionString(primaryMember.host, primaryMember.port, target.database, app),
  };
}

function memberStatus(m: StoreMemberTarget, s: DbState): StoreMemberStatus {
  const address = hostPort(m.host, m.port);
  if (!s.reachable) return { region: m.region, role: 'unknown', address, lsn: null, timeline: null, streaming: null, fenced: null, reachable: false, reason: s.reason };
  const lsn = s.role === 'primary' ? s.currentLsn : s.replayLsn;
  const streaming = s.role === 'standby' ? s.walReceiver?.status === 'streaming' : null;
  const fenced = s.role === 'primary' ? isFenced(s) : null;
  return { region: m.region, role: s.role, address, lsn: formatLsn(lsn), timeline: s.timeline, streaming, fenced, reachable: true };
}

/** `postgresql://user:password@host:port/database`, the parts URL-encoded; no login part without a login. */
export function connectionString(host: string, port: number, database: string, app?: AppLogin): string {
  const login = app ? `${encodeURIComponent(app.user)}:${encodeURIComponent(app.password)}@` : '';
  const h = host.includes(':') ? `[${host}]` : host;
  return `postgresql://${login}${h}:${port}/${encodeURIComponent(database)}`;
}

export interface ObserveOptions {
  /** Superuser login for reading replication state; without it every member shows `reason`. */
  readonly admin?: AppLogin;
  /** Put into the connection strings. */
  readonly app?: AppLogin;
  /** Verify the members over TLS (the lab's: pg-certs.ts); needed where pg_hba wants TLS from the admin role. */
  readonly tls?: PgTls;
  /** Short, so a cut region costs a status call about a second. */
  readonly timeouts?: Partial<DbTimeouts>;
}

const STATUS_TIMEOUTS: Partial<DbTimeouts> = { connectMs: 1000, statementMs: 2000 };

/** Reads every member of every store in parallel and summarizes each store. */
export async function observeStores(targets: readonly StoreTarget[], opts: ObserveOptions): Promise<StoreStatus[]> {
  return Promise.all(
    targets.map(async (target) => {
      const observed = await Promise.all(target.members.map((m) => observeMember(m, target, opts)));
      return summarizeStore(target, observed, opts.app);
    }),
  );
}

async function observeMember(m: StoreMemberTarget, target: StoreTarget, opts: ObserveOptions): Promise<DbState> {
  if (!opts.admin) return { reachable: false, reason: 'not observed: no database admin credentials' };
  const login = { host: m.host, port: m.port, user: opts.admin.user, password: opts.admin.password, database: 'postgres', ...(opts.tls ? { tls: opts.tls } : {}) };
  try {
    return await readMemberState(login, { ...STATUS_TIMEOUTS, ...opts.timeouts });
  } catch (err) {
    // A server that answers but rejects the state query is still no usable member for a status.
    return { reachable: false, reason: `store ${target.name} in ${m.region}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
