/**
 * Inline SVG charts over time, for self-contained HTML reports: a value chart (lines, or stacked
 * bars per time bucket) and a strip chart (one row of labelled segments per series, e.g. what
 * each nameserver answered, or runbook steps). Pure: data in, SVG text out. Hover text uses
 * SVG <title>, so the charts need no script. The x axis is seconds from a reference time (the
 * cut), with vertical marks (cut, heal, …).
 */

export interface Mark {
  readonly atMs: number;
  readonly label: string;
  readonly color: string;
}

export interface TimeAxis {
  readonly startMs: number;
  readonly endMs: number;
  /** x = 0 on the axis (the cut, the fault). */
  readonly zeroMs: number;
  /** What happened at x = 0, for the axis title `seconds from the <zeroLabel>`: `cut`, `fault`. */
  readonly zeroLabel: string;
  readonly marks: readonly Mark[];
}

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  /** null: no value in this bucket (a gap in the line). */
  readonly points: readonly { readonly atMs: number; readonly value: number | null }[];
}

export interface BarSeries {
  readonly name: string;
  readonly color: string;
  /** One value per bucket, aligned with `buckets`. */
  readonly values: readonly number[];
}

export interface Segment {
  readonly fromMs: number;
  readonly toMs: number;
  readonly label: string;
  readonly color: string;
  readonly note?: string;
}

export interface StripRow {
  readonly label: string;
  readonly segments: readonly Segment[];
}

const WIDTH = 960;
/** Wide enough for strip labels (`failover: acquire-lease`); the same in every chart, so their time axes line up. */
const LEFT = 170;
const RIGHT = 16;
/** Room above the plot for the mark labels (two staggered lines). */
const TOP = 30;
const BOTTOM = 30;
const PLOT_W = WIDTH - LEFT - RIGHT;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Colors come from our palettes; anything else becomes grey rather than markup. */
export function safeColor(color: string): string {
  return /^(#[0-9a-fA-F]{3,8}|[a-z]{3,20})$/.test(color) ? color : '#888888';
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? String(Math.round(n)) : String(Number(n.toFixed(Math.abs(n) >= 10 ? 1 : 2))));

/** 1, 2, 5 × 10^k steps giving about `count` ticks over [0, max]. */
export function niceStep(max: number, count: number): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return step;
}

function xOf(axis: TimeAxis): (ms: number) => number {
  const span = Math.max(1, axis.endMs - axis.startMs);
  return (ms) => LEFT + ((Math.min(Math.max(ms, axis.startMs), axis.endMs) - axis.startMs) / span) * PLOT_W;
}

function timeTicks(axis: TimeAxis, height: number): string {
  const x = xOf(axis);
  const spanS = (axis.endMs - axis.startMs) / 1000;
  const step = niceStep(spanS, 10);
  const out: string[] = [];
  const first = Math.ceil((axis.startMs - axis.zeroMs) / 1000 / step) * step;
  for (let s = first; axis.zeroMs + s * 1000 <= axis.endMs; s += step) {
    const px = x(axis.zeroMs + s * 1000).toFixed(1);
    out.push(`<line x1="${px}" x2="${px}" y1="${TOP}" y2="${height - BOTTOM}" class="grid"/>`);
    out.push(`<text x="${px}" y="${height - BOTTOM + 14}" text-anchor="middle" class="tick">${fmt(s)}</text>`);
  }
  out.push(`<text x="${LEFT + PLOT_W}" y="${height - 2}" text-anchor="end" class="axis-label">seconds from the ${escapeXml(axis.zeroLabel)}</text>`);
  return out.join('');
}

function marks(axis: TimeAxis, height: number): string {
  const x = xOf(axis);
  return axis.marks
    .filter((m) => m.atMs >= axis.startMs && m.atMs <= axis.endMs)
    .map((m, i) => {
      const px = x(m.atMs).toFixed(1);
      return `<g class="mark"><line x1="${px}" x2="${px}" y1="${TOP}" y2="${height - BOTTOM}" stroke="${safeColor(m.color)}" stroke-width="1.5" stroke-dasharray="5 3"/>` +
        `<text x="${px}" y="${TOP - 16 + (i % 2) * 11}" dx="-2" fill="${safeColor(m.color)}" class="mark-label">${escapeXml(m.label)}</text></g>`;
    })
    .join('');
}

function frame(height: number, body: string, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeXml(title)}">` +
    `<rect x="${LEFT}" y="${TOP}" width="${PLOT_W}" height="${height - TOP - BOTTOM}" class="plot"/>${body}</svg>`;
}

export interface ValueChartOptions {
  readonly title: string;
  readonly axis: TimeAxis;
  readonly yLabel: string;
  /** Default: the data's maximum. */
  readonly yMax?: number;
  readonly height?: number;
  readonly lines?: readonly LineSeries[];
  /** Stacked bars: `buckets[i]` is the start of bucket i, each `bucketMs` long. */
  readonly bars?: { readonly buckets: readonly number[]; readonly bucketMs: number; readonly series: readonly BarSeries[] };
  readonly format?: (v: number) => string;
}

