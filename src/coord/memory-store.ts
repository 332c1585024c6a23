/**
 * An in-memory CoordinationStore with etcd's semantics (one global revision, leases with TTL,
 * create-revision fencing), driven by an injectable clock. For unit tests of concepts built on
 * coordination (the failover executor), not for production.
 *
 * `MemoryQuorum` plays the etcd cluster; `quorum.connect(name)` gives one agent's client, which
 * can be cut off with `setReachable(false)` to play a partition: its calls answer `unavailable`
 * and its leases run out on the local deadline, exactly like the etcd adapter.
 */
import { createLogger, type Logger } from '../common/log.ts';
import { toAuditEntries, encodeAuditRecord } from './audit.ts';
import { changeSignal, runCampaign, type KeyWatch } from './campaign.ts';
import { systemClock, type Clock } from './clock.ts';
import { leaseTiming } from './deadline.ts';
import { assertFence, coordKeys, decodeHolderValue, encodeHolderValue, newAuditKey } from './keys.ts';
import { LeaseKeeper, type RoundResult } from './lease-keeper.ts';
import type * as P from './ports.ts';

interface Entry {
  readonly value: string;
  readonly createRevision: bigint;
  readonly modRevision: bigint;
  readonly leaseId?: number;
}

interface ServerLease {
  readonly ttlMs: number;
  expiresAtMs: number;
  cancelExpiry: () => void;
}

/** The fake cluster: the single source of truth every connected client talks to. */
export class MemoryQuorum {
  private revision = 0n;
  private nextLeaseId = 1;
  private readonly kv = new Map<string, Entry>();
  private readonly leases = new Map<number, ServerLease>();
  private readonly listeners = new Set<(key: string) => void>();

  constructor(readonly clock: Clock = systemClock) {}

  connect(clientName: string, options: { marginMs?: number; log?: Logger } = {}): MemoryStore {
    return new MemoryStore(this, clientName, options.marginMs, options.log ?? createLogger('coord', { client: clientName }));
  }

  /** Current global revision (tests assert monotonic tokens against it). */
  currentRevision(): bigint {
    return this.revision;
  }

  entry(key: string): Entry | undefined {
    return this.kv.get(key);
  }

  entriesWithPrefix(prefix: string): { key: string; entry: Entry }[] {
    return [...this.kv].filter(([k]) => k.startsWith(prefix)).map(([key, entry]) => ({ key, entry }));
  }

  grant(ttlMs: number): number {
    const id = this.nextLeaseId++;
    const lease: ServerLease = { ttlMs, expiresAtMs: 0, cancelExpiry: () => {} };
    this.leases.set(id, lease);
    this.renew(id);
    return id;
  }

  /** False when the lease no longer exists (expired or revoked). */
  renew(id: number): boolean {
    const lease = this.leases.get(id);
    if (!lease) return false;
    lease.cancelExpiry();
    lease.expiresAtMs = this.clock.nowMs() + lease.ttlMs;
    lease.cancelExpiry = this.clock.after(lease.ttlMs, () => this.revoke(id));
    return true;
  }

