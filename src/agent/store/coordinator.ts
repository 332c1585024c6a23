/**
 * The failover coordinator election: every agent campaigns for `coordKeys.election()`; the one
 * elected runs one reconciler loop PER STORE while its lease is valid (a base backup or a slow
 * step of one store never delays another store's failover), and stops at once when the lease is
 * lost (each port also refuses without it), then campaigns again. Waits use the monotonic clock.
 */
import { systemClock, type Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import { coordKeys, type CoordinationStore, type HeldLease } from '../../coord/index.ts';
import type { OperatorRequest, RouteAnswer } from './routes.ts';
import type { StoreCoordinator, TickResult } from './store-coordinator.ts';

export interface CoordinatorOptions {
  readonly coord: CoordinationStore;
  readonly self: string;
  readonly leaseTtlMs: number;
  readonly periodMs: number;
  readonly stores: ReadonlyMap<string, StoreCoordinator>;
  readonly log: Logger;
  /**
   * True when this agent's region holds a primary that another region's agent could watch over
   * instead (coordinator placement, below). Default: never.
   */
  readonly shouldStepAside?: () => boolean;
  readonly clock?: Clock;
}

/** A store loop asks for its next tick at once at most this many times in a row. */
const MAX_TICKS_IN_A_ROW = 8;
/**
 * After a failed runbook the next look comes this soon, once; failing again, a period later. A
 * promotion that failed on a stalled machine (its candidate took a connection late) waited out the
 * whole period plus a snapshot, 5 s of a chaos round's write gap; a step that keeps failing still
 * runs once per period, not four times as often.
 */
const RETRY_AFTER_FAILURE_MS = 250;

/**
 * Coordinator placement: a coordinator in the region it must fail over from is lost with it, and
 * the failover then also waits for a new election and a cold snapshot. So an agent whose region
 * holds a primary campaigns this much later than the others, and a coordinator that finds itself
 * there (after promoting its own region, say) hands the lease over when idle. If nobody else
 * takes it, it takes it back after the handicap.
 */
const STEP_ASIDE_HANDICAP_MS = 1500;
/** Nobody took the lease last time (their agents may be down): do not keep handing it around. */
const STEP_ASIDE_AGAIN_MS = 30_000;

export class Coordinator {
  private lease: HeldLease | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  /** Everyone waiting for a period or a nudge: the election loop and every store loop. */
  private readonly waiters = new Set<() => void>();
  private steppedAsideAtMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: CoordinatorOptions) {}

  /** The election lease while this agent holds it (valid). */
  heldLease(): HeldLease | undefined {
    return this.lease?.isValid() ? this.lease : undefined;
  }

  /** Something changed in etcd (a lease expired, a record moved): tick now, not at the period. */
  nudge(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private get clock(): Clock {
    return this.o.clock ?? systemClock;
  }

  /** Resolves after `ms`, or at once on a nudge, a lost lease or close(). */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        cancel();
        this.waiters.delete(done);
        resolve();
      };
      const cancel = this.clock.after(ms, done);
      this.waiters.add(done);
      if (this.abort.signal.aborted) done();
    });
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => this.o.log.error({ err }, 'coordinator loop failed'));
  }

  async request(store: string, request: OperatorRequest): Promise<RouteAnswer> {
    const lease = this.heldLease();
    const target = this.o.stores.get(store);
    if (!target) return unknownStore(store);
    if (!lease) return this.notCoordinator();
    return target.serve(lease.token, request);
  }

  /** A dry run: only the coordinator has the audit and the snapshot a tick plans from. */
  async plan(store: string, to: string | undefined): Promise<RouteAnswer> {
    const lease = this.heldLease();
    const target = this.o.stores.get(store);
    if (!target) return unknownStore(store);
    if (!lease) return this.notCoordinator();
    return target.preview(lease.token, to);
  }

  private async notCoordinator(): Promise<RouteAnswer> {
    const holder = await this.o.coord.currentHolder(coordKeys.election());
    const who = holder.kind === 'held' ? holder.holder : holder.kind === 'free' ? 'nobody (election under way)' : `unknown (${holder.reason})`;
    return { status: 409, body: { error: `this agent (${this.o.self}) is not the failover coordinator; the coordinator is ${who}`, coordinator: holder.kind === 'held' ? holder.holder : null } };
  }

  /** Sleeps `ms`, woken early by close(). */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }

  async close(): Promise<void> {
    this.abort.abort();
    const lease = this.lease;
    this.lease = undefined;
    this.nudge();
    await lease?.release();
    // A runbook in flight stops at its next coordinator check (the lease is gone); do not hang on it.
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 5_000).unref())]);
  }

  private async run(): Promise<void> {
    const key = coordKeys.election();
    while (!this.abort.signal.aborted) {
      if (this.o.shouldStepAside?.()) await this.sleep(STEP_ASIDE_HANDICAP_MS);
      const outcome = await this.o.coord.campaign(key, this.o.self, this.o.leaseTtlMs, { signal: this.abort.signal });
      if (outcome.kind === 'aborted') return;
      const lease = outcome.lease;
      this.lease = lease;
      this.o.log.info({ event: 'coordinator.elected', token: String(lease.token) }, `${this.o.self} is the failover coordinator (token ${lease.token})`);
      let lost = false;
      lease.onLost((reason) => {
        lost = true;
        this.o.log.warn({ event: 'coordinator.lost', token: String(lease.token), reason }, 'failover coordinator lease lost');
        this.nudge();
      });
      const holding = () => !lost && !this.abort.signal.aborted && lease.isValid() && this.lease === lease;
      const loops = [...this.o.stores.entries()].map(([name, s]) => this.storeLoop(name, s, lease, holding));
      while (holding()) {
        await this.pause(this.o.periodMs);
        if (holding() && this.shouldHandOver()) {
          this.steppedAsideAtMs = this.clock.nowMs();
          this.o.log.info({ event: 'coordinator.stepAside', token: String(lease.token) }, `${this.o.self} holds a primary: handing the coordinator lease to another region`);
          this.lease = undefined;
          await lease.release();
        }
      }
      if (this.lease === lease) this.lease = undefined;
      this.nudge();
      // A runbook in flight stops at its next coordinator check (the lease is gone); do not hang on it.
      await Promise.race([Promise.allSettled(loops), new Promise((r) => setTimeout(r, 5_000).unref())]);
      for (const s of this.o.stores.values()) s.forget();
    }
  }

  /** Every store has its own loop: tick, and tick again at once while it makes progress. */
  private async storeLoop(name: string, store: StoreCoordinator, lease: HeldLease, holding: () => boolean): Promise<void> {
    let inARow = 0;
    let quick = false;
    let retriedSoon = false;
    while (holding()) {
      const next: TickResult = await store.tick(lease.token, quick).catch((err: unknown) => {
        this.o.log.error({ event: 'coordinator.tickFailed', store: name, err }, 'coordinator tick failed');
        return 'wait' as const;
      });
      quick = next === 'again-quick';
      if (next === 'retry') {
        await this.pause(retriedSoon ? this.o.periodMs : Math.min(RETRY_AFTER_FAILURE_MS, this.o.periodMs));
        retriedSoon = true;
        continue;
      }
      retriedSoon = false;
      if (next !== 'wait' && inARow < MAX_TICKS_IN_A_ROW) {
        inARow += 1;
        continue;
      }
      inARow = 0;
      await this.pause(this.o.periodMs);
    }
  }

  /** Our region holds a primary another region could watch over, every store is idle, and we did not just try. */
  private shouldHandOver(): boolean {
    return (this.o.shouldStepAside?.() ?? false)
      && this.clock.nowMs() - this.steppedAsideAtMs > STEP_ASIDE_AGAIN_MS
      && [...this.o.stores.values()].every((s) => s.idle());
  }
}

function unknownStore(store: string): RouteAnswer {
  return { status: 404, body: { error: `store '${store}' is not supervised by this agent` } };
}
