/**
 * The longest write gap of a round (pure): the longest time between two acknowledged writes of the
 * main client that touches the round. The gap that spans the round's start counts (it began with
 * the last ack before the round); when writes had not resumed by the round's end, the gap runs to
 * the end and is `open`.
 */

export interface WriteGap {
  readonly gapMs: number;
  /** The ack that opened the gap (the round's start when there was none before). */
  readonly fromMs: number;
  /** The ack that closed it, or the round's end when `open`. */
  readonly toMs: number;
  /** No ack closed it before the round ended. */
  readonly open: boolean;
}

export function longestWriteGap(ackTimesMs: readonly number[], window: { readonly fromMs: number; readonly toMs: number }): WriteGap {
  const sorted = [...ackTimesMs].sort((a, b) => a - b);
  const before = sorted.filter((t) => t < window.fromMs).at(-1);
  const inside = sorted.filter((t) => t >= window.fromMs && t <= window.toMs);
  const points = [before ?? window.fromMs, ...inside];
  let best: WriteGap = { gapMs: 0, fromMs: points[0]!, toMs: points[0]!, open: false };
  for (let i = 1; i < points.length; i += 1) {
    const gapMs = points[i]! - points[i - 1]!;
    if (gapMs > best.gapMs) best = { gapMs, fromMs: points[i - 1]!, toMs: points[i]!, open: false };
  }
  const last = points.at(-1)!;
  if (window.toMs - last > best.gapMs) best = { gapMs: window.toMs - last, fromMs: last, toMs: window.toMs, open: true };
  return best;
}
