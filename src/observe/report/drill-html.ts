/**
 * The drill report as one self-contained HTML page (inline CSS and SVG, no script, nothing
 * fetched): the verdict and key numbers, every check, and charts over time with the cut and
 * heal marked. Pure: the report and recorded history in, HTML text out. Database drills add
 * replication lag and runbook steps through `dataStore` (rendered when given).
 */
import type { OutageHistoryInput as OutageHistory, OutageReportInput as OutageReport } from './inputs.ts';
import { answerRuns, bucketWidthMs, requestBuckets } from './series.ts';
import { escapeXml, stripChart, valueChart, type Mark, type StripRow, type TimeAxis } from './svg.ts';

export interface ReplicationLagSample {
  readonly atMs: number;
  readonly store: string;
  /** Region of the replica. */
  readonly region: string;
  readonly seconds?: number;
  readonly bytes?: number;
}

export interface RunbookStepRecord {
  readonly runbook: string;
  readonly step: string;
  readonly result: 'started' | 'ok' | 'failed' | 'skipped';
  readonly startedAtMs?: number;
  readonly endedAtMs?: number;
  readonly detail?: string;
}

/** What a database drill adds: lag samples over time (with the RPO line) and the runbook's steps. */
export interface DataStoreTrack {
  readonly replicationLag?: readonly ReplicationLagSample[];
  readonly rpoMs?: number;
  readonly runbookSteps?: readonly RunbookStepRecord[];
}

export interface OutageHtmlInput {
  readonly report: OutageReport;
  readonly history: OutageHistory;
  readonly dataStore?: DataStoreTrack;
}

export const PALETTE = ['#4e79a7', '#f28e2b', '#76b7b2', '#59a14f', '#b07aa1', '#edc948', '#9c755f', '#ff9da7'];
const FAILED = '#c62828';
const ERROR_GREY = '#9e9e9e';
const STEP_COLORS = { ok: '#2e7d32', failed: FAILED, skipped: '#bdbdbd', started: '#f9a825' } as const;

export function renderOutageReportHtml(input: OutageHtmlInput): string {
  const { report: r, history: h } = input;
  const t = h.timeline;
  const axis: TimeAxis = {
    startMs: t.startMs,
    endMs: t.endMs,
    zeroMs: t.cutAtMs,
    zeroLabel: 'cut',
    marks: [
      { atMs: t.cutAtMs, label: `cut ${r.region}`, color: FAILED },
      { atMs: t.healAtMs, label: 'heal', color: '#2e7d32' },
      ...(t.restoredAtMs !== undefined ? [{ atMs: t.restoredAtMs, label: 'back in DNS', color: '#1565c0' } satisfies Mark] : []),
    ],
  };
  const regions = [...new Set(h.endpoints.map((e) => e.region))];
  const colorOf = (region: string) => PALETTE[Math.max(0, regions.indexOf(region)) % PALETTE.length] as string;
  const bucketMs = bucketWidthMs(t.endMs - t.startMs);
  const buckets = requestBuckets(h.ops, t.startMs, t.endMs, bucketMs);
  const mid = (b: { startMs: number }) => b.startMs + bucketMs / 2;
  const sections = [
    valueChart({
      title: `Request success rate (per ${bucketMs} ms, by start time)`,
      axis,
      yLabel: 'success',
      yMax: 1,
      format: (v) => `${Math.round(v * 100)}%`,
      lines: [{ name: 'served / sent', color: '#1d2330', points: buckets.map((b) => ({ atMs: mid(b), value: b.total > 0 ? b.ok / b.total : null })) }],
    }),
    valueChart({
      title: 'Latency of served requests (DNS resolution included)',
      axis,
      yLabel: 'ms',
      lines: [
        { name: 'p50', color: '#4e79a7', points: buckets.map((b) => ({ atMs: mid(b), value: b.p50Ms })) },
        { name: 'p99', color: '#e15759', points: buckets.map((b) => ({ atMs: mid(b), value: b.p99Ms })) },
      ],
    }),
    valueChart({
      title: `Requests per region that served them (per ${bucketMs} ms)`,
      axis,
      yLabel: 'requests',
      bars: {
        buckets: buckets.map((b) => b.startMs),
        bucketMs,
        series: [
          ...regions.map((region) => ({ name: region, color: colorOf(region), values: buckets.map((b) => b.perRegion[region] ?? 0) })),
          { name: 'failed', color: FAILED, values: buckets.map((b) => b.failed) },
        ],
      },
    }),
    dnsChart(h, axis, colorOf),
    ...(input.dataStore?.replicationLag?.length ? [replicationLagChart(input.dataStore.replicationLag, axis, input.dataStore.rpoMs)] : []),
    ...(input.dataStore?.runbookSteps?.length ? [runbookChart(input.dataStore.runbookSteps, axis)] : []),
  ];
  return reportPage({
    title: `Region-outage drill: ${r.region} cut`,
    pass: r.pass,
    subtitle: `${r.fqdn} - started ${r.timeline.startedAt}, cut for ${seconds(r.timeline.outageMs)}, ${seconds(r.timeline.totalMs)} in all`,
    body: [keyNumbers(r), checksList(r.checks), ...sections, nameserverTable(r)].join('\n'),
  });
}

