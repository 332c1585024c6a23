/**
 * The chaos rounds' report as one self-contained HTML page (inline CSS and SVG, no script): the
 * verdict, the overall figures (lost acknowledged writes, zombie acks, duplicates, rounds that
 * never converged), one strip per round (fault, converging, converged), the main client's writes
 * per second, and a table of the rounds with what was still wrong when one never converged.
 * Pure: plain data in (`ChaosHtmlInput`, which the drill's ChaosReport satisfies; observe never
 * imports drill), HTML text out. Times are milliseconds from the run's start.
 */
import { reportPage } from './drill-html.ts';
import { escapeXml, stripChart, valueChart, type Mark, type Segment, type TimeAxis } from './svg.ts';

export interface ChaosRoundInput {
  readonly index: number;
  readonly kind: string;
  readonly description: string;
  readonly primaryBefore: string | null;
  readonly primaryAfter: string | null;
  readonly targets: readonly string[];
  readonly startedAtMs: number;
  readonly faultEndedAtMs: number;
  readonly endedAtMs: number;
  readonly converged: boolean;
  readonly convergeMs: number | null;
  readonly problems: readonly { readonly check: string; readonly region?: string; readonly detail: string }[];
  readonly longestWriteGap: { readonly gapMs: number; readonly open: boolean };
  /** `atMs` from the round's start. */
  readonly events: readonly { readonly atMs: number; readonly step: string; readonly detail: string }[];
  readonly error?: string;
}

export interface ChaosHtmlInput {
  readonly store: string;
  readonly replication: string;
  readonly seed: number;
  readonly leaseTtlMs: number;
  readonly convergeBoundMs: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly pass: boolean;
  readonly reasons: readonly string[];
  readonly rounds: readonly ChaosRoundInput[];
  readonly roundsNotConverged: readonly number[];
  readonly survivorsFrom: string | null;
  /** `count` null: not checked (no primary to read the surviving ids from). */
  readonly lostAckedWrites: { readonly count: number | null; readonly firstIds: readonly string[] };
  readonly zombieAcks: { readonly count: number; readonly first: readonly { readonly id: string; readonly client: string; readonly server: string; readonly why: string; readonly recordThen: { readonly region: string; readonly token: string } }[] };
  readonly duplicates: { readonly count: number };
  readonly splitBrain: { readonly count: number };
  readonly clients: Readonly<Record<string, { readonly writes: number; readonly ok: number; readonly fail: number; readonly unknown: number }>>;
  readonly mainWrites: { readonly bucketMs: number; readonly ok: readonly number[]; readonly fail: readonly number[]; readonly unknown: readonly number[] };
}

const COLORS = { fault: '#c62828', converging: '#f9a825', converged: '#2e7d32', never: '#6d4c41', ok: '#2e7d32', fail: '#c62828', unknown: '#f9a825' } as const;

export function renderChaosReportHtml(r: ChaosHtmlInput): string {
  const axis: TimeAxis = { startMs: 0, endMs: Math.max(1, r.durationMs), zeroMs: 0, zeroLabel: 'start', marks: r.rounds.map(roundMark) };
  return reportPage({
    title: `Chaos rounds on ${r.store}, seed ${r.seed}`,
    pass: r.pass,
    subtitle: `${r.replication} replication, lease TTL ${seconds(r.leaseTtlMs)} - started ${r.startedAt}, ${r.rounds.length} round(s) in ${seconds(r.durationMs)}; converged means within ${seconds(r.convergeBoundMs)} of the fault's end`,
    body: [keyFigures(r), roundsChart(r, axis), writesChart(r, axis), roundsTable(r), zombiesList(r)].join('\n'),
  });
}

function roundMark(round: ChaosRoundInput): Mark {
  return { atMs: round.startedAtMs, label: `#${round.index}`, color: '#1565c0' };
}

function keyFigures(r: ChaosHtmlInput): string {
  const lost = r.lostAckedWrites.count === null ? 'not checked: no primary to read from' : `${r.lostAckedWrites.count}${r.lostAckedWrites.firstIds.length ? ` (first: ${r.lostAckedWrites.firstIds.slice(0, 5).join(', ')})` : ''}`;
  const rows: [string, string][] = [
    ['Verdict', r.pass ? 'pass' : `FAIL: ${r.reasons.join('; ')}`],
    ['Rounds that never converged', r.roundsNotConverged.length === 0 ? 'none' : r.roundsNotConverged.map((i) => `#${i}`).join(', ')],
    ['Acknowledged writes lost (all clients, all rounds)', lost],
    ['Zombie acks (acknowledged by a primary the record no longer or never named)', String(r.zombieAcks.count)],
    ['Duplicates / split brain', `${r.duplicates.count} / ${r.splitBrain.count}`],
    ['Writes per client (ok / all)', Object.entries(r.clients).map(([name, c]) => `${name} ${c.ok}/${c.writes}`).join(', ')],
  ];
  return `<table class="numbers key-figures">${rows.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('')}</table>`;
}

