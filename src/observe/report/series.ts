/**
 * Time series for the drill HTML report, computed from the recorded history. Pure. Requests are
 * bucketed by start time (the drill's convention, docs/drills.md); DNS answers become segments
 * per nameserver, one per run of identical answers, by the time each query was sent.
 */
import type { LoadOpRecord as LoadOp, NameserverRecord as Nameserver, RegionEndpointsRecord as RegionEndpoints, WatcherSampleRecord as WatcherSample } from './inputs.ts';

export interface RequestBucket {
  readonly startMs: number;
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  /** Served requests per region that served them. */
  readonly perRegion: Readonly<Record<string, number>>;
  /** Latency of served requests (DNS included), ms; null without any. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

/** A bucket width of 1, 2 or 5 × 10^k ms giving at most about `target` buckets. */
export function bucketWidthMs(spanMs: number, target = 90): number {
  const raw = Math.max(1, spanMs / target);
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((w) => w >= raw) ?? 10 * power;
}

export function requestBuckets(ops: readonly LoadOp[], startMs: number, endMs: number, bucketMs: number): RequestBucket[] {
  const count = Math.max(1, Math.ceil((endMs - startMs) / bucketMs));
  const slots = Array.from({ length: count }, () => [] as LoadOp[]);
  for (const op of ops) {
    const i = Math.floor((op.startMs - startMs) / bucketMs);
    if (i >= 0 && i < count) slots[i]!.push(op);
  }
  return slots.map((list, i) => {
    const served = list.filter((o) => o.ok);
    const perRegion: Record<string, number> = {};
    for (const o of served) perRegion[o.region ?? 'unknown'] = (perRegion[o.region ?? 'unknown'] ?? 0) + 1;
    const latencies = served.map((o) => o.endMs - o.startMs).sort((a, b) => a - b);
    return {
      startMs: startMs + i * bucketMs,
      total: list.length,
      ok: served.length,
      failed: list.length - served.length,
      perRegion,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
    };
  });
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export interface AnswerRun {
  readonly fromMs: number;
  readonly toMs: number;
  /** `ra+rb` (regions answered, sorted), `empty`, or `error: timeout`. */
  readonly label: string;
  readonly samples: number;
}

/** A nameserver's key in the watcher's records: `address:port`, IPv6 in brackets (as the drill writes it). */
const serverKey = (ns: Nameserver) => (ns.address.includes(':') ? `[${ns.address}]:${ns.port}` : `${ns.address}:${ns.port}`);

const addressRegions = (endpoints: readonly RegionEndpoints[]): Readonly<Record<string, string>> =>
  Object.fromEntries(endpoints.flatMap((e) => e.addresses.map((a) => [a, e.region] as const)));

/** Runs of identical answers per nameserver, in the nameservers' order. */
export function answerRuns(
  samples: readonly WatcherSample[],
  nameservers: readonly Nameserver[],
  endpoints: readonly RegionEndpoints[],
  endMs: number,
): { readonly nameserver: Nameserver; readonly runs: readonly AnswerRun[] }[] {
  const regions = addressRegions(endpoints);
  return nameservers.map((ns) => {
    const mine = samples.filter((s) => s.server === serverKey(ns)).sort((a, b) => a.sentAtMs - b.sentAtMs);
    const runs: AnswerRun[] = [];
    mine.forEach((s, i) => {
      const label = s.addresses === undefined
        ? `error: ${s.error ?? 'unknown'}`
        : [...new Set(s.addresses.map((a) => regions[a] ?? a))].sort().join('+') || 'empty';
      const toMs = mine[i + 1]?.sentAtMs ?? Math.min(endMs, s.atMs);
      const last = runs.at(-1);
      if (last && last.label === label) runs[runs.length - 1] = { ...last, toMs, samples: last.samples + 1 };
      else runs.push({ fromMs: s.sentAtMs, toMs: Math.max(toMs, s.sentAtMs), label, samples: 1 });
    });
    return { nameserver: ns, runs };
  });
}
