/**
 * How long to wait for a member's database to accept a connection, from what it did lately.
 *
 * A cut-off region drops packets: a connection attempt to it waits its whole connect timeout.
 * The coordinator contacts the lost primary several times on its way to a failover (two samples,
 * a heartbeat, the active fence, the rejoin mark) and each attempt used to cost the full second.
 * A member that did not answer a moment ago gets a short attempt instead: three times its usual
 * answer time (so a slow WAN member is not cut short), at least MIN_CONNECT_MS, never more than
 * the configured timeout. After SHORT_WINDOW_MS of silence it gets full attempts again, so a
 * member that came back slower than before is not kept out for good; and while silent it still
 * gets one full attempt every FULL_EVERY_MS: a member restarting on a busy host answered in 300-
 * 900 ms, every short attempt missed it, and it stayed "unreachable" for 15 s (chaos rounds).
 */
import { systemClock } from '../../common/clock.ts';
import type { DbTimeouts } from '../../data/index.ts';

const MIN_CONNECT_MS = 250;
const SHORT_WINDOW_MS = 15_000;
const FALLBACK_FULL_CONNECT_MS = 1000;
const FULL_EVERY_MS = 2000;

interface Seen {
  /** First failure of the current silence; undefined while it answers. */
  silentSinceMs?: number;
  /** Last failure of the current silence. */
  lastSilentMs?: number;
  /** Duration of its last answered observation (connect + queries). */
  answerMs?: number;
  /** When a full-length attempt was last handed out during this silence. */
  lastFullMs?: number;
}

export class Reachability {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly base: Partial<DbTimeouts> = {}, private readonly now: () => number = () => systemClock.nowMs()) {}

  /** The timeouts for the next contact with `region`'s database. */
  timeoutsFor(region: string): Partial<DbTimeouts> {
    const s = this.seen.get(region);
    const full = this.base.connectMs ?? FALLBACK_FULL_CONNECT_MS;
    const now = this.now();
    if (s?.silentSinceMs === undefined || now - s.silentSinceMs > SHORT_WINDOW_MS) return this.base;
    if (now - (s.lastFullMs ?? s.silentSinceMs) >= FULL_EVERY_MS) {
      s.lastFullMs = now;
      return this.base;
    }
    const usual = s.answerMs === undefined ? full : 3 * s.answerMs;
    return { ...this.base, connectMs: Math.min(full, Math.max(MIN_CONNECT_MS, Math.round(usual))) };
  }

  record(region: string, answered: boolean, tookMs: number): void {
    const s = this.seen.get(region) ?? {};
    if (answered) this.seen.set(region, { answerMs: tookMs });
    else this.seen.set(region, { ...s, silentSinceMs: s.silentSinceMs ?? this.now(), lastSilentMs: this.now() });
  }

  /** Milliseconds since `region` last failed to answer, while it is silent; undefined if it answers. */
  silentFor(region: string): number | undefined {
    const last = this.seen.get(region)?.lastSilentMs;
    return last === undefined ? undefined : this.now() - last;
  }

  /** Times `contact` and records whether the member answered. */
  async observe<T>(region: string, contact: () => Promise<T>, answered: (result: T) => boolean): Promise<T> {
    const started = this.now();
    const result = await contact();
    this.record(region, answered(result), this.now() - started);
    return result;
  }
}