function dnsChart(h: OutageHistory, axis: TimeAxis, colorOf: (region: string) => string): string {
  const perNs = answerRuns(h.watcherLog, h.nameservers, h.endpoints, h.timeline.endMs);
  const labels = [...new Set(perNs.flatMap((n) => n.runs.map((r) => r.label)))].sort();
  const multi = ['#6a3d9a', '#1f78b4', '#33a02c', '#b15928', '#a6cee3', '#fb9a99'];
  const colors = new Map(labels.map((label, i) => [label, label.startsWith('error') ? ERROR_GREY : label === 'empty' ? '#e0e0e0' : label.includes('+') ? (multi[i % multi.length] as string) : colorOf(label)]));
  const rows: StripRow[] = perNs.map(({ nameserver, runs }) => ({
    label: `${nameserver.region} ns`,
    segments: runs.map((run) => ({ fromMs: run.fromMs, toMs: run.toMs, label: run.label, color: colors.get(run.label) ?? ERROR_GREY, note: `${run.samples} answers` })),
  }));
  return stripChart({ title: 'DNS answers per nameserver (regions in the answer, queried directly)', axis, rows, legend: labels.map((name) => ({ name, color: colors.get(name) ?? ERROR_GREY })) });
}

/** Lag per store/replica over time, with the RPO as a line. */
export function replicationLagChart(samples: readonly ReplicationLagSample[], axis: TimeAxis, rpoMs?: number): string {
  const keys = [...new Set(samples.map((s) => `${s.store} ${s.region}`))].sort();
  const lines = keys.map((key, i) => ({
    name: key,
    color: PALETTE[i % PALETTE.length] as string,
    points: samples.filter((s) => `${s.store} ${s.region}` === key).sort((a, b) => a.atMs - b.atMs).map((s) => ({ atMs: s.atMs, value: s.seconds ?? null })),
  }));
  if (rpoMs !== undefined && rpoMs > 0) lines.push({ name: 'RPO', color: FAILED, points: [{ atMs: axis.startMs, value: rpoMs / 1000 }, { atMs: axis.endMs, value: rpoMs / 1000 }] });
  return valueChart({ title: 'Replication lag per replica', axis, yLabel: 'seconds', lines });
}

/** One row per runbook step, colored by result; steps without an end run to the chart's end. */
export function runbookChart(steps: readonly RunbookStepRecord[], axis: TimeAxis): string {
  const oneRunbook = new Set(steps.map((s) => s.runbook)).size === 1;
  const rows: StripRow[] = steps
    .filter((s) => s.startedAtMs !== undefined)
    .sort((a, b) => (a.startedAtMs as number) - (b.startedAtMs as number))
    .map((s) => ({
      label: truncate(oneRunbook ? s.step : `${s.runbook}: ${s.step}`, 26),
      segments: [{ fromMs: s.startedAtMs as number, toMs: s.endedAtMs ?? axis.endMs, label: s.result, color: STEP_COLORS[s.result], ...(s.detail ? { note: s.detail } : {}) }],
    }));
  const title = oneRunbook && steps[0] ? `Runbook steps (${steps[0].runbook})` : 'Runbook steps';
  return stripChart({ title, axis, rows, legend: Object.entries(STEP_COLORS).map(([name, color]) => ({ name, color })) });
}

const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const ms = (v: number | null) => (v === null ? '-' : Math.abs(v) < 1000 ? `${v} ms` : `${(v / 1000).toFixed(2)} s`);
const seconds = (v: number) => `${(v / 1000).toFixed(1)} s`;

