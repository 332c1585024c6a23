/**
 * The statistics part (b) reports over its drills: per system the median (p50) and max of
 * cut-to-shift, the Meridian/PowerDNS ratios, the TTLs answered and the client-observed estimate.
 * Pure functions of the per-round figures.
 */
import { median } from '../lib/stats.ts';
import type { ServerShift } from './measure.ts';

export interface ShiftSummary {
  /** Rounds in which the system shifted (the figures are over these). */
  readonly count: number;
  readonly p50Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export function summarize(values: readonly number[]): ShiftSummary | null {
  if (values.length === 0) return null;
  return { count: values.length, p50Ms: Math.round(median(values)), minMs: Math.min(...values), maxMs: Math.max(...values) };
}

/**
 * A system has shifted when none of its nameservers answers with the cut region any more: the
 * latest of its servers' shifts (a resolver may ask any of them). Null if one of them did not shift.
 */
export function systemShiftMs(shifts: readonly ServerShift[], system: string): number | null {
  const own = shifts.filter((s) => s.system === system);
  if (own.length === 0 || own.some((s) => s.shiftMs === null)) return null;
  return Math.max(...own.map((s) => s.shiftMs as number));
}

/** a / b to two decimals; null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}

export interface TtlRange {
  readonly min: number;
  readonly max: number;
}

export function ttlRange(ttls: readonly number[]): TtlRange | null {
  return ttls.length === 0 ? null : { min: Math.min(...ttls), max: Math.max(...ttls) };
}

/**
 * What a client behind a caching resolver sees at worst: the server's last stale answer, cached
 * for its full TTL. So client-observed shift ≤ server shift + TTL (the largest TTL answered).
 */
export function clientObservedMs(serverShiftMs: number, ttl: TtlRange | null): number {
  return serverShiftMs + (ttl?.max ?? 0) * 1000;
}
