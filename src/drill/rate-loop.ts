/**
 * The fixed-rate, bounded-concurrency loop under the drills' load clients: it starts one
 * operation every 1/rate seconds, keeps at most `maxInFlight` of them running, and counts a slot
 * that finds the limit reached in `skipped` instead of queueing it (a queue would send a burst
 * later and bend the measured rate). Slot n is due at start + n·period, so a late timer does not
 * lower the rate. It stops on `stop()` or after `maxDurationMs`, whichever comes first.
 */
import { systemClock, type Clock } from './clock.ts';

export interface RateLoopOptions {
  /** Operations started per second, in (0, 1000]. */
  readonly rate: number;
  /** Operations in flight at most; a slot that finds this many is counted in `skipped`. */
  readonly maxInFlight: number;
  /** The loop stops starting operations on its own after this long, whatever happens to its caller. @default 600000 */
  readonly maxDurationMs?: number;
  readonly clock?: Clock;
}

export class RateLoop {
  /** Slots that found maxInFlight operations running: the client's saturation, not the service's errors. */
  skipped = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly periodMs: number;
  private readonly clock: Clock;
  private stopping: AbortController | undefined;

  /** `operation` is started once per free slot; it should not reject (a rejection is dropped). */
  constructor(private readonly operation: () => Promise<unknown>, private readonly options: RateLoopOptions) {
    const { rate } = options;
    if (!(rate > 0 && rate <= 1000)) throw new Error(`rate must be in (0, 1000], got ${rate}`);
    this.periodMs = 1000 / rate;
    this.clock = options.clock ?? systemClock;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.stopping && !this.stopping.signal.aborted) return;
    this.stopping = new AbortController();
    void this.run(this.stopping.signal);
  }

  /** Stops starting operations and waits for the ones in flight. */
  async stop(): Promise<void> {
    this.stopping?.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Counts `work` as in flight until it settles (also work started outside the schedule). */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.then(
      () => this.inFlight.delete(work),
      () => this.inFlight.delete(work),
    );
    return work;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const startedAt = this.clock.nowMs();
    const endAt = startedAt + (this.options.maxDurationMs ?? 600_000);
    for (let slot = 0; ; slot += 1) {
      const dueAt = startedAt + slot * this.periodMs;
      if (dueAt >= endAt) return;
      try {
        await this.clock.sleep(Math.max(0, dueAt - this.clock.nowMs()), signal);
      } catch {
        return; // stopped
      }
      if (signal.aborted) return;
      this.fill();
    }
  }

  private fill(): void {
    if (this.inFlight.size >= this.options.maxInFlight) {
      this.skipped += 1;
      return;
    }
    this.track(this.operation()).catch(() => {});
  }
}
