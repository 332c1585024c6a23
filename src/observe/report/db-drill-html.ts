/**
 * A database drill's report as one self-contained HTML page (inline CSS and SVG, no script,
 * nothing fetched): the verdict, the key figures (RTO, RPO, lost acknowledged writes, split
 * brain, zombie acks, why it failed), every check, the acknowledgements each client got per
 * second with the fault and heal marked, the runbook steps the agents showed, and the drill's
 * timeline. Pure: the saved `{ report, history }` in, HTML text out.
 */
import type { DbDrillHistoryInput as DbDrillHistory, DbDrillReportInput as DbDrillReport, WriteOpRecord as WriteOp } from './inputs.ts';
import { reportPage, runbookChart, type RunbookStepRecord } from './drill-html.ts';
import { escapeXml, valueChart, type Mark, type TimeAxis } from './svg.ts';

export interface DbDrillHtmlInput {
  readonly report: DbDrillReport;
  readonly history: DbDrillHistory;
}

const OUTCOME_COLORS = { ok: '#2e7d32', fail: '#c62828', unknown: '#f9a825' } as const;
const OUTCOMES = ['ok', 'fail', 'unknown'] as const;
/** Per second, as the brief of the drills asks: fine enough to see the outage, coarse enough to read. */
const ACK_BUCKET_MS = 1_000;

export function renderDbDrillReportHtml(input: DbDrillHtmlInput): string {
  const { report: r, history: h } = input;
  const axis = timeAxis(h);
  const clients = [...new Set(h.ops.map((o) => o.client))].sort((a, b) => (a === 'main' ? -1 : b === 'main' ? 1 : a.localeCompare(b)));
  const steps = runbookRecords(h);
  const sections = [
    ...clients.map((client) => ackChart(client, h.ops.filter((o) => o.client === client), axis)),
    ...(steps.length > 0 ? [runbookChart(steps, axis)] : []),
  ];
  return reportPage({
    title: `Database drill: ${r.drill} of ${r.store} (${r.faultRegion})`,
    pass: r.pass,
    subtitle: `${r.replication} replication, writes over ${r.transport} - started ${r.startedAt}, ${seconds(h.endMs - h.startMs)} in all`,
    body: [keyFigures(r), checksList(r), ...sections, clientsTable(r), timelineTable(r)].join('\n'),
  });
}

function timeAxis(h: DbDrillHistory): TimeAxis {
  const marks: Mark[] = [{ atMs: h.faultAtMs, label: `fault ${h.faultRegion}`, color: OUTCOME_COLORS.fail }];
  if (h.restoredAtMs !== undefined) marks.push({ atMs: h.restoredAtMs, label: 'heal', color: OUTCOME_COLORS.ok });
  if (h.recovery.seenAtMs !== undefined) marks.push({ atMs: h.recovery.seenAtMs, label: `recovered (${h.recovery.primary ?? '?'})`, color: '#1565c0' });
  // The fault may be a crash, a freeze or a partition: not always a cut.
  return { startMs: h.startMs, endMs: h.endMs, zeroMs: h.faultAtMs, zeroLabel: 'fault', marks };
}

/** Writes per second by the time they were sent, stacked by outcome. */
function ackChart(client: string, ops: readonly WriteOp[], axis: TimeAxis): string {
  const count = Math.max(1, Math.ceil((axis.endMs - axis.startMs) / ACK_BUCKET_MS));
  const buckets = Array.from({ length: count }, (_, i) => axis.startMs + i * ACK_BUCKET_MS);
  const perOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, new Array<number>(count).fill(0)])) as Record<WriteOp['outcome'], number[]>;
  for (const op of ops) {
    const i = Math.floor((op.sentAtMs - axis.startMs) / ACK_BUCKET_MS);
    if (i >= 0 && i < count) perOutcome[op.outcome][i]! += 1;
  }
  return valueChart({
    title: `Writes of client '${client}' per second, by outcome (by send time)`,
    axis,
    yLabel: 'writes',
    bars: { buckets, bucketMs: ACK_BUCKET_MS, series: OUTCOMES.map((o) => ({ name: o, color: OUTCOME_COLORS[o], values: perOutcome[o] })) },
  });
}

