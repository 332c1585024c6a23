/**
 * The failover vocabulary: the snapshot the reconciler reads (StoreState) and the plan it returns.
 * Everything here is plain data. LSNs and fencing tokens are bigint (both are 64-bit and a JS
 * number would round them); they are written as strings wherever JSON is involved.
 */
import type { FencingToken } from '../coord/ports.ts';

export type { FencingToken };

/** PostgreSQL WAL position (same representation as src/data: a 64-bit byte position). */
export type Lsn = bigint;

export type StoreMode = 'async' | 'sync';

/**
 * Replica eligibility as judged by the data adapter from evidence (replay advancing, timeline),
 * never from a status label. Structurally compatible with src/data's `Eligibility`.
 */
export type Eligibility =
  | { readonly eligible: true; readonly detail?: string }
  | { readonly eligible: false; readonly reason: string; readonly detail?: string };

export interface MemberState {
  readonly region: string;
  /** The database answered the last state read (from the reader's vantage point). */
  readonly reachable: boolean;
  /** Role from the database itself (pg_is_in_recovery); the last known one when unreachable. */
  readonly role: 'primary' | 'standby' | 'unknown';
  /** Timeline it writes (primary) or replays (standby); last known when unreachable. */
  readonly timeline: number;
  /** Replayed LSN (standby) or current WAL LSN (primary); last known when unreachable. */
  readonly replayLsn: Lsn;
  /**
   * Standby: the last WAL it flushed from an upstream (pg_last_wal_receive_lsn), which is what a
   * synchronous standby confirms; it replays up to there by itself. Absent: never streamed.
   */
  readonly receiveLsn?: Lsn;
  /** Standby only: may it be promoted? Ignored for primaries. */
  readonly eligibility: Eligibility;
  /** A majority of vantage points sees the member's whole region down. */
  readonly regionDownByQuorum: boolean;
  /** Standby only: region its WAL receiver streams from now, or null when it streams from nobody. */
  readonly upstream: string | null;
  /** Standby only: the timeline its WAL receiver streams (pg_stat_wal_receiver.received_tli). */
  readonly upstreamTimeline?: number;
  /**
   * Standby only: the region primary_conninfo names, streaming or not; null when it names
   * nobody (frozen). Absent when unknown: `upstream` stands for it.
   */
  readonly follows?: string | null;
  /** Standby only: how long it has been configured to follow the primary without streaming from it. */
  readonly notStreamingForMs?: number;
  /** Sync mode: a synchronous standby (sync_state sync/quorum), so it holds every acked write. */
  readonly synchronous: boolean;
  /**
   * Its WAL is not on the current primary's timeline history (it forked off, e.g. an old
   * primary that wrote past the switch point): it cannot stream from the primary without
   * pg_rewind or a new base backup. @default false
   */
  readonly diverged?: boolean;
  /** Marked as needing rejoin: must not run as a primary and cannot simply stream again. */
  readonly needsRejoin: boolean;
  /** Primary only: it accepts writes (not fenced). @default true */
  readonly writable?: boolean;
  /** A rejoin running on the member's own agent, as the coordinator last heard from it. */
  readonly rejoinJob?: { readonly sinceMs: number; readonly askedAtMs: number; readonly detail: string };
}

/**
 * The synchronous set, as recorded beside the primary record: commits are acknowledged once
 * `count` of `members` flushed them (synchronous_standby_names = ANY count (members)).
 * `count` 0: asynchronous (degraded, failover.syncStrict false).
 */
export interface SyncSet {
  readonly count: number;
  readonly members: readonly string[];
}

/** Maintenance mode: no automatic action on the store until an operator resumes it. */
export interface Pause {
  readonly by: string;
  readonly reason: string;
  readonly at: string;
}

/** The primary's lease in the coordination store, as the quorum sees it. */
export type PrimaryLease =
  | { readonly kind: 'held'; readonly token: FencingToken; readonly validUntilMs: number }
  | { readonly kind: 'expired' };

export type RunbookKind = 'failover' | 'switchover' | 'rejoin';

