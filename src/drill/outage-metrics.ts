/**
 * The measures of a region-outage drill, each a pure function of the recorded history.
 * Conventions (docs/drills.md): every duration is relative to the cut (or, for the return, to the
 * heal) in milliseconds; a watcher sample belongs to a phase by the time it was SENT (it reflects
 * the server's state from then on) and is dated by the time its answer arrived; a request belongs
 * to a phase, and is dated, by the time it STARTED. Missing values are null (JSON has no undefined).
 */
import type { FaultTimeline, LoadOp, ResolverExchange, WatcherSample } from './types.ts';

export type Phase = 'before' | 'during' | 'after';
export type PhaseCounts = Record<Phase, number>;
export type AddressRegions = Readonly<Record<string, string>>;

/** before: [start, cut); during: [cut, heal); after: [heal, …). */
export function phaseOf(atMs: number, timeline: FaultTimeline): Phase {
  if (atMs < timeline.cutAtMs) return 'before';
  return atMs < timeline.healAtMs ? 'during' : 'after';
}

export function mentionsRegion(addresses: readonly string[] | undefined, region: string, regions: AddressRegions): boolean {
  return (addresses ?? []).some((a) => regions[a] === region);
}

const maxOf = (values: readonly number[]): number | null => (values.length === 0 ? null : Math.max(...values));
const minOf = (values: readonly number[]): number | null => (values.length === 0 ? null : Math.min(...values));

export interface NameserverShift {
  readonly server: string;
  readonly region: string;
  /** This is the cut region's own agent: unreachable while cut, so it does not count. */
  readonly cutRegion: boolean;
  readonly answersDuringCut: number;
  readonly failuresDuringCut: number;
  /** Cut → arrival of the last answer (sent before the heal) that still contained the cut region. */
  readonly lastAnswerWithRegionMs: number | null;
  /** The last answer sent before the heal did not contain the cut region. */
  readonly shifted: boolean;
  /** What its last answer during the cut was, for the record (the cut region's agent's view). */
  readonly lastAnswer: readonly string[] | null;
}

export function nameserverShift(
  server: { server: string; region: string },
  samples: readonly WatcherSample[],
  cutRegion: string,
  timeline: FaultTimeline,
  regions: AddressRegions,
): NameserverShift {
  const during = samples
    .filter((s) => s.server === server.server && phaseOf(s.sentAtMs, timeline) === 'during')
    .sort((a, b) => a.atMs - b.atMs);
  const answers = during.filter((s) => s.addresses !== undefined);
  const withRegion = answers.filter((s) => mentionsRegion(s.addresses, cutRegion, regions));
  const last = answers.at(-1);
  return {
    server: server.server,
    region: server.region,
    cutRegion: server.region === cutRegion,
    answersDuringCut: answers.length,
    failuresDuringCut: during.length - answers.length,
    lastAnswerWithRegionMs: maxOf(withRegion.map((s) => s.atMs - timeline.cutAtMs)),
    shifted: last !== undefined && !mentionsRegion(last.addresses, cutRegion, regions),
    lastAnswer: last?.addresses ?? null,
  };
}

export interface ClientErrorWindow {
  /** Start of the first failed request, clamped to the cut (a request in flight at the cut). */
  readonly firstErrorMs: number | null;
  /** Start of the last failed request before the heal. */
  readonly lastErrorMs: number | null;
  readonly durationMs: number;
  readonly failedOps: number;
}

/** Failed requests in flight at the cut or started during it. */
export function clientErrorWindow(ops: readonly LoadOp[], timeline: FaultTimeline): ClientErrorWindow {
  const failed = ops.filter((o) => !o.ok && o.endMs > timeline.cutAtMs && o.startMs < timeline.healAtMs);
  const starts = failed.map((o) => Math.max(0, o.startMs - timeline.cutAtMs));
  const first = minOf(starts);
  const last = maxOf(starts);
  return { firstErrorMs: first, lastErrorMs: last, durationMs: first === null || last === null ? 0 : last - first, failedOps: failed.length };
}

const zero = (): PhaseCounts => ({ before: 0, during: 0, after: 0 });