export function valueChart(o: ValueChartOptions): string {
  const height = o.height ?? 220;
  const plotH = height - TOP - BOTTOM;
  const format = o.format ?? fmt;
  const x = xOf(o.axis);
  const stackTotals = o.bars ? o.bars.buckets.map((_, i) => o.bars!.series.reduce((s, b) => s + (b.values[i] ?? 0), 0)) : [];
  const lineValues = (o.lines ?? []).flatMap((l) => l.points.map((p) => p.value ?? 0));
  const dataMax = Math.max(0, ...stackTotals, ...lineValues);
  const step = niceStep(o.yMax ?? dataMax, 4);
  const yMax = o.yMax ?? Math.max(step, Math.ceil(dataMax / step) * step);
  const y = (v: number) => TOP + plotH - (Math.min(v, yMax) / yMax) * plotH;
  const parts: string[] = [timeTicks(o.axis, height)];
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    parts.push(`<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${escapeXml(format(v))}</text>`);
  }
  parts.push(`<text x="12" y="${TOP + plotH / 2}" transform="rotate(-90 12 ${TOP + plotH / 2})" text-anchor="middle" class="axis-label">${escapeXml(o.yLabel)}</text>`);
  if (o.bars) {
    const { buckets, bucketMs, series } = o.bars;
    const w = Math.max(1, x(buckets[0]! + bucketMs) - x(buckets[0]!) - 1);
    buckets.forEach((start, i) => {
      let base = 0;
      for (const s of series) {
        const v = s.values[i] ?? 0;
        if (v <= 0) continue;
        parts.push(`<rect class="bar" x="${x(start).toFixed(1)}" y="${y(base + v).toFixed(1)}" width="${w.toFixed(1)}" height="${(y(base) - y(base + v)).toFixed(1)}" fill="${safeColor(s.color)}"><title>${escapeXml(`${s.name}: ${format(v)} at ${fmt((start - o.axis.zeroMs) / 1000)} s`)}</title></rect>`);
        base += v;
      }
    });
  }
  for (const line of o.lines ?? []) {
    const d = line.points
      .map((p, i) => (p.value === null ? '' : `${i === 0 || line.points[i - 1]?.value === null ? 'M' : 'L'}${x(p.atMs).toFixed(1)},${y(p.value).toFixed(1)}`))
      .filter(Boolean)
      .join(' ');
    parts.push(`<path class="line" d="${d}" fill="none" stroke="${safeColor(line.color)}" stroke-width="1.8"><title>${escapeXml(line.name)}</title></path>`);
  }
  parts.push(marks(o.axis, height));
  return figure(o.title, frame(height, parts.join(''), o.title), legend([...(o.bars?.series ?? []), ...(o.lines ?? [])]));
}

export interface StripChartOptions {
  readonly title: string;
  readonly axis: TimeAxis;
  readonly rows: readonly StripRow[];
  /** Label → color, shown under the chart. */
  readonly legend?: readonly { readonly name: string; readonly color: string }[];
}

const ROW_H = 22;

export function stripChart(o: StripChartOptions): string {
  const height = TOP + BOTTOM + Math.max(1, o.rows.length) * ROW_H + 4;
  const x = xOf(o.axis);
  const parts: string[] = [timeTicks(o.axis, height)];
  o.rows.forEach((row, i) => {
    const top = TOP + 2 + i * ROW_H;
    parts.push(`<text x="${LEFT - 6}" y="${top + ROW_H / 2 + 4}" text-anchor="end" class="tick">${escapeXml(row.label)}</text>`);
    for (const s of row.segments) {
      const x0 = x(s.fromMs);
      const w = Math.max(1, x(s.toMs) - x0);
      const text = `${row.label}: ${s.label} from ${fmt((s.fromMs - o.axis.zeroMs) / 1000)} s to ${fmt((s.toMs - o.axis.zeroMs) / 1000)} s${s.note ? ` (${s.note})` : ''}`;
      parts.push(`<rect class="segment" x="${x0.toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${ROW_H - 4}" fill="${safeColor(s.color)}"><title>${escapeXml(text)}</title></rect>`);
    }
  });
  parts.push(marks(o.axis, height));
  return figure(o.title, frame(height, parts.join(''), o.title), legend(o.legend ?? []));
}

function legend(items: readonly { readonly name: string; readonly color: string }[]): string {
  if (items.length === 0) return '';
  return `<div class="legend">${items.map((i) => `<span><i style="background:${safeColor(i.color)}"></i>${escapeXml(i.name)}</span>`).join('')}</div>`;
}

function figure(title: string, svg: string, legendHtml: string): string {
  return `<figure><figcaption>${escapeXml(title)}</figcaption>${svg}${legendHtml}</figure>`;
}
