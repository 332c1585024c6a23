/**
 * Turns the per-round dnsperf results into the figures we publish: median qps per server and the
 * ratios between servers measured in the same round (never absolute timings across runs). Pure.
 *
 * Two metrics: queries per second (what a client sees), and queries per CPU-second of the server
 * process (qps ÷ the share of a core it used). The second holds up when other work on the machine
 * takes part of the server's core, which skews raw qps from one turn to the next.
 */
import { median, minMax } from '../lib/stats.ts';
import type { DnsperfResult } from './dnsperf.ts';

export interface Measurement {
  readonly round: number;
  readonly server: string;
  readonly result: DnsperfResult;
  /** Percent of one core: the server process (all threads), and the two pinned cores, whoever used them. */
  readonly cpu: { readonly serverProcess: number; readonly serverCore: number; readonly dnsperfCore: number };
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly perRound: readonly number[];
}

export interface ServerSummary {
  readonly name: string;
  readonly version: string;
  readonly qps: Spread;
  readonly qpsPerCpuSecond: Spread;
  readonly avgLatencyMs: Spread;
  readonly lost: { readonly total: number; readonly sent: number; readonly perRound: readonly number[] };
  readonly avgResponseBytes: number;
  readonly rcodesPercent: Readonly<Record<string, number>>;
  /** Medians over the rounds, percent of one core. */
  readonly cpuPercent: { readonly serverProcess: number; readonly serverCore: number; readonly dnsperfCore: number };
}

export type Metric = 'qps' | 'qpsPerCpuSecond';

/** `server` divided by `reference` in the same round; above 1 means `server` does better. */
export interface Ratio {
  readonly metric: Metric;
  readonly server: string;
  readonly reference: string;
  readonly perRound: readonly number[];
  readonly median: number;
}

export const REFERENCES = ['bind9', 'knot'] as const;

export function summarizeServer(name: string, version: string, measurements: readonly Measurement[]): ServerSummary {
  const own = measurements.filter((m) => m.server === name).sort((a, b) => a.round - b.round);
  if (own.length === 0) throw new Error(`no measurements for ${name}`);
  const lost = own.map((m) => m.result.lost);
  const last = own[own.length - 1]?.result as DnsperfResult;
  return {
    name,
    version,
    qps: spread(own.map((m) => m.result.qps)),
    qpsPerCpuSecond: spread(own.map((m) => m.result.qps / (m.cpu.serverProcess / 100))),
    avgLatencyMs: spread(own.map((m) => m.result.avgLatencyMs)),
    lost: { total: lost.reduce((a, b) => a + b, 0), sent: own.reduce((a, m) => a + m.result.sent, 0), perRound: lost },
    avgResponseBytes: last.avgResponseBytes,
    rcodesPercent: last.rcodes,
    cpuPercent: {
      serverProcess: median(own.map((m) => m.cpu.serverProcess)),
      serverCore: median(own.map((m) => m.cpu.serverCore)),
      dnsperfCore: median(own.map((m) => m.cpu.dnsperfCore)),
    },
  };
}

function spread(perRound: readonly number[]): Spread {
  return { median: median(perRound), ...minMax(perRound), perRound };
}

export function ratios(servers: readonly ServerSummary[]): Ratio[] {
  const byName = new Map(servers.map((s) => [s.name, s]));
  return (['qps', 'qpsPerCpuSecond'] as const).flatMap((metric) =>
    servers.flatMap((server) =>
      REFERENCES.filter((ref) => ref !== server.name && byName.has(ref)).map((reference) => {
        const ref = byName.get(reference)?.[metric].perRound ?? [];
        const perRound = server[metric].perRound.map((v, i) => v / (ref[i] as number));
        return { metric, server: server.name, reference, perRound, median: median(perRound) };
      }),
    ),
  );
}

export function renderTable(servers: readonly ServerSummary[], ratioList: readonly Ratio[]): string {
  const ratioOf = (metric: Metric, server: string, reference: string) =>
    fmtRatio(reference === server ? 1 : ratioList.find((r) => r.metric === metric && r.server === server && r.reference === reference)?.median);
  const throughput = table(
    ['server', 'qps median (min–max)', 'avg latency', 'lost/sent', 'resp bytes', 'server cpu', ...REFERENCES.map((r) => `qps vs ${r}`)],
    servers.map((s) => [
      s.name,
      `${fmtQps(s.qps.median)} (${fmtQps(s.qps.min)}–${fmtQps(s.qps.max)})`,
      `${s.avgLatencyMs.median.toFixed(3)} ms`,
      `${s.lost.total}/${s.lost.sent}`,
      String(s.avgResponseBytes),
      `${Math.round(s.cpuPercent.serverProcess)}%`,
      ...REFERENCES.map((ref) => ratioOf('qps', s.name, ref)),
    ]),
  );
  const perCpu = table(
    ['server', 'qps per cpu-second', ...REFERENCES.map((r) => `vs ${r}`)],
    servers.map((s) => [s.name, fmtQps(s.qpsPerCpuSecond.median), ...REFERENCES.map((ref) => ratioOf('qpsPerCpuSecond', s.name, ref))]),
  );
  // bind9/knot is knot/bind9 upside down: print each pair of references once.
  const shown = ratioList.filter((r) => !(isReference(r.server) && REFERENCES.indexOf(r.server) < REFERENCES.indexOf(r.reference as never)));
  const perRound = shown.map(
    (r) => `  ${r.metric === 'qps' ? 'qps        ' : 'qps per cpu'}  ${`${r.server}/${r.reference}`.padEnd(20)} ${r.perRound.map(fmtRatio).join(', ')}  → median ${fmtRatio(r.median)}`,
  );
  return [
    throughput,
    '',
    'queries per CPU-second of the server (steadier when other work shares the core):',
    perCpu,
    '',
    'ratios per round (measured side by side), median:',
    ...perRound,
  ].join('\n');
}

function isReference(name: string): name is (typeof REFERENCES)[number] {
  return (REFERENCES as readonly string[]).includes(name);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [header, ...rows].map(line).join('\n');
}

function fmtQps(qps: number): string {
  return Number.isFinite(qps) ? Math.round(qps).toLocaleString('en-US') : '–';
}

function fmtRatio(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '–' : ratio.toFixed(2);
}
