/**
 * The imperative shell around decideLocal for this region's own database: reads it, applies the
 * action (fence, acquire → confirm → record our token → unfence, release), and fences AT ONCE
 * when the primary lease is lost, on the lease's local deadline, without waiting for etcd.
 */
import { systemClock } from '../../common/clock.ts';
import { describeError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type { CoordinationStore, HeldLease, LeaseLostReason } from '../../coord/index.ts';
import {
  adminTarget, fencePrimary, formatLsn, KeptSession, parseSyncNames, readMemberStateOn, unfencePrimary,
  type DbState, type DbTimeouts, type PgAuth, type PgEndpoint, type PgMember,
} from '../../data/index.ts';
import { encodePrimaryRecord, holderIds, isFenced, readStoreView, storeKeys, type StoreView, type StoreViewOutcome } from '../../failover/adapters/index.ts';
import { hardFence, postmasterState } from './hard-fence.ts';
import { confirmAcquired, decideLocal, type LocalAction, type LocalDb } from './local-decision.ts';
import { decideRestart, postmasterRunning, rebuildFrom, startAsStandby } from './local-restart.ts';
import { maintainSyncSet } from './local-sync.ts';

export interface LocalGuardOptions {
  readonly store: string;
  readonly self: string;
  readonly bootId: string;
  readonly bootstrapRegion: string;
  /** This region's member; without a data directory (`dataDir: ''`) an unresponsive one cannot be fenced hard. */
  readonly member: PgMember;
  readonly regions: readonly string[];
  readonly auth: PgAuth;
  readonly coord: CoordinationStore;
  readonly leaseKey: string;
  readonly leaseTtlMs: number;
  /** The other members (region → address), in topology order: the synchronous set's candidates and a restart's upstream. */
  readonly peers: ReadonlyMap<string, PgEndpoint>;
  readonly mode: 'sync' | 'async';
  /** failover.syncStrict: with no standby streaming, commits keep waiting. */
  readonly syncStrict: boolean;
  /** failover.autoRejoin: a stopped member that does not start is rebuilt. */
  readonly autoRejoin: boolean;
  readonly timeouts: Partial<DbTimeouts>;
  readonly log: Logger;
}

export interface LocalStatus {
  readonly role: 'primary' | 'standby' | 'unreachable' | 'unknown';
  readonly timeline?: number;
  readonly lsn?: string;
  readonly fenced: boolean;
  readonly needsRejoin: boolean;
  /** Token of the primary lease this agent holds, if any. */
  readonly leaseToken: string | null;
  readonly lastAction: string;
  readonly reason: string;
  readonly atIso: string;
  /** A rebuild of this member by its agent: running, or how the last one ended. */
  readonly rebuild?: { readonly state: string; readonly from: string; readonly startedAt: string; readonly detail: string };
}

/**
 * A database that does not answer is killed (hard fence) and failed over after this many checks
 * spanning at least half a lease TTL: two quick failed checks alone killed healthy primaries whose
 * connections were merely slow on a loaded machine (chaos rounds, issue 10).
 */
const RELEASE_AFTER_CHECKS = 2;
/**
 * A busy database (slots full, or its postmaster runs while connections time out) keeps the lease
 * this many lease TTLs before it is killed and failed over: a fresh primary whose slots filled while
 * its standby was repointed was killed by its own agent in fresh-clone demos (issue 10), leaving
 * the store without a writable primary. A truly hung one still fails over, within 3 TTLs (12 s by default).
 */
const BUSY_TTLS = 3;
/** Between two restart or rebuild attempts of a stopped member (a base backup that fails is costly). */
const RESTART_BACKOFF_MS = 10_000;

export class LocalGuard {
  private lease: HeldLease | undefined;
  /** This process's name on the primary lease: decideLocal recognises its own abandoned lease by it. */
  private readonly holderId: string;
  private unhealthy = 0;
  private unhealthySinceMs: number | undefined;
  private paused = 0;
  private db: LocalDb | undefined;
  private needsRejoin = false;
  private last = { action: 'none', reason: 'not checked yet', at: new Date().toISOString() };
  /** Fences and synchronous-set changes one at a time: a set written after a fence would weaken it. */
  private dbWrites: Promise<unknown> = Promise.resolve();
  private restarting = false;
  /** After a restart or rebuild that did not bring it back, wait before the next attempt. */
  private restartNotBeforeMs = 0;
  /** The checks' own session, kept open: a connection storm must not look like a dead database (kept-session.ts). */
  private readonly session: KeptSession;

  constructor(private readonly o: LocalGuardOptions) {
    this.holderId = holderIds.agent(o.self, o.bootId);
    this.session = new KeptSession(adminTarget(o.member, o.auth), o.timeouts);
  }

  status(rebuild?: LocalStatus['rebuild']): LocalStatus {
    const db = this.db;
    return {
      ...(rebuild ? { rebuild } : {}),
      role: db ? (db.kind === 'unreachable' ? 'unreachable' : db.kind) : 'unknown',
      ...(db && db.kind !== 'unreachable' ? { timeline: db.timeline, lsn: formatLsn(db.lsn) } : {}),
      fenced: db?.kind === 'primary' && db.fenced,
      needsRejoin: this.needsRejoin,
      leaseToken: this.holding()?.toString() ?? null,
      lastAction: this.last.action,
      reason: this.last.reason,
      atIso: this.last.at,
    };
  }

  /** Runs `work` (a local demote or rejoin) with the guard's checks suspended. */
  async whilePaused<T>(work: () => Promise<T>): Promise<T> {
    this.paused += 1;
    try {
      return await work();
    } finally {
      this.paused -= 1;
    }
  }

  /**
   * One check. The database must be read BEFORE the records (`readEtcd`): a promotion writes the
   * record before it runs pg_promote, so records read after seeing a primary always include the
   * record that made it one. In the other order, a fresh promotion looks like a zombie primary
   * (a stale record naming someone else) and gets fenced.
   */
  async check(readEtcd: () => Promise<StoreViewOutcome>): Promise<StoreViewOutcome> {
    if (this.paused > 0) {
      this.note('none', 'paused: a local demote or rejoin is running');
      return readEtcd();
    }
    const db = await this.readDb();
    const etcd = await readEtcd();
    this.db = db;
    const holding = this.holding();
    this.unhealthy = holding !== undefined && db.kind !== 'primary' ? this.unhealthy + 1 : 0;
    const now = systemClock.nowMs();
    this.unhealthySinceMs = this.unhealthy === 0 ? undefined : (this.unhealthySinceMs ?? now);
    const action = decideLocal({
      self: this.o.self, holderId: this.holderId, bootstrapRegion: this.o.bootstrapRegion, db, etcd, holding,
      unhealthyChecks: this.unhealthy, releaseAfterChecks: RELEASE_AFTER_CHECKS,
      releaseAfterMs: this.o.leaseTtlMs / 2, releaseWhenBusyMs: this.o.leaseTtlMs * BUSY_TTLS, ...(this.unhealthySinceMs !== undefined ? { unhealthyForMs: now - this.unhealthySinceMs } : {}),
    });
    if (etcd.kind === 'read') this.needsRejoin = etcd.view.rejoin.has(this.o.self) || (action.kind !== 'none' && 'needsRejoin' in action && action.needsRejoin);
    await this.apply(action, db, etcd);
    if (etcd.kind === 'read') await this.afterCheck(action, db, etcd.view);
    return etcd;
  }

  /** What a healthy primary and a stopped member's agent do beyond the lease: the sync set, a restart. */
  private async afterCheck(action: LocalAction, db: LocalDb, view: StoreView): Promise<void> {
    const lease = this.lease;
    if (action.kind === 'none' && db.kind === 'primary' && !db.fenced && lease?.isValid() && this.o.mode === 'sync') {
      const done = await this.serialized(() => maintainSyncSet(this.syncContext(), lease, db, view)).catch((err: unknown) => `sync set: ${describeError(err)}`);
      if (done) this.note('sync', done);
    }
    if (db.kind === 'unreachable' && this.lease === undefined && !this.restarting && systemClock.nowMs() >= this.restartNotBeforeMs) {
      await this.maybeRestart(db, view);
    }
  }

  private syncContext() {
    return {
      store: this.o.store, self: this.o.self, member: this.o.member, auth: this.o.auth, coord: this.o.coord,
      others: [...this.o.peers.keys()], strict: this.o.syncStrict, timeouts: this.o.timeouts,
    };
  }

  /** A stopped member is started as a standby in the background: the checks go on meanwhile. */
  private async maybeRestart(db: Extract<LocalDb, { kind: 'unreachable' }>, view: StoreView): Promise<void> {
    const { running, hasData } = await postmasterRunning(this.o.member);
    const decision = decideRestart({ self: this.o.self, peers: this.o.peers, autoRejoin: this.o.autoRejoin }, view, running ?? (db.postmaster === undefined ? undefined : db.postmaster !== 'gone'), hasData);
    if (decision.kind === 'leave') return;
    this.restarting = true;
    this.note('restart', decision.reason);
    const ctx = { self: this.o.self, member: this.o.member, auth: this.o.auth, peers: this.o.peers, autoRejoin: this.o.autoRejoin, timeouts: this.o.timeouts };
    const work = decision.kind === 'rebuild' ? () => rebuildFrom(ctx, decision.upstream) : () => startAsStandby(ctx, decision.upstream);
    void this.whilePaused(work)
      .then((outcome) => this.note('restart', outcome), (err: unknown) => this.note('restart', `failed: ${describeError(err)}`))
      .finally(() => {
        this.restarting = false;
        this.restartNotBeforeMs = systemClock.nowMs() + RESTART_BACKOFF_MS;
      });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.dbWrites.then(work, work);
    this.dbWrites = result.catch(() => undefined);
    return result;
  }

  /** On shutdown: give the lease up without fencing (the database keeps serving; a returning agent takes a new lease). */
  async close(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release();
    await this.session.close();
  }

  private holding(): bigint | undefined {
    return this.lease?.isValid() ? this.lease.token : undefined;
  }

  private async apply(action: LocalAction, db: LocalDb, etcd: StoreViewOutcome): Promise<void> {
    switch (action.kind) {
      case 'none':
        return this.note('none', action.reason);
      case 'fence':
        if (db.kind === 'primary' && !db.fenced) await this.fence(action.reason);
        return this.note('fence', action.reason);
      case 'release': {
        const lease = this.lease;
        this.lease = undefined;
        // It just failed to answer several checks: another SQL attempt would only wait out its timeout.
        if (action.fence && db.kind === 'unreachable') await this.fence(action.reason, { hard: true });
        else if (action.fence && db.kind === 'primary' && !db.fenced) await this.fence(action.reason);
        await lease?.release();
        return this.note('release', action.reason);
      }
      case 'recordToken':
        await this.writeRecord(db, etcd.kind === 'read' ? etcd.view.record : undefined);
        return this.note('recordToken', action.reason);
      case 'acquire':
        return this.acquire(db);
    }
  }

  private async acquire(db: LocalDb): Promise<void> {
    const got = await this.o.coord.acquire(this.o.leaseKey, this.holderId, this.o.leaseTtlMs);
    if (got.kind !== 'acquired') return this.note('acquire', got.kind === 'held' ? `lost the race to ${got.holder}` : `etcd: ${got.reason}`);
    const lease = got.lease;
    this.lease = lease;
    lease.onLost((reason) => void this.lost(lease, reason));
    const after = await readStoreView(this.o.coord, this.o.store, this.o.leaseKey, this.o.regions);
    const verdict = after.kind === 'read'
      ? confirmAcquired(after.view, this.o.self, this.o.bootstrapRegion, lease.token)
      : ({ kind: 'giveUp', reason: `etcd: ${after.reason}`, needsRejoin: false } as const);
    if (verdict.kind === 'giveUp') {
      this.needsRejoin = this.needsRejoin || verdict.needsRejoin;
      this.lease = undefined;
      await lease.release();
      return this.note('acquire', `took the lease, then gave it up: ${verdict.reason}`);
    }
    if (!(await this.writeRecord(db, after.kind === 'read' ? after.view.record : undefined))) return;
    if (db.kind === 'primary' && db.fenced && lease.isValid()) {
      const lifted = await this.serialized(() => unfencePrimary(this.o.member, this.o.auth, this.syncNamesToRestore(after.kind === 'read' ? after.view : undefined), { timeouts: this.o.timeouts }));
      if (lifted.kind === 'unreachable') return this.note('acquire', `holding token ${lease.token}; the fence could not be lifted: ${lifted.reason}`);
      this.o.log.info({ event: 'store.unfenced', store: this.o.store, token: String(lease.token) }, 'local database accepts writes again under a new lease');
    }
    this.note('acquire', verdict.reason);
  }

  /**
   * synchronous_standby_names when the fence is lifted: the recorded set (the invariant the
   * failover relies on), else every other member; async stores and a degraded set: none.
   */
  private syncNamesToRestore(view: StoreView | undefined): readonly string[] | null {
    if (this.o.mode !== 'sync') return null;
    const recorded = view && typeof view.sync === 'object' ? view.sync : undefined;
    if (recorded && recorded.count === 0) return null;
    return recorded && recorded.members.length > 0 ? recorded.members : [...this.o.peers.keys()];
  }

  /** The record under our lease (fenced by it): region, our token, the current timeline; `previous` kept. */
  private async writeRecord(db: LocalDb, current: StoreView['record']): Promise<boolean> {
    const lease = this.lease;
    if (!lease) return false;
    const previous = typeof current === 'object' && current.region === this.o.self ? current.previous : undefined;
    const value = encodePrimaryRecord({
      region: this.o.self, token: lease.token, ...(db.kind === 'primary' ? { timeline: db.timeline } : {}),
      ...(previous ? { previous } : {}), writtenBy: lease.holderId, at: new Date().toISOString(),
    });
    const written = await this.o.coord.fencedWrite(lease.fence, storeKeys.primaryRecord(this.o.store), value);
    if (written.kind === 'written') return true;
    this.note('recordToken', `the record could not be written under token ${lease.token}: ${written.kind === 'fenced' ? 'fenced' : written.reason}`);
    if (written.kind === 'fenced') {
      this.lease = undefined;
      await lease.release();
    }
    return false;
  }

  private async lost(lease: HeldLease, reason: LeaseLostReason): Promise<void> {
    if (this.lease === lease) this.lease = undefined;
    if (reason.kind === 'released') return;
    const why = `primary lease (token ${lease.token}) lost: ${reason.kind === 'deadlinePassed' ? 'its local deadline passed' : reason.detail}`;
    this.o.log.warn({ event: 'store.leaseLost', store: this.o.store, token: String(lease.token), reason }, 'fencing the local database');
    await this.fence(why);
    this.note('fence', why);
  }

  /** SQL fence; a database that does not answer is fenced hard (hard-fence.ts). */
  private fence(reason: string, opts: { hard?: boolean } = {}): Promise<void> {
    return this.serialized(() => this.fenceNow(reason, opts.hard ?? false));
  }

  private async fenceNow(reason: string, hardOnly: boolean): Promise<void> {
    try {
      const result = hardOnly ? { kind: 'unreachable' as const, reason } : await fencePrimary(this.o.member, this.o.auth, { timeouts: this.o.timeouts });
      if (result.kind !== 'unreachable') {
        this.o.log.warn({ event: 'store.fenced', store: this.o.store, result: result.kind, reason }, 'local database fenced');
        return;
      }
      const hard = await hardFence(this.o.member);
      if (hard.kind === 'noDataDir') {
        this.o.log.error({ event: 'store.fenceFailed', store: this.o.store, reason }, 'the local database does not answer and no data directory is configured (--pg-data): it cannot be fenced');
      } else {
        this.o.log.warn({ event: 'store.fencedHard', store: this.o.store, killed: hard.killed, reason }, 'local database does not answer: killed, fence written to its configuration');
      }
    } catch (err) {
      this.o.log.error({ event: 'store.fenceFailed', store: this.o.store, err: describeError(err), reason }, 'fencing the local database failed');
    }
  }

  private async readDb(): Promise<LocalDb> {
    const state: DbState = await readMemberStateOn(this.session).catch((err: unknown) => ({
      reachable: false as const, reason: describeError(err),
    }));
    if (!state.reachable) {
      const postmaster = await postmasterState(this.o.member.dataDir);
      return { kind: 'unreachable', reason: state.reason, ...(state.code ? { code: state.code } : {}), ...(postmaster ? { postmaster } : {}) };
    }
    if (state.role === 'primary') {
      const members = new Set(this.o.peers.keys());
      const streaming = state.replicas.filter((r) => r.state === 'streaming' && members.has(r.applicationName)).map((r) => r.applicationName);
      return { kind: 'primary', fenced: isFenced(state), timeline: state.timeline, lsn: state.currentLsn, syncNames: parseSyncNames(state.synchronousStandbyNames), streaming };
    }
    return { kind: 'standby', timeline: state.timeline, lsn: state.replayLsn };
  }

  private note(action: string, reason: string): void {
    if (action !== this.last.action || reason !== this.last.reason) {
      this.o.log.info({ event: 'store.local', store: this.o.store, action, reason }, `${this.o.store}: ${action}: ${reason}`);
    }
    this.last = { action, reason, at: new Date().toISOString() };
  }
}
