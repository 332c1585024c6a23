/**
 * CoordinationStore on a real etcd cluster (etcd3 client).
 *
 * - acquire: grant a lease, then ONE txn "if key absent: put key (bound to the lease)". The token
 *   is the key's create revision. A lost race is the value `held`, never an error.
 * - keepalive: our own rounds (lease-keeper.ts), each a keepalive plus a linearizable read of the
 *   key. We do not use etcd3's Lease class: its 'lost' event fires only after 2 × TTL without
 *   contact, far too late for fencing, and it counts from the ack time.
 * - fencedTxn: "if the lease key's create revision is still the token: apply ops", decided by the
 *   quorum, so a zombie holder's write is rejected even after a heal.
 *
 * Every request is safe to send twice (the client retries once on another member): acquire
 * recognises its own lease on a retried create, puts write the same value, audit keys are chosen
 * before sending; a compareAndPut sent twice answers `conflict` the second time, and its caller reads
 * again (and finds its own write). An `unavailable` write may still have been applied: callers
 * treat it as unknown.
 */
import { EtcdLeaseInvalidError, type Etcd3, type IKeyValue, type IRequestOp } from 'etcd3';
import { describeError, InfraError, InputError } from '../common/errors.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { encodeAuditRecord, toAuditEntries } from './audit.ts';
import { changeSignal, runCampaign, type KeyWatch } from './campaign.ts';
import { systemClock, type Clock } from './clock.ts';
import { deadlineAfterRound, leaseTiming, type LeaseTiming } from './deadline.ts';
import { chooseLeader } from './leader-placement.ts';
import { checkEtcdEndpoints, type EtcdTls } from './etcd-tls.ts';
import { BrokenInvariant, createdAt, createEtcdClient, type EtcdClient, deleteOp, keyValue, modifiedAt, putOp, rangeOp, unavailableUnlessBug, unreachableReason } from './etcd-client.ts';
import { assertFence, coordKeys, decodeHolderValue, encodeHolderValue, KEY_PREFIX, newAuditKey } from './keys.ts';
import { LeaseKeeper, type RoundResult } from './lease-keeper.ts';
import type * as P from './ports.ts';

/** Enough for every key one agent holds (a primary lease per store, the coordinator, promotions). */
const ENDED_LEASES_KEPT = 32;

export interface EtcdStoreOptions {
  /** Client URLs of the etcd members this agent may use. */
  readonly endpoints: readonly string[];
  /** CA and client certificate for etcd's client-cert-auth (etcd-tls.ts); every endpoint is then https://. */
  readonly tls?: EtcdTls;
  /** Deadline of ordinary requests. Default 1000 ms. */
  readonly requestTimeoutMs?: number;
  /** Lease safety margin; default safetyMarginMs(ttl). */
  readonly marginMs?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
}

export class EtcdStore implements P.CoordinationStore {
  private readonly etcd: EtcdClient;
  private readonly requestTimeoutMs: number;
  private readonly client: Etcd3;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly held = new Set<LeaseKeeper>();
  /** Ids of leases this store granted and no longer keeps (lost or released), newest last. */
  private readonly ended: string[] = [];
  private closed = false;

  /**
   * A store whose calls answer `unavailable` while etcd is unreachable: what an agent uses, since
   * it must start (and hold nothing) even inside a partition.
   */
  constructor(private readonly options: EtcdStoreOptions) {
    const bad = options.endpoints.find((e) => !/^https?:\/\/[^/\s]+:\d+$/.test(e));
    if (options.endpoints.length === 0 || bad !== undefined) {
      throw new InputError(`etcd endpoints must be URLs like http://10.0.0.1:2379, got ${JSON.stringify(options.endpoints)}`);
    }
    checkEtcdEndpoints(options.endpoints, options.tls !== undefined);
    this.etcd = createEtcdClient({ endpoints: options.endpoints, requestTimeoutMs: options.requestTimeoutMs ?? 1000, ...(options.tls ? { tls: options.tls } : {}) });
    this.client = this.etcd.client;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 1000;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? createLogger('coord');
  }

  /** For commands that cannot go on without etcd: throws InfraError unless a quorum read succeeds. */
  static async connect(options: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(options);
    const probe = await store.read(KEY_PREFIX);
    if (probe.kind === 'unavailable') {
      await store.close();
      throw new InfraError(`cannot reach a quorum of etcd at ${options.endpoints.join(', ')}: ${probe.reason}`);
    }
    return store;
  }

