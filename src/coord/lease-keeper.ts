/**
 * The holder's side of a lease, shared by every store: keepalive rounds on a cadence, the local
 * deadline on a monotonic clock, and the single, final "lost" notification.
 *
 * The deadline timer is armed independently of any network call, so a holder that hears nothing
 * (partitioned, etcd members frozen, a request stuck in a dead TCP connection) still gives up on
 * time. A confirmation that arrives after the deadline has passed never revives the lease.
 */
import type { Logger } from '../common/log.ts';
import type { Clock } from './clock.ts';
import { deadlineAfterRound, extendDeadline, nextRoundAtMs, type LeaseTiming } from './deadline.ts';
import type { Fence, FencingToken, HeldLease, LeaseLostReason, ReleaseOutcome } from './ports.ts';

export type RoundResult =
  | { readonly kind: 'confirmed' }
  | { readonly kind: 'gone'; readonly detail: string }
  | { readonly kind: 'unreachable'; readonly reason: string };

/** What a store must provide to keep one lease. */
export interface LeaseBackend {
  /**
   * One keepalive round: renew the lease and confirm, through the quorum, that the key still
   * carries our token. Must settle within the timing's request timeouts.
   */
  renewRound(): Promise<RoundResult>;
  revoke(): Promise<ReleaseOutcome>;
}

export interface LeaseKeeperOptions {
  readonly key: string;
  readonly holderId: string;
  readonly token: FencingToken;
  readonly timing: LeaseTiming;
  /** When the grant request was sent: the first round. */
  readonly grantSentAtMs: number;
  readonly clock: Clock;
  readonly backend: LeaseBackend;
  readonly log: Logger;
  /** Told once when the lease ends, so the store can forget it. */
  readonly onEnded?: (lease: LeaseKeeper) => void;
}

export class LeaseKeeper implements HeldLease {
  readonly key: string;
  readonly holderId: string;
  readonly token: FencingToken;
  readonly fence: Fence;
  readonly ttlMs: number;
  private deadlineMs: number;
  private lost: LeaseLostReason | undefined;
  private readonly listeners = new Set<(reason: LeaseLostReason) => void>();
  private cancelDeadlineTimer: () => void = () => {};
  private cancelRoundTimer: () => void = () => {};

  constructor(private readonly opts: LeaseKeeperOptions) {
    this.key = opts.key;
    this.holderId = opts.holderId;
    this.token = opts.token;
    this.fence = { key: opts.key, token: opts.token };
    this.ttlMs = opts.timing.ttlMs;
    this.deadlineMs = deadlineAfterRound(opts.timing, opts.grantSentAtMs);
    this.armDeadlineTimer();
    this.scheduleRound(nextRoundAtMs(opts.timing, opts.grantSentAtMs, opts.clock.nowMs(), true));
  }

  validUntilMs(): number {
    return this.lost ? 0 : this.deadlineMs;
  }

  isValid(nowMs: number = this.opts.clock.nowMs()): boolean {
    return !this.lost && nowMs < this.deadlineMs;
  }

  onLost(cb: (reason: LeaseLostReason) => void): () => void {
    const lost = this.lost;
    if (lost) {
      queueMicrotask(() => cb(lost));
      return () => {};
    }
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  async release(): Promise<ReleaseOutcome> {
    this.end({ kind: 'released' }, false);
    return this.opts.backend.revoke();
  }

  private armDeadlineTimer(): void {
    this.cancelDeadlineTimer();
    const { clock } = this.opts;
    this.cancelDeadlineTimer = clock.after(this.deadlineMs - clock.nowMs(), () => this.checkDeadline());
  }

  private checkDeadline(): void {
    if (this.lost) return;
    if (this.opts.clock.nowMs() >= this.deadlineMs) this.end({ kind: 'deadlinePassed', deadlineMs: this.deadlineMs }, true);
    else this.armDeadlineTimer(); // the deadline moved while the timer was pending
  }

  private scheduleRound(atMs: number): void {
    const { clock } = this.opts;
    this.cancelRoundTimer = clock.after(atMs - clock.nowMs(), () => void this.runRound());
  }

  private async runRound(): Promise<void> {
    if (this.lost) return;
    const { clock, timing, backend, log } = this.opts;
    const sentAtMs = clock.nowMs();
    const result = await backend.renewRound().catch((err: unknown): RoundResult => ({ kind: 'unreachable', reason: String(err) }));
    if (this.lost) return;
    const nowMs = clock.nowMs();
    // Checked before crediting the round: past the deadline the lease is over, even if the
    // deadline timer has not run yet (a busy event loop) and this round says "confirmed".
    if (nowMs >= this.deadlineMs) return this.end({ kind: 'deadlinePassed', deadlineMs: this.deadlineMs }, true);
    if (result.kind === 'gone') return this.end({ kind: 'goneOnServer', detail: result.detail }, true);
    if (result.kind === 'confirmed') {
      this.deadlineMs = extendDeadline(timing, this.deadlineMs, sentAtMs);
      this.armDeadlineTimer();
    } else {
      log.warn({ key: this.key, reason: result.reason, msLeft: Math.round(this.deadlineMs - nowMs) }, 'lease keepalive failed');
    }
    this.scheduleRound(nextRoundAtMs(timing, sentAtMs, nowMs, result.kind === 'confirmed'));
  }

  private end(reason: LeaseLostReason, revoke: boolean): void {
    if (this.lost) return;
    this.lost = reason;
    this.cancelDeadlineTimer();
    this.cancelRoundTimer();
    if (reason.kind !== 'released') this.opts.log.warn({ key: this.key, token: String(this.token), reason }, 'lease lost');
    // Best effort, so the next holder need not wait for the server-side TTL; usually fails
    // when we are partitioned, which is fine: the TTL then does the job.
    if (revoke) void this.opts.backend.revoke().catch(() => undefined);
    this.opts.onEnded?.(this);
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const cb of listeners) cb(reason);
  }
}