/** Progress of the last unfinished runbook, rebuilt from the audit (see `runbookProgress`). */
export interface RunbookProgress {
  readonly runbookId: string;
  readonly kind: RunbookKind;
  /** Region the runbook is about: failover: the failed primary; switchover: the target; rejoin: the member. */
  readonly subject: string;
  /** Ids of steps whose audit record says `ok`. */
  readonly completed: readonly string[];
}

/** One consistent snapshot of a replicated store, as the coordinator sees it at one instant. */
export interface StoreState {
  readonly store: string;
  readonly mode: StoreMode;
  /** The primary as recorded in the coordination store, with the token it was promoted under. */
  readonly primary: { readonly region: string; readonly token: FencingToken };
  /** Members in topology order: ties between equally good candidates go to the earlier one. */
  readonly members: readonly MemberState[];
  /** Lease of the recorded primary. */
  readonly lease: PrimaryLease;
  /** The primary DNS name and the region it points at now (null: no record). */
  readonly dns: { readonly name: string; readonly target: string | null };
  /**
   * Token of the coordinator lease held by whoever plans and executes (src/coord). The plan
   * carries it so every port call is fenced by it; the new primary's own token is a fresh
   * revision obtained by the promote port, hence newer than every earlier one.
   */
  readonly coordinator: { readonly token: FencingToken };
  /** The unfinished runbook, if any, from the audit. */
  readonly runbook: RunbookProgress | null;
  /**
   * The synchronous set recorded under the primary's lease; null when none is recorded (the
   * planner then assumes the bootstrap set: ANY 1 of every other member).
   */
  readonly syncSet?: SyncSet | null;
  /** Set while an operator paused the store. */
  readonly paused?: Pause | null;
}

interface StepBase {
  /** Stable id derived from the step's content: re-planning yields the same id for the same step. */
  readonly id: string;
  /** Why this step, in words an SRE reads in the audit log. */
  readonly reason: string;
}

/** Steps of a runbook. Every step is idempotent: re-running a done step changes nothing. */
export type Step = StepBase &
  (
    | { readonly kind: 'await-fence'; readonly region: string; readonly token: FencingToken }
    | { readonly kind: 'freeze'; readonly region: string }
    | { readonly kind: 'fence'; readonly region: string }
    | { readonly kind: 'promote'; readonly region: string; readonly sync: SyncSet | null }
    | { readonly kind: 'repoint'; readonly region: string; readonly to: string }
    | { readonly kind: 'switch-dns'; readonly name: string; readonly to: string }
    | { readonly kind: 'validate-write'; readonly region: string }
    | { readonly kind: 'mark-rejoin'; readonly region: string }
    | { readonly kind: 'await-catchup'; readonly region: string; readonly from: string; readonly maxLagBytes: bigint }
    | { readonly kind: 'block-writes'; readonly region: string }
    | { readonly kind: 'resume-writes'; readonly region: string }
    | { readonly kind: 'demote'; readonly region: string; readonly to: string }
    | { readonly kind: 'rejoin'; readonly region: string; readonly from: string; readonly method: RejoinMethod }
  );

export type StepKind = Step['kind'];
export type RejoinMethod = 'rewind' | 'base-backup';

/** Why a plan waits, as a short code (a metric label); the reason says it in words. */
export type WaitCode =
  | 'no-candidate' | 'sync-proof' | 'max-lag' | 'lease-held' | 'paused' | 'automatic-off' | 'unavailable'
  /** stores[].failover.approval: a run waits for an operator, one was rejected, or approval is off (approval.ts). */
  | 'approval' | 'rejected' | 'approval-off';

export type Plan =
  | { readonly kind: 'noop'; readonly reason: string }
  | { readonly kind: 'blocked'; readonly reason: string; readonly code?: WaitCode }
  | {
      readonly kind: 'run';
      readonly runbook: RunbookKind;
      readonly runbookId: string;
      /** Region the runbook is about (see RunbookProgress.subject). */
      readonly subject: string;
      /** Coordinator token every step runs under; the new primary is promoted under it. */
      readonly token: FencingToken;
      /** What the runbook achieves, one line. */
      readonly summary: string;
      readonly steps: readonly Step[];
      /**
       * These steps end at a decision that needs a new look (the standbys just frozen): the
       * runbook stays open after them and the next plan, made at once, continues it.
       */
      readonly continues?: boolean;
    };