  async acquire(key: string, holderId: string, ttlMs: number): Promise<P.AcquireOutcome> {
    const timing = leaseTiming(ttlMs, this.options.marginMs);
    const grantSentAtMs = this.clock.nowMs();
    let leaseId: string;
    try {
      const grant = await this.client.leaseClient.leaseGrant({ TTL: Math.ceil(ttlMs / 1000) });
      leaseId = grant.ID;
      if (Number(grant.TTL) * 1000 >= ttlMs + 1000) {
        this.log.warn({ key, askedMs: ttlMs, grantedS: grant.TTL }, 'etcd raised the lease TTL (its minimum is 1.5 × election timeout): takeover after a loss will be slower');
      }
    } catch (err) {
      return { kind: 'unavailable', reason: unreachableReason(err) };
    }
    try {
      let current = await this.createIfAbsent(key, holderId, ttlMs, leaseId);
      if (current.leaseId !== leaseId && this.abandonedByUs(current)) {
        // A lease this store granted and already gave up (its local deadline passed and the holder
        // fenced, or it was released) still holds the key: the revoke tried then did not reach a
        // quorum (e.g. etcd stalled after a heal). Nothing can use it any more, so let it go now
        // rather than wait out its TTL on the server (a leader change renews it), and try once more.
        this.log.info({ key, leaseId: current.leaseId }, 'revoking our own abandoned lease on the key before taking it again');
        await this.revoke(current.leaseId);
        current = await this.createIfAbsent(key, holderId, ttlMs, leaseId);
      }
      // Our own lease on the key also means "acquired": a retried txn whose first try succeeded.
      if (current.leaseId !== leaseId) {
        void this.revoke(leaseId);
        return { kind: 'held', holder: decodeHolderValue(current.value), token: current.createRevision };
      }
      if (this.clock.nowMs() >= deadlineAfterRound(timing, grantSentAtMs)) {
        void this.revoke(leaseId);
        return { kind: 'unavailable', reason: `etcd answered after the lease's local deadline (TTL ${ttlMs}ms)` };
      }
      return { kind: 'acquired', lease: this.keep(key, holderId, current.createRevision, leaseId, timing, grantSentAtMs) };
    } catch (err) {
      void this.revoke(leaseId);
      return unavailableUnlessBug(err);
    }
  }

  /** ONE txn: if the key is absent, put it bound to `leaseId`; either way, the key as it is now. */
  private async createIfAbsent(key: string, holderId: string, ttlMs: number, leaseId: string): Promise<ReturnType<typeof keyValue>> {
    const res = await this.client.kv.txn({
      compare: [createdAt(key, 0n)],
      success: [putOp(key, encodeHolderValue(holderId, ttlMs), leaseId), rangeOp(key)],
      failure: [rangeOp(key)],
    });
    const kv = res.responses.at(-1)?.response_range?.kvs[0];
    if (!kv) throw new BrokenInvariant(`etcd txn on ${key} returned no key in the range it just read`);
    return keyValue(kv);
  }

  /** The key is held by a lease this very store granted and has stopped keeping: nobody can use it. */
  private abandonedByUs(current: ReturnType<typeof keyValue>): boolean {
    return this.ended.includes(current.leaseId);
  }

  private keep(key: string, holderId: string, token: bigint, leaseId: string, timing: LeaseTiming, grantSentAtMs: number): LeaseKeeper {
    const lease = new LeaseKeeper({
      key, holderId, token, timing, grantSentAtMs, clock: this.clock, log: this.log,
      backend: { renewRound: () => this.renewRound(key, token, leaseId, timing), revoke: () => this.revoke(leaseId) },
      onEnded: (ended) => {
        this.held.delete(ended);
        this.ended.push(leaseId);
        if (this.ended.length > ENDED_LEASES_KEPT) this.ended.shift();
      },
    });
    this.held.add(lease);
    return lease;
  }

  /** Keepalive, then a linearizable read proving the quorum still has our key at our token. */
  private async renewRound(key: string, token: bigint, leaseId: string, timing: LeaseTiming): Promise<RoundResult> {
    try {
      const ttlS = await this.keepAliveOnce(leaseId, timing.requestTimeoutMs);
      if (ttlS <= 0) return { kind: 'gone', detail: 'lease expired or revoked on the server' };
      // The read also guards against a partitioned etcd leader that still acks keepalives until
      // it notices it lost its quorum: a quorum read fails there, so the round is not credited.
      const res = await this.client.kv.range({ key: Buffer.from(key) }, { deadline: Date.now() + timing.requestTimeoutMs });
      const kv = res.kvs[0];
      if (!kv || BigInt(kv.create_revision) !== token || kv.lease !== leaseId) {
        return { kind: 'gone', detail: 'lease key deleted or recreated' };
      }
      return { kind: 'confirmed' };
    } catch (err) {
      return { kind: 'unreachable', reason: unreachableReason(err) };
    }
  }

