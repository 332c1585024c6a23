/**
 * The coordination port: leases, elections, fenced writes and audit records over a quorum store
 * (etcd in production, memory in unit tests). Expected outcomes are values: losing a race is
 * `held`/`fenced`, a store we cannot reach is `unavailable`. Neither is ever an exception.
 */

/**
 * A fencing token: the etcd revision at which the lease key was created. etcd revisions only
 * grow, so a later holder always has a strictly larger token than every earlier one.
 */
export type FencingToken = bigint;

/** What a fenced write presents to the quorum: "key K must still have been created at token T". */
export interface Fence {
  readonly key: string;
  readonly token: FencingToken;
}

export type LeaseLostReason =
  /** Our own monotonic deadline passed without a confirmed keepalive: we may be partitioned. */
  | { readonly kind: 'deadlinePassed'; readonly deadlineMs: number }
  /** The quorum says the lease or the key is gone (expired server-side, revoked, deleted). */
  | { readonly kind: 'goneOnServer'; readonly detail: string }
  /** The holder called release(). */
  | { readonly kind: 'released' };

export interface HeldLease {
  readonly key: string;
  readonly holderId: string;
  readonly token: FencingToken;
  readonly fence: Fence;
  readonly ttlMs: number;
  /** Local deadline on the store's monotonic clock; 0 once lost. */
  validUntilMs(): number;
  /** True while `nowMs` (default: the store clock now) is before the deadline and not lost. */
  isValid(nowMs?: number): boolean;
  /**
   * Called once when the lease ends for any reason, on time even when etcd is unreachable.
   * Registering after the end calls `cb` on the next tick. Returns an unsubscribe function.
   * Lost is final: a lease never becomes valid again; acquire anew for a newer token.
   */
  onLost(cb: (reason: LeaseLostReason) => void): () => void;
  /** Stops keepalives, ends validity now, then revokes on the server (best effort). */
  release(): Promise<ReleaseOutcome>;
}

export type ReleaseOutcome =
  | { readonly kind: 'revoked' }
  /** The revoke did not get through: the key disappears when the server-side TTL runs out. */
  | { readonly kind: 'leftToExpire'; readonly reason: string };

export type AcquireOutcome =
  | { readonly kind: 'acquired'; readonly lease: HeldLease }
  | { readonly kind: 'held'; readonly holder: string; readonly token: FencingToken }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type HolderOutcome =
  | { readonly kind: 'held'; readonly holder: string; readonly token: FencingToken }
  | { readonly kind: 'free' }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type CampaignOutcome =
  | { readonly kind: 'elected'; readonly lease: HeldLease }
  | { readonly kind: 'aborted' };

export type FencedOp =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'delete'; readonly key: string };

export type FencedOutcome =
  | { readonly kind: 'written'; readonly revision: bigint }
  /** The fence no longer matches: someone else holds the key (currentToken) or nobody does. */
  | { readonly kind: 'fenced'; readonly currentToken?: FencingToken }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type FencedCreateOutcome =
  | { readonly kind: 'created'; readonly revision: bigint }
  /** The key already exists (a step that already ran): its value, for the caller to compare. */
  | { readonly kind: 'exists'; readonly value: string }
  | { readonly kind: 'fenced'; readonly currentToken?: FencingToken }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** `compareAndPut`: written, or the key's mod revision was not the one expected (0 = the key is absent). */
export type CompareAndPutOutcome =
  | { readonly kind: 'written'; readonly revision: bigint }
  | { readonly kind: 'conflict'; readonly modRevision: bigint }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type ReadOutcome =
  | { readonly kind: 'found'; readonly value: string; readonly modRevision: bigint }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * The one vocabulary of audit results (runbook steps use it too): `pending` = the effect was
 * requested and is not observed yet; `aborted` = an operator closed the runbook.
 */
export type AuditResult = 'started' | 'ok' | 'pending' | 'failed' | 'skipped' | 'aborted' | 'fenced';

/** One action as recorded in the audit stream. Wall-clock times are for people only. */
export interface AuditRecord {
  readonly actor: string;
  readonly action: string;
  readonly result: AuditResult;
  /** Fencing token the action ran under, as a decimal string (JSON has no bigint). */
  readonly token?: string;
  readonly runbookId?: string;
  /** ISO-8601 wall-clock times. */
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly reason?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditEntry {
  readonly key: string;
  /** etcd create revision: the order in which the quorum accepted the records. */
  readonly revision: bigint;
  readonly record: AuditRecord;
}

export type AppendOutcome =
  | { readonly kind: 'appended'; readonly key: string; readonly revision: bigint }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type AuditReadOutcome =
  /** Entries in commit order; `unreadableKeys` lists records that did not parse (never dropped silently). */
  | { readonly kind: 'read'; readonly entries: readonly AuditEntry[]; readonly unreadableKeys: readonly string[] }
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface CampaignOptions {
  /** Stop campaigning (outcome `aborted`). */
  readonly signal?: AbortSignal;
  /** How often to retry while the key is held, in case a watch event is missed. Default TTL/4. */
  readonly pollMs?: number;
}

export interface CoordinationStore {
  /** Create-if-absent of `key` bound to a fresh lease, in one transaction. */
  acquire(key: string, holderId: string, ttlMs: number): Promise<AcquireOutcome>;
  /** Retries acquire until elected or aborted; wakes up as soon as the key is deleted. */
  campaign(key: string, candidateId: string, ttlMs: number, options?: CampaignOptions): Promise<CampaignOutcome>;
  currentHolder(key: string): Promise<HolderOutcome>;
  /** Applies `ops` only if the fence still holds, atomically, decided by the quorum. */
  fencedTxn(fence: Fence, ops: readonly FencedOp[]): Promise<FencedOutcome>;
  fencedWrite(fence: Fence, key: string, value: string): Promise<FencedOutcome>;
  /** Creates `key` only if the fence holds and the key does not exist yet (idempotent step marker). */
  fencedCreate(fence: Fence, key: string, value: string): Promise<FencedCreateOutcome>;
  read(key: string): Promise<ReadOutcome>;
  /**
   * Optimistic concurrency on one key, decided by the quorum: puts `value` only if the key's mod
   * revision is still `expectedModRevision` (from `read`; 0 = the key must be absent). For records
   * any agent may write on an operator's behalf, where no lease says who the writer is.
   */
  compareAndPut(key: string, expectedModRevision: bigint, value: string): Promise<CompareAndPutOutcome>;
  appendAudit(stream: string, record: AuditRecord): Promise<AppendOutcome>;
  readAudit(stream: string): Promise<AuditReadOutcome>;
  /**
   * Calls `onChange` soon after any key under `prefix` is written or deleted (a lease expiring
   * deletes its key). A hint only: a watch can stall on a bad link, so callers keep polling.
   * Optional: stores without it are polled only. `via`: watch through this member only (an
   * agent's own region's member: it lives as long as the agent's region, while a watch on a
   * random member stalls silently when that member's region is cut).
   */
  watchPrefix?(prefix: string, onChange: () => void, options?: { readonly via?: string }): { close(): void };
  /**
   * Moves the etcd raft leader out of the regions holding primaries when another healthy member
   * can take it (leader-placement.ts). `regionOf` maps a member's client URL to its region.
   * Returns what it did, for the log. Optional: only a real etcd has a leader to move.
   */
  placeLeader?(primaryRegions: readonly string[], regionOf: (clientUrl: string) => string | undefined): Promise<string>;
  /** Releases every lease still held (best effort), then frees client resources. */
  close(): Promise<void>;
}