function runbookRecords(h: DbDrillHistory): RunbookStepRecord[] {
  return h.runbookSteps.map((s) => ({
    runbook: s.runbookId,
    step: s.stepId,
    result: s.result,
    ...(s.startedAtMs === undefined ? {} : { startedAtMs: s.startedAtMs }),
    ...(s.endedAtMs === undefined ? {} : { endedAtMs: s.endedAtMs }),
    ...(s.detail ? { detail: `${s.detail} (seen by ${s.seenBy})` } : { detail: `seen by ${s.seenBy}` }),
  }));
}

const ms = (v: number | null) => (v === null ? '-' : Math.abs(v) < 1000 ? `${v} ms` : `${(v / 1000).toFixed(2)} s`);
const seconds = (v: number) => `${(v / 1000).toFixed(1)} s`;
const ids = (list: readonly string[]) => (list.length > 0 ? ` (first: ${list.join(', ')})` : '');

function keyFigures(r: DbDrillReport): string {
  const sb = r.splitBrain;
  const rows: [string, string][] = [
    ['Verdict', r.pass ? 'pass' : `FAIL: ${r.reasons.join('; ')}`],
    ['Primary before / after', `${r.oldPrimary ?? '-'} / ${r.newPrimary ?? '-'}${r.recoveredBy ? ` (${r.recoveredBy})` : ''}`],
    ['RTO (last ack before the fault -> first durable ack after it)', `${r.rtoMs === null ? 'not recovered' : ms(r.rtoMs)} (target ${ms(r.targets.rtoMs)})`],
    ['RPO (acknowledged writes lost, as time)', `${ms(r.rpoMs)} (target ${ms(r.targets.rpoMs)})`],
    ['Lost acknowledged writes', `${r.lostAckedWrites.count}${ids(r.lostAckedWrites.firstIds)}`],
    ['Split brain (writes acknowledged by two primaries at once)', sb.count === 0 ? 'none' : `${sb.count} writes${sb.examples[0] ? ` (${sb.examples[0].primaries.join(' and ')})` : ''}`],
    ['Zombie acks (old primary acknowledging after the failover)', `${r.zombieAcks.count}${r.zombieAcks.afterHealCount > 0 ? `, ${r.zombieAcks.afterHealCount} after the heal` : ''}${ids(r.zombieAcks.firstIds)}`],
    ['Duplicates / unknown outcomes (present, absent) / failed but present', `${r.duplicates.count} / ${r.unknowns.count} (${r.unknowns.present}, ${r.unknowns.absent}) / ${r.failedButPresent}`],
  ];
  return `<table class="numbers key-figures">${rows.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('')}</table>`;
}

function checksList(r: DbDrillReport): string {
  return `<h2>Checks</h2><ul class="checks">${r.checks
    .map((c) => `<li class="${c.pass ? 'ok' : 'fail'}"><b>${c.pass ? 'ok' : 'FAIL'}</b> ${escapeXml(c.name)}: ${escapeXml(c.detail)}</li>`)
    .join('')}</ul>`;
}

function clientsTable(r: DbDrillReport): string {
  const rows = Object.entries(r.clients).map(([name, c]) =>
    `<tr><td>${escapeXml(name)}</td><td>${c.writes}</td><td>${c.ok}</td><td>${c.fail}</td><td>${c.unknown}</td><td>${c.skipped}</td></tr>`);
  return `<h2>Clients</h2><table class="grid"><tr><th>client</th><th>writes</th><th>ok</th><th>fail</th><th>unknown</th><th>skipped</th></tr>${rows.join('')}</table>`;
}

function timelineTable(r: DbDrillReport): string {
  const rows = r.timeline.map((e) => `<tr><td>${escapeXml(`${(e.atMs / 1000).toFixed(2)} s`)}</td><td>${escapeXml(e.step)}</td><td>${escapeXml(e.detail)}</td></tr>`);
  return `<h2>Timeline (seconds from the fault)</h2><table class="grid"><tr><th>at</th><th>step</th><th>detail</th></tr>${rows.join('')}</table>`;
}
