/**
 * The local lease deadline, as pure arithmetic (no clock, no I/O).
 *
 * A holder must stop acting on its lease without hearing anything from etcd: a partitioned
 * holder hears nothing. So it keeps its own deadline on its own monotonic clock:
 *
 *   deadline = (send time of the newest keepalive round that was confirmed) + TTL − margin
 *
 * WHY THE SEND TIME: etcd renewed the lease at some instant between our send and the ack, so the
 * server-side expiry is at least `send + TTL`. Counting from the ack instead would credit us with
 * the time the answer spent travelling back (unbounded on a slow or congested link) and could
 * leave us believing we hold the lease after etcd has expired it and granted it to someone else.
 * The margin absorbs clock-rate drift between our host and the etcd leader and late timers.
 */

export interface LeaseTiming {
  readonly ttlMs: number;
  /** Subtracted from every deadline; see safetyMarginMs(). */
  readonly marginMs: number;
  /** Period of keepalive rounds. */
  readonly keepaliveEveryMs: number;
  /** Each keepalive request gives up after this long, so a round never outlives its period. */
  readonly requestTimeoutMs: number;
}

/** Default safety margin: 10% of the TTL, at least 100 ms, at most 1 s. */
export function safetyMarginMs(ttlMs: number): number {
  return Math.min(1000, Math.max(100, Math.round(ttlMs / 10)));
}

/**
 * Keepalive every TTL/3 (what the official Go client does): two rounds can fail in a row and the
 * lease still survives. The margin must leave room for at least one full round.
 */
export function leaseTiming(ttlMs: number, marginMs = safetyMarginMs(ttlMs)): LeaseTiming {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new Error(`lease TTL must be positive, got ${ttlMs}`);
  if (marginMs < 0 || marginMs >= ttlMs / 2) {
    throw new Error(`lease safety margin ${marginMs}ms must be in [0, TTL/2) for TTL ${ttlMs}ms`);
  }
  const keepaliveEveryMs = Math.max(1, Math.floor(ttlMs / 3));
  return { ttlMs, marginMs, keepaliveEveryMs, requestTimeoutMs: Math.max(1, Math.floor(keepaliveEveryMs / 2)) };
}

/** Deadline credited by one confirmed round whose request left at `sentAtMs`. */
export function deadlineAfterRound(timing: LeaseTiming, sentAtMs: number): number {
  return sentAtMs + timing.ttlMs - timing.marginMs;
}

/**
 * New deadline after a confirmed round. Never moves backwards: confirmations of overlapping or
 * reordered rounds only ever extend it to the newest send time.
 */
export function extendDeadline(timing: LeaseTiming, currentDeadlineMs: number, sentAtMs: number): number {
  return Math.max(currentDeadlineMs, deadlineAfterRound(timing, sentAtMs));
}

/** When to start the next round: on cadence after success, sooner after a failed one. */
export function nextRoundAtMs(timing: LeaseTiming, sentAtMs: number, nowMs: number, succeeded: boolean): number {
  const step = succeeded ? timing.keepaliveEveryMs : Math.max(1, Math.floor(timing.keepaliveEveryMs / 3));
  return Math.max(nowMs, sentAtMs + step);
}