  /** One keepalive on a short-lived stream with a deadline; resolves to the TTL etcd reports. */
  private async keepAliveOnce(leaseId: string, timeoutMs: number): Promise<number> {
    const stream = await this.client.leaseClient.leaseKeepAlive({ deadline: Date.now() + timeoutMs });
    return new Promise<number>((resolve, reject) => {
      stream.on('data', (res: { TTL: string }) => {
        resolve(Number(res.TTL));
        stream.end(); // half-close: the server ends the call cleanly (cancel would count as a host failure)
      });
      stream.on('error', reject);
      stream.on('end', () => reject(new Error('keepalive stream ended without an answer')));
      stream.write({ ID: leaseId });
    });
  }

  private async revoke(leaseId: string): Promise<P.ReleaseOutcome> {
    try {
      await this.client.leaseClient.leaseRevoke({ ID: leaseId });
      return { kind: 'revoked' };
    } catch (err) {
      if (err instanceof EtcdLeaseInvalidError) return { kind: 'revoked' }; // already gone
      return { kind: 'leftToExpire', reason: unreachableReason(err) };
    }
  }

  campaign(key: string, candidateId: string, ttlMs: number, options: P.CampaignOptions = {}): Promise<P.CampaignOutcome> {
    return runCampaign({
      acquire: () => this.acquire(key, candidateId, ttlMs),
      openWatch: () => this.openDeleteWatch(key),
      clock: this.clock,
      pollMs: options.pollMs ?? Math.max(1, Math.floor(ttlMs / 4)),
      signal: options.signal,
    });
  }

  /**
   * Wakes the campaign when the key is deleted. Watches can stall on a bad link: the poll covers it.
   * `watcher()` (not `create()`) so the watcher can be cancelled even if it never connected: a
   * watcher left pending on an unreachable etcd retries forever and keeps the process alive.
   */
  private openDeleteWatch(key: string): KeyWatch {
    const signal = changeSignal(this.clock);
    const watcher = this.client.watch().key(key).watcher();
    watcher.on('error', (err) => this.log.debug({ key, err: String(err) }, 'campaign watch error'));
    watcher.on('disconnected', (err) => this.log.debug({ key, err: String(err) }, 'campaign watch not established; polling'));
    watcher.on('delete', () => signal.notify());
    return {
      changedOrTimeout: signal.changedOrTimeout,
      close: () => void watcher.cancel().catch(() => undefined),
    };
  }

  async placeLeader(primaryRegions: readonly string[], regionOf: (clientUrl: string) => string | undefined): Promise<string> {
    const deadline = () => ({ deadline: Date.now() + this.requestTimeoutMs });
    try {
      const [status, list] = await Promise.all([this.client.maintenance.status(deadline()), this.client.cluster.memberList({}, deadline())]);
      const members = await Promise.all(list.members.map(async (m) => {
        const url = m.clientURLs[0];
        const healthy = url !== undefined && await this.etcd.onMember(url).maintenance.status(deadline()).then(() => true, () => false);
        return { id: m.ID, region: url === undefined ? undefined : regionOf(url), healthy, url };
      }));
      const move = chooseLeader(members, status.leader, primaryRegions);
      if (move.kind === 'stay') return `etcd leader stays: ${move.why}`;
      const leaderUrl = members.find((m) => m.id === status.leader)?.url;
      if (!leaderUrl) return 'etcd leader stays: the leader has no client URL to ask';
      // MoveLeader is served only by the leader itself.
      await this.etcd.onMember(leaderUrl).maintenance.moveLeader({ targetID: move.to.id }, deadline());
      return `etcd leader moved to ${move.to.region}: ${move.why}`;
    } catch (err) {
      return `etcd leader placement skipped: ${describeError(err)}`;
    }
  }

  watchPrefix(prefix: string, onChange: () => void, options: { readonly via?: string } = {}): { close(): void } {
    const client = options.via ? this.etcd.onMember(options.via) : this.client;
    const watcher = client.watch().prefix(prefix).watcher();
    watcher.on('error', (err) => this.log.debug({ prefix, err: String(err) }, 'prefix watch error'));
    watcher.on('disconnected', (err) => this.log.debug({ prefix, err: String(err) }, 'prefix watch not established; polling'));
    watcher.on('put', () => onChange());
    watcher.on('delete', () => onChange());
    return { close: () => void watcher.cancel().catch(() => undefined) };
  }

  async currentHolder(key: string): Promise<P.HolderOutcome> {
    const read = await this.readKv(key);
    if (read.kind === 'unavailable') return read;
    if (!read.kv) return { kind: 'free' };
    const { value, createRevision } = keyValue(read.kv);
    return { kind: 'held', holder: decodeHolderValue(value), token: createRevision };
  }

