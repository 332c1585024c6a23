/**
 * The executor's ports: what it needs from the world, one small interface per backend.
 * Adapters (src/data for Postgres, src/coord for etcd, src/gslb for DNS) implement them;
 * src/failover/testing has in-memory ones for unit tests.
 *
 * One instance serves one store. Contract for every mutating method:
 * - It is idempotent: called again after it succeeded (or after a crash half-way), it
 *   finishes the job or reports `done` without doing anything twice that matters.
 * - `token` is the coordinator's fencing token: a write to the coordination store is fenced by it.
 * - An expected refusal (fenced, not a standby, write rejected) is `{ kind: 'refused' }`.
 * - An infrastructure failure throws (ideally InfraError with a cause). The executor records
 *   either as a failed step and stops the runbook.
 */
import type { FencingToken, MemberState, PrimaryLease, RejoinMethod, SyncSet } from './types.ts';

export type PortOutcome =
  /** The effect is observed (a repoint: the member streams from the target on its timeline). */
  | { readonly kind: 'done'; readonly detail: string }
  /** The effect was asked for and is not observed yet (a rebuild running, a receiver connecting): the next tick looks again. */
  | { readonly kind: 'pending'; readonly detail: string }
  | { readonly kind: 'refused'; readonly detail: string };

export interface ReplicaControl {
  /** Current members (role, timeline, LSN, upstream, …); unreachable ones with last known values. */
  readState(): Promise<readonly MemberState[]>;
  /**
   * Makes `region` the primary: records it in the coordination store under a fresh fencing
   * token (a fenced write: refused if `token` no longer holds), then promotes its database.
   * `sync`: the synchronous set it starts with, recorded with the record and set on the database
   * before pg_promote (so its first commits already wait). `done` once the new timeline is observed.
   */
  promote(region: string, token: FencingToken, sync: SyncSet | null): Promise<PortOutcome>;
  /**
   * Makes standby `region` stream from `to` (primary_conninfo, reload/restart). `done` only once
   * pg_stat_wal_receiver shows it streaming from `to` on `to`'s timeline; `pending` otherwise.
   */
  repoint(region: string, to: string, token: FencingToken): Promise<PortOutcome>;
  /** Stops standby `region` taking WAL from anyone (primary_conninfo emptied); `done` once no WAL receiver runs. */
  freeze(region: string, token: FencingToken): Promise<PortOutcome>;
  /** Clean shutdown of primary `region` (its last WAL reaches its standbys), restart as a standby of `to`. */
  demote(region: string, to: string, token: FencingToken): Promise<PortOutcome>;
  /**
   * Makes `region`'s database refuse writes over a direct connection (its own agent may be dead).
   * `done` once the fenced state is observed, or when it is not a primary; a database that does
   * not answer throws (after an expired lease that is fine: the lease is the fence).
   */
  fence(region: string, token: FencingToken): Promise<PortOutcome>;
  /** Commits a test write on `region` (the primary) and reads it back. */
  validateWrite(region: string, token: FencingToken): Promise<PortOutcome>;
  /**
   * Records that `region` needs a rejoin (its agent keeps it from running as a primary) and, if
   * it is reachable and runs as a primary, fences its database (read-only, as `fence`).
   */
  markRejoin(region: string, token: FencingToken): Promise<PortOutcome>;
  /** Primary `region` refuses new writes and gives up its primary lease (switchover). */
  blockWrites(region: string, token: FencingToken): Promise<PortOutcome>;
  /** Undoes blockWrites (an aborted switchover): writes accepted, its agent takes the lease again. */
  resumeWrites(region: string, token: FencingToken): Promise<PortOutcome>;
  /**
   * Asks `region`'s own agent to rebuild it as a standby of `from` (pg_rewind, else a base
   * backup), in the background: `pending` while that runs, `done` once it finished, then the
   * rejoin mark is cleared. A member already streaming from `from` only has the mark cleared.
   */
  rejoin(region: string, from: string, method: RejoinMethod, token: FencingToken): Promise<PortOutcome>;
}

export interface TrafficControl {
  /** Points the primary DNS name `name` at `to`'s database address. */
  switchDns(name: string, to: string, token: FencingToken): Promise<PortOutcome>;
}

export type CoordinatorStatus =
  | { readonly kind: 'valid' }
  | { readonly kind: 'lost'; readonly detail: string };

export interface LeaseCheck {
  /** The quorum's view of the primary lease `region` held under `token` (expired once gone or replaced). */
  primaryLease(region: string, token: FencingToken): Promise<PrimaryLease>;
  /** Does this coordinator still hold its lease with `token`? Throwing counts as lost. */
  coordinator(token: FencingToken): Promise<CoordinatorStatus>;
}

/** One clock for every concept (monotonic): src/common/clock.ts. */
export { systemClock, type Clock } from '../common/clock.ts';
