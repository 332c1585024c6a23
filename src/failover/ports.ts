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
import type { FencingToken, MemberState, PrimaryLease, RejoinMethod } from './types.ts';

export type PortOutcome =
  | { readonly kind: 'done'; readonly detail: string }
  | { readonly kind: 'refused'; readonly detail: string };

export interface ReplicaControl {
  /** Current members (role, timeline, LSN, upstream, …); unreachable ones with last known values. */
  readState(): Promise<readonly MemberState[]>;
  /**
   * Makes `region` the primary: records it in the coordination store under a fresh fencing
   * token (a fenced write: refused if `token` no longer holds), then promotes its database.
   * Sync mode: also points synchronous_standby_names at the other standbys.
   */
  promote(region: string, token: FencingToken): Promise<PortOutcome>;
  /** Makes standby `region` stream from `to` (primary_conninfo, reload/restart). */
  repoint(region: string, to: string, token: FencingToken): Promise<PortOutcome>;
  /** Clean shutdown of primary `region` (its last WAL reaches its standbys), restart as a standby of `to`. */
  demote(region: string, to: string, token: FencingToken): Promise<PortOutcome>;
  /**
   * After the old primary's lease expired: records that `region` is fenced below `token` and,
   * if reachable, makes its database refuse writes (read-only or stopped). `done` when it is
   * unreachable too: the expired lease is the fence, this is the belt on top.
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
   * Restarts `region` as a standby of `from` via pg_rewind or a new base backup, then clears
   * its rejoin mark. A member already streaming from `from` on its timeline only has the mark cleared.
   */
  rejoin(region: string, from: string, method: RejoinMethod, token: FencingToken): Promise<PortOutcome>;
}

export interface TrafficControl {
  /** Stops sending application traffic to `from` (the failed primary's region) for this store. */
  shiftTraffic(from: string, token: FencingToken): Promise<PortOutcome>;
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

export interface Clock {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
