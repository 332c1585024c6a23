/** The few statistics the benchmarks report. Medians, because a single noisy round must not move the figure. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function minMax(values: readonly number[]): { min: number; max: number } {
  if (values.length === 0) throw new Error('min/max of no values');
  return { min: Math.min(...values), max: Math.max(...values) };
}