  async read(key: string): Promise<P.ReadOutcome> {
    const read = await this.readKv(key);
    if (read.kind === 'unavailable') return read;
    if (!read.kv) return { kind: 'absent' };
    const { value, modRevision } = keyValue(read.kv);
    return { kind: 'found', value, modRevision };
  }

  private async readKv(key: string): Promise<{ kind: 'read'; kv?: IKeyValue } | { kind: 'unavailable'; reason: string }> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from(key) });
      return { kind: 'read', kv: res.kvs[0] };
    } catch (err) {
      return { kind: 'unavailable', reason: unreachableReason(err) };
    }
  }

  async compareAndPut(key: string, expectedModRevision: bigint, value: string): Promise<P.CompareAndPutOutcome> {
    try {
      const res = await this.client.kv.txn({ compare: [modifiedAt(key, expectedModRevision)], success: [putOp(key, value)], failure: [rangeOp(key)] });
      if (res.succeeded) return { kind: 'written', revision: BigInt(res.header.revision) };
      const current = res.responses[0]?.response_range?.kvs[0];
      return { kind: 'conflict', modRevision: current ? BigInt(current.mod_revision) : 0n };
    } catch (err) {
      return unavailableUnlessBug(err);
    }
  }

  async fencedTxn(fence: P.Fence, ops: readonly P.FencedOp[]): Promise<P.FencedOutcome> {
    assertFence(fence);
    const requests: IRequestOp[] = ops.map((op) => (op.kind === 'put' ? putOp(op.key, op.value) : deleteOp(op.key)));
    try {
      const res = await this.client.kv.txn({ compare: [createdAt(fence.key, fence.token)], success: requests, failure: [rangeOp(fence.key)] });
      if (res.succeeded) return { kind: 'written', revision: BigInt(res.header.revision) };
      return fencedBy(res.responses[0]?.response_range?.kvs[0]);
    } catch (err) {
      return { kind: 'unavailable', reason: unreachableReason(err) };
    }
  }

  fencedWrite(fence: P.Fence, key: string, value: string): Promise<P.FencedOutcome> {
    return this.fencedTxn(fence, [{ kind: 'put', key, value }]);
  }

  async fencedCreate(fence: P.Fence, key: string, value: string): Promise<P.FencedCreateOutcome> {
    assertFence(fence);
    try {
      const res = await this.client.kv.txn({
        compare: [createdAt(fence.key, fence.token)],
        success: [{ request_txn: { compare: [createdAt(key, 0n)], success: [putOp(key, value)], failure: [rangeOp(key)] } }],
        failure: [rangeOp(fence.key)],
      });
      if (!res.succeeded) return fencedBy(res.responses[0]?.response_range?.kvs[0]);
      const inner = res.responses[0]?.response_txn;
      if (!inner) throw new BrokenInvariant(`etcd nested txn on ${key} returned no inner response`);
      if (inner.succeeded) return { kind: 'created', revision: BigInt(res.header.revision) };
      const existing = inner.responses[0]?.response_range?.kvs[0];
      if (!existing) throw new BrokenInvariant(`etcd nested txn on ${key} said "exists" but returned no key`);
      return { kind: 'exists', value: existing.value.toString('utf8') };
    } catch (err) {
      return unavailableUnlessBug(err);
    }
  }

  async appendAudit(stream: string, record: P.AuditRecord): Promise<P.AppendOutcome> {
    const value = encodeAuditRecord(record);
    const key = newAuditKey(stream, Date.now());
    try {
      const res = await this.client.kv.put({ key: Buffer.from(key), value: Buffer.from(value) });
      return { kind: 'appended', key, revision: BigInt(res.header.revision) };
    } catch (err) {
      return { kind: 'unavailable', reason: unreachableReason(err) };
    }
  }

  async readAudit(stream: string): Promise<P.AuditReadOutcome> {
    try {
      const res = await this.client.getAll().prefix(coordKeys.auditPrefix(stream)).sort('Create', 'Ascend').exec();
      const stored = res.kvs.map(keyValue).map(({ key, createRevision, value }) => ({ key, createRevision, value }));
      return { kind: 'read', ...toAuditEntries(stored) };
    } catch (err) {
      return { kind: 'unavailable', reason: unreachableReason(err) };
    }
  }

  /** Idempotent: the agent's store supervisor and its traffic controls share one store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.held].map((lease) => lease.release()));
    this.etcd.close();
  }
}

function fencedBy(kv: IKeyValue | undefined): { kind: 'fenced'; currentToken?: bigint } {
  return kv ? { kind: 'fenced', currentToken: BigInt(kv.create_revision) } : { kind: 'fenced' };
}
