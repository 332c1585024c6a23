/**
 * Expected traffic share per region from one DNS answer. Pure.
 * Weighted answers carry one region per query with relative weights: the share is the weight.
 * Every other policy answers all chosen addresses at once and clients pick one at random (what
 * resolvers and stub libraries do with several A records), so a region's share is its fraction
 * of the addresses. The dashboard's client script repeats this rule (it cannot import TS).
 */
import type { ServiceAnswers } from '../gslb/index.ts';

export type Answer = ServiceAnswers['answers'][number];

/** Region → share in [0, 1]; regions of the answer only; sums to 1 unless the answer is empty. */
export function answerShares(answer: Answer, regionOf: (address: string) => string | undefined): Record<string, number> {
  if (answer.weights) {
    const total = Object.values(answer.weights).reduce((s, w) => s + w, 0);
    return Object.fromEntries(Object.entries(answer.weights).map(([r, w]) => [r, total > 0 ? w / total : 0]));
  }
  const counts = new Map<string, number>(answer.regions.map((r) => [r, 0]));
  for (const address of answer.addresses) {
    const region = regionOf(address);
    if (region !== undefined && counts.has(region)) counts.set(region, (counts.get(region) ?? 0) + 1);
  }
  const total = [...counts.values()].reduce((s, n) => s + n, 0);
  return Object.fromEntries([...counts].map(([r, n]) => [r, total > 0 ? n / total : 0]));
}