function keyNumbers(r: OutageReport): string {
  const w = r.clientErrorWindow;
  const lat = (p: OutageReport['latencyMs']['before']) => (p ? `${ms(p.p50)} / ${ms(p.p99)}` : '-');
  const rows: [string, string][] = [
    [`Cut -> last DNS answer still containing ${r.region} (worst surviving nameserver)`, ms(r.cutToLastDeadAnswerMs.maxMs)],
    ['Client error window', w.failedOps === 0 ? 'no failed request' : `${w.failedOps} failed, from ${ms(w.firstErrorMs)} to ${ms(w.lastErrorMs)} after the cut`],
    [`Last request sent to ${r.region} after the cut`, ms(r.clientShift.lastRequestToRegionMs)],
    ['Back in DNS / serving after the heal', `${ms(r.timeToReturnMs.dnsMs)} / ${ms(r.timeToReturnMs.clientMs)}`],
    ['Latency p50 / p99 before, during, after', `${lat(r.latencyMs.before)}; ${lat(r.latencyMs.during)}; ${lat(r.latencyMs.after)}`],
    ['Requests', `${r.totals.ops} sent, ${r.totals.ok} served (${r.totals.successRatio === null ? '-' : `${(r.totals.successRatio * 100).toFixed(2)}%`}), ${r.totals.clientSkipped} skipped`],
  ];
  return `<table class="numbers">${rows.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('')}</table>`;
}

function checksList(checks: OutageReport['checks']): string {
  return `<h2>Checks</h2><ul class="checks">${checks
    .map((c) => `<li class="${c.pass ? 'ok' : 'fail'}"><b>${c.pass ? 'ok' : 'FAIL'}</b> ${escapeXml(c.name)}: ${escapeXml(c.detail)}</li>`)
    .join('')}</ul>`;
}

function nameserverTable(r: OutageReport): string {
  const rows = r.cutToLastDeadAnswerMs.perNameserver.map((n) =>
    `<tr><td>${escapeXml(n.server)}</td><td>${escapeXml(n.region)}${n.cutRegion ? ' (cut)' : ''}</td><td>${n.answersDuringCut}</td><td>${n.failuresDuringCut}</td><td>${escapeXml(ms(n.lastAnswerWithRegionMs))}</td><td>${n.cutRegion ? 'not counted' : n.shifted ? 'yes' : 'NO'}</td></tr>`);
  return `<h2>Nameservers during the cut</h2><table class="grid"><tr><th>nameserver</th><th>region</th><th>answers</th><th>failures</th><th>last with ${escapeXml(r.region)}</th><th>shifted</th></tr>${rows.join('')}</table>`;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1d2330;margin:24px auto;max-width:1000px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:15px;margin:22px 0 8px;text-transform:uppercase;letter-spacing:.05em;color:#667085}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:700;margin-left:8px;font-size:14px;vertical-align:middle}
.verdict.pass{background:#2e7d32}.verdict.fail{background:#c62828}.sub{color:#667085;margin-bottom:16px}
table{border-collapse:collapse}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e6ec;vertical-align:top}
table.numbers th{font-weight:500;color:#475467;width:55%}
.checks{list-style:none;padding:0}.checks li{padding:3px 0}.checks li.ok b{color:#2e7d32}.checks li.fail b{color:#c62828}
figure{margin:18px 0}figcaption{font-weight:600;margin-bottom:4px}
svg.chart{max-width:100%;height:auto;font-size:11px}svg .plot{fill:#fafbfc;stroke:#d9dde5}svg .grid{stroke:#eceef2}
svg .tick{fill:#667085}svg .axis-label{fill:#667085;font-size:11px}svg .mark-label{font-size:11px;font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;color:#475467}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
footer{margin-top:28px;color:#667085;font-size:12px}`;

/** The page around report sections: for this drill and for database drills alike. */
export function reportPage(p: { title: string; pass: boolean; subtitle: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeXml(p.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeXml(p.title)}<span class="verdict ${p.pass ? 'pass' : 'fail'}">${p.pass ? 'PASS' : 'FAIL'}</span></h1>
<div class="sub">${escapeXml(p.subtitle)}</div>
${p.body}
<footer>Computed from the recorded history saved beside this file (JSON); every number can be recomputed from it.</footer>
</body>
</html>
`;
}
