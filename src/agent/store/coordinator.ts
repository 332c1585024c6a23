/**
 * The failover coordinator election: every agent campaigns for `coordKeys.election()`; the one
 * elected ticks every store's StoreCoordinator while its lease is valid, and stops at once when
 * the lease is lost (each port also refuses without it), then campaigns again.
 */
import type { Logger } from '../../common/log.ts';
import { coordKeys, type CoordinationStore, type HeldLease } from '../../coord/index.ts';
import type { OperatorRequest, RouteAnswer } from './routes.ts';
import type { StoreCoordinator } from './store-coordinator.ts';

export interface CoordinatorOptions {
  readonly coord: CoordinationStore;
  readonly self: string;
  readonly leaseTtlMs: number;
  readonly periodMs: number;
  readonly stores: ReadonlyMap<string, StoreCoordinator>;
  readonly log: Logger;
}

export class Coordinator {
  private lease: HeldLease | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: () => void = () => {};

  constructor(private readonly o: CoordinatorOptions) {}

  /** The election lease while this agent holds it (valid). */
  heldLease(): HeldLease | undefined {
    return this.lease?.isValid() ? this.lease : undefined;
  }

  /** Something changed in etcd (a lease expired, a record moved): tick now, not at the period. */
  nudge(): void {
    this.wake();
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => this.o.log.error({ err }, 'coordinator loop failed'));
  }

  async request(store: string, request: OperatorRequest): Promise<RouteAnswer> {
    const lease = this.heldLease();
    const target = this.o.stores.get(store);
    if (!target) return { status: 404, body: { error: `store '${store}' is not supervised by this agent` } };
    if (!lease) {
      const holder = await this.o.coord.currentHolder(coordKeys.election());
      const who = holder.kind === 'held' ? holder.holder : holder.kind === 'free' ? 'nobody (election under way)' : `unknown (${holder.reason})`;
      return { status: 409, body: { error: `this agent (${this.o.self}) is not the failover coordinator; the coordinator is ${who}`, coordinator: holder.kind === 'held' ? holder.holder : null } };
    }
    return target.serve(lease.token, request);
  }

  async close(): Promise<void> {
    this.abort.abort();
    const lease = this.lease;
    this.lease = undefined;
    this.wake();
    await lease?.release();
    // A runbook in flight stops at its next coordinator check (the lease is gone); do not hang on it.
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 5_000).unref())]);
  }

  private async run(): Promise<void> {
    const key = coordKeys.election();
    while (!this.abort.signal.aborted) {
      const outcome = await this.o.coord.campaign(key, this.o.self, this.o.leaseTtlMs, { signal: this.abort.signal });
      if (outcome.kind === 'aborted') return;
      const lease = outcome.lease;
      this.lease = lease;
      this.o.log.info({ event: 'coordinator.elected', token: String(lease.token) }, `${this.o.self} is the failover coordinator (token ${lease.token})`);
      let lost = false;
      lease.onLost((reason) => {
        lost = true;
        this.o.log.warn({ event: 'coordinator.lost', token: String(lease.token), reason }, 'failover coordinator lease lost');
        this.wake();
      });
      while (!lost && !this.abort.signal.aborted && lease.isValid()) {
        await Promise.all([...this.o.stores.entries()].map(([name, s]) =>
          s.tick(lease.token).catch((err: unknown) => this.o.log.error({ event: 'coordinator.tickFailed', store: name, err }, 'coordinator tick failed'))));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.o.periodMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      if (this.lease === lease) this.lease = undefined;
      for (const s of this.o.stores.values()) s.forget();
    }
  }
}
