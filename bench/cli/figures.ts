/**
 * The CLI benchmark's figures (pure): per figure and way of running, the median, min and max of
 * the runs; the compiled way's ratio to each reference; the target judged met or not.
 */
import { median, minMax } from '../lib/stats.ts';
import { textTable } from '../lib/table.ts';
import { ratio } from '../shift/stats.ts';

export type WayName = 'compiled' | 'tsx' | 'before';
const REFERENCES: readonly WayName[] = ['tsx', 'before'];

export interface Summary {
  readonly runs: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface Figure {
  readonly name: string;
  readonly unit: 'ms' | 'MiB';
  /** The bound on the compiled way's median, when it sets one. */
  readonly targetMax?: number;
  readonly ways: Partial<Record<WayName, Summary>>;
  /** compiled / reference, medians. */
  readonly ratios: Partial<Record<WayName, number | null>>;
  /** Null: no target, or nothing measured. */
  readonly met: boolean | null;
}

export function summarize(values: readonly number[], decimals = 0): Summary | undefined {
  if (values.length === 0) return undefined;
  const round = (n: number) => Math.round(n * 10 ** decimals) / 10 ** decimals;
  const { min, max } = minMax(values);
  return { runs: values.length, median: round(median(values)), min: round(min), max: round(max) };
}

export function figure(name: string, unit: Figure['unit'], runs: ReadonlyMap<WayName, readonly number[]>, targetMax?: number): Figure {
  const decimals = unit === 'MiB' ? 1 : 0;
  const ways: Partial<Record<WayName, Summary>> = {};
  for (const [way, values] of runs) {
    const s = summarize(values, decimals);
    if (s) ways[way] = s;
  }
  const compiled = ways.compiled?.median;
  const ratios = Object.fromEntries(REFERENCES.filter((r) => ways[r]).map((r) => [r, ratio(compiled, ways[r]?.median)]));
  const met = targetMax === undefined || compiled === undefined ? null : compiled <= targetMax;
  return { name, unit, ...(targetMax === undefined ? {} : { targetMax }), ways, ratios, met };
}

function amount(value: number, unit: Figure['unit']): string {
  return unit === 'MiB' ? `${value.toFixed(1)} MiB` : `${(value / 1000).toFixed(3)} s`;
}

function cell(s: Summary | undefined, unit: Figure['unit']): string {
  return s ? `${amount(s.median, unit)} (${amount(s.min, unit)}–${amount(s.max, unit)})` : '-';
}

const times = (r: number | null | undefined) => (r === null || r === undefined ? '-' : `${r.toFixed(2)}×`);

export function renderFigures(figures: readonly Figure[]): string {
  return textTable(
    ['figure', 'compiled: median (min–max)', 'tsx, sources', 'tsx, before lazy commands', 'vs tsx', 'vs before', 'target', 'met'],
    figures.map((f) => [
      f.name,
      cell(f.ways.compiled, f.unit),
      cell(f.ways.tsx, f.unit),
      cell(f.ways.before, f.unit),
      times(f.ratios.tsx),
      times(f.ratios.before),
      f.targetMax === undefined ? '-' : `≤ ${amount(f.targetMax, f.unit)}`,
      f.met === null ? '-' : f.met ? 'yes' : 'NO',
    ]),
  );
}
