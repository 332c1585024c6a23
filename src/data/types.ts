/** Shared vocabulary of the PostgreSQL adapter: members, credentials, observed state. */
import type { TimelineHistory } from './history.ts';
import type { Lsn } from './lsn.ts';
import type { UnavailableCode } from './connect.ts';
import type { PgServerTls, PgTls } from './tls.ts';

/** Enough to reach a member over SQL (possibly from another region). */
export interface PgEndpoint {
  /** Member name, unique in the cluster: the standby's application_name and replication slot. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** A member this process controls locally (files and processes), possibly inside a netns. */
export interface PgMember extends PgEndpoint {
  /** Data directory; its parent must be traversable by `osUser`. */
  readonly dataDir: string;
  /** Command prefix for every process, e.g. `['ip','netns','exec','mrd-eu-west']`. */
  readonly prefix?: readonly string[];
  /** @default 'postgres' (PostgreSQL refuses to run as root). */
  readonly osUser?: string;
  /** @default '/usr/lib/postgresql/15/bin' */
  readonly binDir?: string;
  /** Server log (pg_ctl -l). Kept outside the data directory so backups and rewinds skip it. @default `${dataDir}.log` */
  readonly logFile?: string;
  /** Serve TLS with this certificate (./tls.ts). Without it the member serves plaintext only. */
  readonly serverTls?: PgServerTls;
}

/** Cluster-wide roles. The admin role is a superuser (promote, ALTER SYSTEM, fencing, observe). */
export interface PgAuth {
  readonly adminUser: string;
  readonly adminPassword: string;
  /** REPLICATION role used by standbys, pg_basebackup and pg_rewind (granted the functions pg_rewind needs). */
  readonly replicationUser: string;
  readonly replicationPassword: string;
  /**
   * A libpq password file with the replication role's password (passfile.ts), at the same path on
   * every member's host: standbys' primary_conninfo names it instead of carrying the password, which
   * ALTER SYSTEM's SQL text and the server's log of every reload would otherwise show. Optional:
   * without it the password goes in primary_conninfo, as before.
   */
  readonly replicationPassfile?: string;
  /**
   * Verify every member over TLS (./tls.ts): Meridian's sessions, standbys' streaming and the
   * pg_rewind/pg_basebackup sources. Without it every connection is plaintext, as before.
   */
  readonly tls?: PgTls;
}

export type Unreachable = { readonly kind: 'unreachable'; readonly reason: string };

/** A row of pg_stat_replication on a primary. Labels (state, syncState) are informational only. */
export interface ReplicaInfo {
  readonly applicationName: string;
  readonly clientAddr: string | undefined;
  readonly state: string;
  readonly syncState: string;
  readonly sentLsn: Lsn | undefined;
  readonly flushLsn: Lsn | undefined;
  readonly replayLsn: Lsn | undefined;
  readonly replayLagMs: number | undefined;
}

/** pg_stat_wal_receiver on a standby: the connection it streams from, if any. */
export interface WalReceiverInfo {
  readonly status: string;
  readonly receivedTimeline: number | undefined;
  readonly flushedLsn: Lsn | undefined;
  readonly senderHost: string | undefined;
  readonly senderPort: number | undefined;
  readonly slotName: string | undefined;
}

interface ReachableState {
  readonly reachable: true;
  readonly systemIdentifier: string;
  /**
   * Primary: the timeline it writes. Standby: the newest timeline it is known to be on (max of
   * last restartpoint, min-recovery, receiver and WAL segment timelines), as PostgreSQL 15 has
   * no function returning the replay timeline.
   */
  readonly timeline: number;
  /** History of `timeline` as this member has it (undefined if its history file is absent). */
  readonly history: TimelineHistory | undefined;
  readonly serverVersionNum: number;
  readonly synchronousStandbyNames: string;
  /** default_transaction_read_only: true on a fenced primary. */
  readonly readOnlyByDefault: boolean;
}

export interface PrimaryState extends ReachableState {
  readonly role: 'primary';
  readonly currentLsn: Lsn;
  readonly replicas: readonly ReplicaInfo[];
}

export interface StandbyState extends ReachableState {
  readonly role: 'standby';
  readonly replayLsn: Lsn;
  readonly receiveLsn: Lsn | undefined;
  readonly replayTimestamp: Date | undefined;
  /** pg_get_wal_replay_pause_state() != 'not paused'. Informational: eligibility never reads it. */
  readonly replayPaused: boolean;
  readonly walReceiver: WalReceiverInfo | undefined;
  /**
   * Where primary_conninfo points (host and port only), whether or not it streams from there;
   * undefined when it is empty: a frozen standby, which takes WAL from nobody.
   */
  readonly upstreamConfigured: { readonly host: string; readonly port: number } | undefined;
}

/** A member's database as read over SQL (src/failover's MemberState is the planner's view of a member). */
/** `code`: how it failed (connect.ts UnavailableCode): a timeout or full slots are not a stopped server. */
export type DbState = { readonly reachable: false; readonly reason: string; readonly code?: UnavailableCode } | PrimaryState | StandbyState;

/** One look at a candidate standby, with the primary's WAL position read just before it. */
export interface Observation {
  readonly atMs: number;
  readonly member: DbState;
  /** pg_current_wal_lsn() of the primary read just before `member`; undefined if it did not answer. */
  readonly primaryLsn?: Lsn;
}