function roundsChart(r: ChaosHtmlInput, axis: TimeAxis): string {
  const rows = r.rounds.map((round) => {
    const segments: Segment[] = [{ fromMs: round.startedAtMs, toMs: round.faultEndedAtMs, label: 'fault', color: COLORS.fault, note: round.description }];
    const convergedAt = round.convergeMs === null ? null : round.faultEndedAtMs + round.convergeMs;
    if (convergedAt === null) segments.push({ fromMs: round.faultEndedAtMs, toMs: round.endedAtMs, label: 'never converged', color: COLORS.never });
    else segments.push({ fromMs: round.faultEndedAtMs, toMs: convergedAt, label: 'converging', color: COLORS.converging }, { fromMs: convergedAt, toMs: round.endedAtMs, label: 'converged', color: COLORS.converged });
    return { label: `#${round.index} ${round.kind}`, segments };
  });
  const legend = (['fault', 'converging', 'converged', 'never'] as const).map((name) => ({ name: name === 'never' ? 'never converged' : name, color: COLORS[name] }));
  return stripChart({ title: 'Rounds: fault, then converging until the store is whole again', axis, rows, legend });
}

function writesChart(r: ChaosHtmlInput, axis: TimeAxis): string {
  const w = r.mainWrites;
  const buckets = w.ok.map((_, i) => i * w.bucketMs);
  const series = (['ok', 'fail', 'unknown'] as const).map((name) => ({ name, color: COLORS[name], values: w[name] }));
  return valueChart({ title: "Writes of the main client (through the primary's name) per second, by outcome", axis, yLabel: 'writes', bars: { buckets, bucketMs: w.bucketMs, series } });
}

function roundsTable(r: ChaosHtmlInput): string {
  const rows = r.rounds.map((round) => {
    const verdict = round.error ? `error: ${round.error}` : round.converged ? `converged after ${ms(round.convergeMs)}` : 'NEVER converged';
    const wrong = round.problems.map((p) => `<li>(${escapeXml(p.check)})${p.region ? ` ${escapeXml(p.region)}:` : ''} ${escapeXml(p.detail)}</li>`).join('');
    const events = round.events.map((e) => `<li>+${escapeXml(ms(e.atMs))} ${escapeXml(e.step)}: ${escapeXml(e.detail)}</li>`).join('');
    return `<tr class="${round.converged ? 'ok' : 'fail'}"><td>#${round.index}</td><td>${escapeXml(round.kind)}<br><small>${escapeXml(round.description)}</small>${events ? `<ul class="events">${events}</ul>` : ''}</td>`
      + `<td>${escapeXml(round.targets.join(', ') || '-')}</td><td>${escapeXml(`${round.primaryBefore ?? '-'} -> ${round.primaryAfter ?? '-'}`)}</td>`
      + `<td>${escapeXml(ms(round.faultEndedAtMs - round.startedAtMs))}</td><td>${escapeXml(verdict)}${wrong ? `<ul>${wrong}</ul>` : ''}</td>`
      + `<td>${escapeXml(ms(round.longestWriteGap.gapMs))}${round.longestWriteGap.open ? ' (open)' : ''}</td></tr>`;
  });
  return `<h2>Rounds</h2><table class="grid"><tr><th>round</th><th>fault</th><th>hit</th><th>primary</th><th>fault lasted</th><th>converged</th><th>longest write gap</th></tr>${rows.join('')}</table>`;
}

function zombiesList(r: ChaosHtmlInput): string {
  if (r.zombieAcks.first.length === 0) return '';
  const items = r.zombieAcks.first.map((z) => `<li>${escapeXml(`${z.id} (${z.client}) acknowledged by ${z.server}: ${z.why}; the record named ${z.recordThen.region} (token ${z.recordThen.token})`)}</li>`);
  return `<h2>Zombie acks (first ${items.length} of ${r.zombieAcks.count})</h2><ul>${items.join('')}</ul>`;
}

const ms = (v: number | null) => (v === null ? '-' : Math.abs(v) < 1000 ? `${v} ms` : `${(v / 1000).toFixed(2)} s`);
const seconds = (v: number) => `${(v / 1000).toFixed(1)} s`;
