/**
 * Vocabulary of the database drills: what a write client records per operation, the transport
 * port it writes through, what the drill reads about the store, and the environment port a drill
 * runs against. Every record is plain JSON (epoch milliseconds from the drill's clock), so a
 * saved history can be re-checked with `checkHistory` and the report recomputed.
 */
import type { HistoryOp, ServerIdentity } from '../history/index.ts';
import type { Nameserver } from '../types.ts';

export const DB_DRILL_KINDS = ['region-outage', 'partition', 'primary-crash', 'coordinator-crash', 'primary-freeze'] as const;
export type DbDrillKind = (typeof DB_DRILL_KINDS)[number];

/** One write as the client saw it: exactly a history op, plus which client sent it and why it failed. */
export interface WriteOp extends HistoryOp {
  readonly kind: 'write';
  /** `main` (the drill's client) or `local` (the client inside the primary's region, partition drill). */
  readonly client: string;
  /** When the outcome was known (the ack time for `ok`). */
  readonly endedAtMs?: number;
  readonly error?: string;
}

/**
 * What one write attempt came to. `fail`: certainly not committed (never sent, or the server
 * refused it). `unknown`: sent, then no answer (timeout, connection lost): it may have committed.
 */
export type WriteResult =
  | { readonly outcome: 'ok'; readonly server?: ServerIdentity }
  | { readonly outcome: 'fail' | 'unknown'; readonly error: string; readonly server?: ServerIdentity };

/** Port: writes one row with a unique id and says what happened. Never rejects. */
export interface WriteTransport {
  readonly name: string;
  write(id: string): Promise<WriteResult>;
  /** Releases sockets, resolvers, … after the last write. */
  close?(): Promise<void>;
}

/** Where the written ids live: the SQL client's table, or the demo app's orders table. */
export type WrittenRows =
  | { readonly kind: 'drillTable' }
  /** Rows whose id starts with the run's prefix, in `table`.`column` (the app's own schema). */
  | { readonly kind: 'appTable'; readonly table: string; readonly column: string };

/** How to reach the store's database (credentials come from the lab or the environment). */
export interface DbCredentials {
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly port: number;
}

export interface StoreMember {
  readonly region: string;
  readonly role: 'primary' | 'standby' | 'unknown';
  /** `ip:port`. */
  readonly address: string;
  readonly reachable: boolean;
  readonly lsn?: string;
}

/** One look at the store: who is primary, as the data layer reports it. */
export interface StoreSnapshot {
  readonly atMs: number;
  /** Region of the recorded / serving primary, if any. */
  readonly primary: string | null;
  readonly members: readonly StoreMember[];
}

/** A runbook step as an agent's /status shows it. */
export interface RunbookStepView {
  readonly stepId: string;
  readonly result: 'started' | 'ok' | 'failed' | 'skipped';
  readonly startedAtMs?: number;
  readonly endedAtMs?: number;
  readonly detail?: string;
}

/** What one agent's /status says about the store: the coordinator and its runbooks. */
export interface AgentStoreView {
  readonly agentRegion: string;
  readonly atMs: number;
  /** The coordinator as this agent knows it (the holder of the coordinator lease). */
  readonly coordinator: string | null;
  /** A runbook this agent is executing right now: started, not finished. */
  readonly runningRunbookId: string | null;
  /** The last runbook whose steps this agent shows (finished, or live records if it shows them). */
  readonly runbookId: string | null;
  readonly steps: readonly RunbookStepView[];
  /** The coordinator's last plan: why it did (or did not) run a runbook. */
  readonly lastPlan: { readonly kind: string; readonly reason: string } | null;
}

/** The store under drill, as the environment describes it. */
export interface StoreTarget {
  readonly name: string;
  /** The store's primary DNS name, `primary.orders.db.<zone>`. */
  readonly primaryFqdn: string;
  readonly replication: 'sync' | 'async';
  readonly credentials: DbCredentials;
  /** `ip:port` of each member → its region: names the region that served a write. */
  readonly memberRegions: Readonly<Record<string, string>>;
  readonly targets: { readonly rtoMs: number; readonly rpoMs: number };
  /** Primary lease TTL of the failover agents. */
  readonly leaseTtlMs: number;
}

/** Handle on a write client running elsewhere (inside a region's namespace). */
export interface RemoteWriter {
  /** Stops it and returns every op it recorded. */
  stop(): Promise<readonly WriteOp[]>;
}

export interface LocalWriterOptions {
  readonly runId: string;
  readonly rate: number;
  readonly timeoutMs: number;
}

/**
 * What a database drill needs from the world. The lab adapter (lab-environment.ts) builds one
 * over the running lab; tests build one over loopback PostgreSQL.
 */
export interface DbDrillEnvironment {
  readonly store: StoreTarget;
  /** The web service that takes `POST /orders` (the http transport), if there is one. */
  readonly web?: { readonly fqdn: string; readonly port: number };
  /** Where the web service stores the ids it writes (the survivor read of the http transport). */
  readonly appRows?: WrittenRows;
  /** The agents' DNS servers: the stub resolver asks them for the primary name. */
  readonly nameservers: readonly Nameserver[];
  /**
   * Where the primary is, for systems that publish no DNS name for it (the Patroni baseline of
   * the benchmark): the sql client then asks this before every write instead of resolving.
   */
  readonly locatePrimary?: () => Promise<string | undefined>;
  readStore(): Promise<StoreSnapshot>;
  /** Every reachable agent's view of the store (coordinator, runbook). Empty when agents say nothing. */
  readAgents(): Promise<readonly AgentStoreView[]>;
  cutRegion(region: string): Promise<void>;
  healRegion(region: string): Promise<void>;
  /** SIGKILL the region's postmaster and every backend: a crash, not a shutdown. */
  killDatabase(region: string): Promise<void>;
  /** SIGSTOP / SIGCONT the region's postmaster and all its backends. */
  freezeDatabase(region: string): Promise<void>;
  thawDatabase(region: string): Promise<void>;
  killAgent(region: string): Promise<void>;
  restartAgent(region: string): Promise<void>;
  /** Starts a write client inside the region (its own network), straight to `address`. */
  startLocalWriter(region: string, address: string, options: LocalWriterOptions): Promise<RemoteWriter>;
}
