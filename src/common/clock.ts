/**
 * Time as a port, one definition for every concept. `nowMs` is MONOTONIC (performance.now)
 * anchored to the epoch at process start: lease deadlines, waits and grace periods must not
 * stretch or shrink when NTP or an operator steps the wall clock, and the value still reads as
 * a date in records people look at. Tests drive time by hand (coord's ManualClock, failover's
 * VirtualClock). Drills, the failover, the coordination store and the agents all use this one.
 */
export interface Clock {
  /** Monotonic milliseconds; differences are exact. */
  nowMs(): number;
  /** Resolves after `ms`; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Runs `fn` once after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  // Whole milliseconds: records and reports carry them, and a lease needs no finer grain.
  nowMs: () => Math.round(performance.timeOrigin + performance.now()),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  after: (ms, fn) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};