  revoke(id: number): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    lease.cancelExpiry();
    this.leases.delete(id);
    const keys = [...this.kv].filter(([, e]) => e.leaseId === id).map(([k]) => k);
    if (keys.length > 0) this.commit(keys.map((key) => ({ kind: 'delete', key })));
  }

  /** Applies ops as one transaction (one revision), like an etcd txn. */
  commit(ops: readonly (P.FencedOp & { leaseId?: number })[]): bigint {
    const revision = ++this.revision;
    for (const op of ops) {
      if (op.kind === 'delete') this.kv.delete(op.key);
      else {
        const createRevision = this.kv.get(op.key)?.createRevision ?? revision;
        this.kv.set(op.key, { value: op.value, createRevision, modRevision: revision, leaseId: op.leaseId });
      }
    }
    for (const op of ops) for (const listener of this.listeners) listener(op.key);
    return revision;
  }

  watch(listener: (key: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const UNREACHABLE = { kind: 'unavailable', reason: 'memory store: client cut off from the quorum' } as const;

export class MemoryStore implements P.CoordinationStore {
  private reachable = true;
  private readonly held = new Set<LeaseKeeper>();

  constructor(
    private readonly quorum: MemoryQuorum,
    readonly clientName: string,
    private readonly marginMs: number | undefined,
    private readonly log: Logger,
  ) {}

  /** Simulates a partition of this client from the quorum (false) and its heal (true). */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  async acquire(key: string, holderId: string, ttlMs: number): Promise<P.AcquireOutcome> {
    const timing = leaseTiming(ttlMs, this.marginMs);
    if (!this.reachable) return UNREACHABLE;
    const { quorum } = this;
    const existing = quorum.entry(key);
    if (existing) return { kind: 'held', holder: decodeHolderValue(existing.value), token: existing.createRevision };
    const grantSentAtMs = quorum.clock.nowMs();
    const leaseId = quorum.grant(ttlMs);
    const token = quorum.commit([{ kind: 'put', key, value: encodeHolderValue(holderId, ttlMs), leaseId }]);
    const lease: LeaseKeeper = new LeaseKeeper({
      key, holderId, token, timing, grantSentAtMs, clock: quorum.clock, log: this.log,
      backend: {
        renewRound: async () => this.renewRound(key, token, leaseId),
        revoke: async () => {
          if (!this.reachable) return { kind: 'leftToExpire', reason: UNREACHABLE.reason };
          quorum.revoke(leaseId);
          return { kind: 'revoked' };
        },
      },
      onEnded: (ended) => this.held.delete(ended),
    });
    this.held.add(lease);
    return { kind: 'acquired', lease };
  }

  private renewRound(key: string, token: bigint, leaseId: number): RoundResult {
    if (!this.reachable) return { kind: 'unreachable', reason: UNREACHABLE.reason };
    if (!this.quorum.renew(leaseId)) return { kind: 'gone', detail: 'lease expired or revoked' };
    if (this.quorum.entry(key)?.createRevision !== token) return { kind: 'gone', detail: 'key deleted or recreated' };
    return { kind: 'confirmed' };
  }

  campaign(key: string, candidateId: string, ttlMs: number, options: P.CampaignOptions = {}): Promise<P.CampaignOutcome> {
    return runCampaign({
      acquire: () => this.acquire(key, candidateId, ttlMs),
      openWatch: () => this.openWatch(key),
      clock: this.quorum.clock,
      pollMs: options.pollMs ?? Math.max(1, Math.floor(ttlMs / 4)),
      signal: options.signal,
    });
  }

  private openWatch(key: string): KeyWatch {
    const signal = changeSignal(this.quorum.clock);
    const stop = this.quorum.watch((k) => {
      if (k === key && this.reachable) signal.notify();
    });
    return { changedOrTimeout: signal.changedOrTimeout, close: stop };
  }

  async currentHolder(key: string): Promise<P.HolderOutcome> {
    if (!this.reachable) return UNREACHABLE;
    const entry = this.quorum.entry(key);
    return entry ? { kind: 'held', holder: decodeHolderValue(entry.value), token: entry.createRevision } : { kind: 'free' };
  }

  async fencedTxn(fence: P.Fence, ops: readonly P.FencedOp[]): Promise<P.FencedOutcome> {
    if (!this.reachable) return UNREACHABLE;
    const rejected = this.checkFence(fence);
    if (rejected) return rejected;
    return { kind: 'written', revision: this.quorum.commit(ops) };
  }

  fencedWrite(fence: P.Fence, key: string, value: string): Promise<P.FencedOutcome> {
    return this.fencedTxn(fence, [{ kind: 'put', key, value }]);
  }

  async fencedCreate(fence: P.Fence, key: string, value: string): Promise<P.FencedCreateOutcome> {
    if (!this.reachable) return UNREACHABLE;
    const rejected = this.checkFence(fence);
    if (rejected) return rejected;
    const existing = this.quorum.entry(key);
    if (existing) return { kind: 'exists', value: existing.value };
    return { kind: 'created', revision: this.quorum.commit([{ kind: 'put', key, value }]) };
  }

  private checkFence(fence: P.Fence): { kind: 'fenced'; currentToken?: bigint } | undefined {
    assertFence(fence);
    const current = this.quorum.entry(fence.key);
    if (current?.createRevision === fence.token) return undefined;
    return current ? { kind: 'fenced', currentToken: current.createRevision } : { kind: 'fenced' };
  }

  async read(key: string): Promise<P.ReadOutcome> {
    if (!this.reachable) return UNREACHABLE;
    const entry = this.quorum.entry(key);
    return entry ? { kind: 'found', value: entry.value, modRevision: entry.modRevision } : { kind: 'absent' };
  }

  async compareAndPut(key: string, expectedModRevision: bigint, value: string): Promise<P.CompareAndPutOutcome> {
    if (!this.reachable) return UNREACHABLE;
    const current = this.quorum.entry(key)?.modRevision ?? 0n;
    if (current !== expectedModRevision) return { kind: 'conflict', modRevision: current };
    return { kind: 'written', revision: this.quorum.commit([{ kind: 'put', key, value }]) };
  }

  async appendAudit(stream: string, record: P.AuditRecord): Promise<P.AppendOutcome> {
    const value = encodeAuditRecord(record);
    if (!this.reachable) return UNREACHABLE;
    const key = newAuditKey(stream, Date.now());
    return { kind: 'appended', key, revision: this.quorum.commit([{ kind: 'put', key, value }]) };
  }

  async readAudit(stream: string): Promise<P.AuditReadOutcome> {
    if (!this.reachable) return UNREACHABLE;
    const stored = this.quorum
      .entriesWithPrefix(coordKeys.auditPrefix(stream))
      .map(({ key, entry }) => ({ key, createRevision: entry.createRevision, value: entry.value }));
    return { kind: 'read', ...toAuditEntries(stored) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.held].map((lease) => lease.release()));
  }
}
