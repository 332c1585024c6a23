/**
 * The production load source: a Prometheus instant query (`GET /api/v1/query`) that returns
 * requests/s with one series per region. `parseVector` is pure (table-tested); `queryLoad` is the
 * adapter: Node's fetch, a deadline, each URL in turn until one answers.
 */
import { describeError } from '../common/errors.ts';

export type VectorParse =
  | { readonly kind: 'ok'; readonly rps: ReadonlyMap<string, number>; readonly ignored: readonly string[] }
  | { readonly kind: 'error'; readonly reason: string };

/**
 * An instant vector's samples by region. Series of one region are summed (a query without
 * `sum by (region)` still works); a series without the label, or naming no region of the
 * topology, is ignored and named; NaN and infinite values are refused (a rate of nothing).
 */
export function parseVector(body: unknown, regionLabel: string, regions: readonly string[]): VectorParse {
  const doc = body as { status?: unknown; error?: unknown; data?: { resultType?: unknown; result?: unknown } } | null;
  if (doc?.status === 'error') return { kind: 'error', reason: `Prometheus refused the query: ${String(doc.error ?? 'no reason given')}` };
  if (doc?.status !== 'success' || !doc.data) return { kind: 'error', reason: 'not a Prometheus query answer (no status "success")' };
  if (doc.data.resultType !== 'vector' || !Array.isArray(doc.data.result)) {
    return { kind: 'error', reason: `the query returns a ${String(doc.data.resultType)}, not an instant vector with one series per region` };
  }
  const rps = new Map<string, number>();
  const ignored: string[] = [];
  for (const sample of doc.data.result as { metric?: Record<string, string>; value?: [unknown, unknown] }[]) {
    const region = sample.metric?.[regionLabel];
    const value = Number(sample.value?.[1]);
    if (region === undefined || !regions.includes(region)) {
      ignored.push(region === undefined ? `a series without ${regionLabel}` : `${regionLabel}="${region}"`);
      continue;
    }
    if (!Number.isFinite(value) || value < 0) return { kind: 'error', reason: `the series of ${region} has value ${String(sample.value?.[1])}, not requests/s` };
    rps.set(region, (rps.get(region) ?? 0) + value);
  }
  return { kind: 'ok', rps, ignored };
}

export interface LoadQuery {
  readonly urls: readonly string[];
  readonly query: string;
  readonly regionLabel: string;
  readonly regions: readonly string[];
  readonly timeoutMs: number;
}

/** Asks each URL in turn; the first answer wins. Never throws: a failure is a reason naming every URL tried. */
export async function queryLoad(q: LoadQuery, fetchFn: typeof fetch = fetch): Promise<VectorParse> {
  const failures: string[] = [];
  for (const base of q.urls) {
    const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
    url.searchParams.set('query', q.query);
    try {
      const res = await fetchFn(url, { signal: AbortSignal.timeout(q.timeoutMs), headers: { accept: 'application/json' } });
      const body: unknown = await res.json().catch(() => null);
      // Prometheus answers 400/422 with a JSON error: the query is wrong, another server would say the same.
      if (body && typeof body === 'object' && 'status' in body) return parseVector(body, q.regionLabel, q.regions);
      failures.push(`${base}: status ${res.status}`);
    } catch (err) {
      failures.push(`${base}: ${describeError(err)}`);
    }
  }
  return { kind: 'error', reason: `no Prometheus answered (${failures.join('; ')})` };
}