/** Successful requests per serving region (from the response body) and phase; `unknown` if the body did not say. */
export function requestsPerRegion(ops: readonly LoadOp[], timeline: FaultTimeline, knownRegions: readonly string[]): Record<string, PhaseCounts> {
  const table: Record<string, PhaseCounts> = Object.fromEntries(knownRegions.map((r) => [r, zero()]));
  for (const op of ops.filter((o) => o.ok)) {
    const counts = (table[op.region ?? 'unknown'] ??= zero());
    counts[phaseOf(op.startMs, timeline)] += 1;
  }
  return Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
}

export function countByPhase(ops: readonly LoadOp[], timeline: FaultTimeline, keep: (op: LoadOp) => boolean): PhaseCounts {
  const counts = zero();
  for (const op of ops.filter(keep)) counts[phaseOf(op.startMs, timeline)] += 1;
  return counts;
}

export interface ClientShift {
  /** Cut → arrival of the last answer the client's resolver got (before the heal) containing the cut region. */
  readonly lastAnswerWithRegionMs: number | null;
  /**
   * Cut → when the last answer containing the cut region (received before the heal, possibly
   * before the cut) ran out of TTL; 0 if already expired at the cut. After this a correct client
   * never picks the cut region.
   */
  readonly cachedUntilMs: number | null;
  /** Cut → start of the last request sent to an address of the cut region (before the heal). */
  readonly lastRequestToRegionMs: number | null;
  /** Requests sent to the cut region's addresses while it was cut. */
  readonly requestsToRegion: number;
}

export function clientShift(
  ops: readonly LoadOp[],
  exchanges: readonly ResolverExchange[],
  cutRegion: string,
  timeline: FaultTimeline,
  regions: AddressRegions,
): ClientShift {
  const cut = timeline.cutAtMs;
  // Answers from before the cut count for the cache: one received just before it stays usable for its TTL.
  const answers = exchanges.filter((e) => e.atMs < timeline.healAtMs && mentionsRegion(e.addresses, cutRegion, regions));
  const expiries = answers.map((e) => e.atMs + (e.ttl ?? 0) * 1000 - cut);
  const toRegion = ops.filter(
    (o) => phaseOf(o.startMs, timeline) === 'during' && o.address !== undefined && regions[o.address] === cutRegion,
  );
  return {
    lastAnswerWithRegionMs: maxOf(answers.filter((e) => e.atMs >= cut).map((e) => e.atMs - cut)),
    cachedUntilMs: expiries.length === 0 ? null : Math.max(0, ...expiries),
    lastRequestToRegionMs: maxOf(toRegion.map((o) => o.startMs - cut)),
    requestsToRegion: toRegion.length,
  };
}

export interface TimeToReturn {
  /** Heal → arrival of the first answer from a surviving nameserver containing the region again. */
  readonly dnsMs: number | null;
  /** Heal → start of the first request the region served again. */
  readonly clientMs: number | null;
}

export function timeToReturn(
  ops: readonly LoadOp[],
  samples: readonly WatcherSample[],
  cutRegion: string,
  timeline: FaultTimeline,
  regions: AddressRegions,
): TimeToReturn {
  const heal = timeline.healAtMs;
  const back = samples.filter(
    (s) => s.region !== cutRegion && s.sentAtMs >= heal && mentionsRegion(s.addresses, cutRegion, regions),
  );
  const served = ops.filter((o) => o.ok && o.region === cutRegion && o.startMs >= heal);
  return {
    dnsMs: minOf(back.map((s) => s.atMs - heal)),
    clientMs: minOf(served.map((o) => o.startMs - heal)),
  };
}

export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Latency (start → end, name resolution included) of successful requests per phase: an outage
 * a client survives by waiting out a dead nameserver's timeout shows here, not as an error.
 * Nearest-rank percentiles; null for a phase without successful requests.
 */
export function latencyByPhase(ops: readonly LoadOp[], timeline: FaultTimeline): Record<Phase, LatencySummary | null> {
  const summary = (phase: Phase): LatencySummary | null => {
    const sorted = ops
      .filter((o) => o.ok && phaseOf(o.startMs, timeline) === phase)
      .map((o) => o.endMs - o.startMs)
      .sort((a, b) => a - b);
    if (sorted.length === 0) return null;
    const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
    return { p50: rank(0.5), p99: rank(0.99), max: sorted.at(-1)! };
  };
  return { before: summary('before'), during: summary('during'), after: summary('after') };
}
