/**
 * Turns the per-round dnsperf results into the figures we publish: median qps per server and the
 * ratios between servers measured in the same round (never absolute timings across runs). Pure.
 */
import { median, minMax } from '../lib/stats.ts';
import type { DnsperfResult } from './dnsperf.ts';

export interface Measurement {
  readonly round: number;
  readonly server: string;
  readonly result: DnsperfResult;
}

export interface ServerSummary {
  readonly name: string;
  readonly version: string;
  readonly qps: { readonly median: number; readonly min: number; readonly max: number; readonly perRound: readonly number[] };
  readonly avgLatencyMs: { readonly median: number; readonly perRound: readonly number[] };
  readonly lost: { readonly total: number; readonly sent: number; readonly perRound: readonly number[] };
  readonly avgResponseBytes: number;
  readonly rcodesPercent: Readonly<Record<string, number>>;
}

/** `server` qps divided by `reference` qps in the same round; above 1 means `server` is faster. */
export interface Ratio {
  readonly server: string;
  readonly reference: string;
  readonly perRound: readonly number[];
  readonly median: number;
}

export const REFERENCES = ['bind9', 'knot'] as const;

export function summarizeServer(name: string, version: string, measurements: readonly Measurement[]): ServerSummary {
  const own = measurements.filter((m) => m.server === name).sort((a, b) => a.round - b.round);
  if (own.length === 0) throw new Error(`no measurements for ${name}`);
  const qps = own.map((m) => m.result.qps);
  const latency = own.map((m) => m.result.avgLatencyMs);
  const lost = own.map((m) => m.result.lost);
  const last = own[own.length - 1]?.result as DnsperfResult;
  return {
    name,
    version,
    qps: { median: median(qps), ...minMax(qps), perRound: qps },
    avgLatencyMs: { median: median(latency), perRound: latency },
    lost: { total: lost.reduce((a, b) => a + b, 0), sent: own.reduce((a, m) => a + m.result.sent, 0), perRound: lost },
    avgResponseBytes: last.avgResponseBytes,
    rcodesPercent: last.rcodes,
  };
}

export function ratios(servers: readonly ServerSummary[]): Ratio[] {
  const byName = new Map(servers.map((s) => [s.name, s]));
  return servers.flatMap((server) =>
    REFERENCES.filter((ref) => ref !== server.name && byName.has(ref)).map((reference) => {
      const refQps = byName.get(reference)?.qps.perRound ?? [];
      const perRound = server.qps.perRound.map((q, i) => q / (refQps[i] as number));
      return { server: server.name, reference, perRound, median: median(perRound) };
    }),
  );
}

export function renderTable(servers: readonly ServerSummary[], ratioList: readonly Ratio[]): string {
  const ratioOf = (server: string, reference: string) => ratioList.find((r) => r.server === server && r.reference === reference);
  const header = ['server', 'qps median (min–max)', 'avg latency', 'lost', 'resp bytes', ...REFERENCES.map((r) => `vs ${r}`)];
  const rows = servers.map((s) => [
    s.name,
    `${fmtQps(s.qps.median)} (${fmtQps(s.qps.min)}–${fmtQps(s.qps.max)})`,
    `${s.avgLatencyMs.median.toFixed(3)} ms`,
    `${s.lost.total}/${s.lost.sent}`,
    String(s.avgResponseBytes),
    ...REFERENCES.map((ref) => (ref === s.name ? '1' : fmtRatio(ratioOf(s.name, ref)?.median))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const perRound = ratioList.map((r) => `  ${r.server}/${r.reference}: per round ${r.perRound.map(fmtRatio).join(', ')}; median ${fmtRatio(r.median)}`);
  return [line(header), ...rows.map(line), '', 'ratios (qps, same round):', ...perRound].join('\n');
}

function fmtQps(qps: number): string {
  return Math.round(qps).toLocaleString('en-US');
}

function fmtRatio(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '–' : ratio.toFixed(2);
}
