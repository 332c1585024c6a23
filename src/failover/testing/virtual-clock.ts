/** A clock for unit tests: sleep() advances virtual time at once, so waits cost no real time. */
import type { Clock } from '../ports.ts';

export class VirtualClock implements Clock {
  constructor(private now = 1_000_000) {}
  nowMs(): number {
    return this.now;
  }
  async sleep(ms: number): Promise<void> {
    this.now += Math.max(0, ms);
    await Promise.resolve();
  }
  /** Fires at once, moving time forward by `ms` (nothing here waits on timers). */
  after(ms: number, fn: () => void): () => void {
    void this.sleep(ms).then(fn);
    return () => {};
  }
  advance(ms: number): void {
    this.now += ms;
  }
}
