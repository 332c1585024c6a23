/**
 * ManualClock: a Clock (src/common/clock.ts, monotonic) that lets unit tests drive time by hand.
 */

import type { Clock } from '../common/clock.ts';

export { systemClock, type Clock } from '../common/clock.ts';

interface PendingTimer {
  readonly id: number;
  readonly dueMs: number;
  readonly fn: () => void;
}

/** A clock that only moves when told to. Timers fire in due order inside `advance`. */
export class ManualClock implements Clock {
  private now: number;
  private nextId = 0;
  private timers: PendingTimer[] = [];

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  /** Resolves when `advance` reaches `ms` from now. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const cancel = this.after(ms, resolve);
      signal?.addEventListener('abort', () => {
        cancel();
        reject(signal.reason);
      }, { once: true });
    });
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { id: this.nextId++, dueMs: this.now + Math.max(0, ms), fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t.id !== timer.id);
    };
  }

  /** Number of timers still waiting (tests use it to check nothing leaks). */
  pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in order. Between timers it
   * lets promise callbacks run, so async work a timer started (a keepalive) settles at that
   * instant of simulated time, as it would with a fast network.
   */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.dueMs <= target).sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t.id !== due.id);
      this.now = Math.max(this.now, due.dueMs);
      due.fn();
      await settle();
    }
    this.now = target;
    await settle();
  }
}

/** Lets every queued promise callback (and those they queue) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
