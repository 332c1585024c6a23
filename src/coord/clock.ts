/**
 * Time as a port. Lease deadlines are measured on a MONOTONIC clock (performance.now), never on
 * the wall clock: NTP steps or an operator's `date -s` must not stretch or shrink a lease.
 * ManualClock lets unit tests (ours and the failover executor's) drive time by hand.
 */

export interface Clock {
  /** Monotonic milliseconds; only differences mean anything. */
  nowMs(): number;
  /** Runs `fn` once after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  nowMs: () => performance.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

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
