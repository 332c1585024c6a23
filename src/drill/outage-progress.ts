/**
 * When the orchestrator may move on, decided from the history recorded so far (pure, time is an
 * input). The report does not depend on these: they only decide how long each phase lasts.
 */
import { mentionsRegion, type AddressRegions } from './outage-metrics.ts';
import type { LoadOp, WatcherSample } from './types.ts';

export type Progress = { readonly done: true } | { readonly done: false; readonly waitingFor: string };

export interface ShiftInput {
  readonly region: string;
  readonly regions: AddressRegions;
  /** Server keys of the nameservers outside the cut region. */
  readonly survivors: readonly string[];
  readonly samples: readonly WatcherSample[];
  readonly ops: readonly LoadOp[];
  readonly cutAtMs: number;
  readonly nowMs: number;
  /** How long answers and requests must have stayed off the region. */
  readonly settleMs: number;
}

/**
 * Done when every surviving nameserver's answers since the cut end with a run that excludes the
 * region, began at least settleMs ago and is still current (an answer within settleMs), and the
 * client's requests since the cut end likewise with a run of at least settleMs that avoids the
 * region and contains a success.
 */
export function shiftProgress(input: ShiftInput): Progress {
  const { region, regions, cutAtMs, nowMs, settleMs } = input;
  const settledSince = nowMs - settleMs;
  for (const server of input.survivors) {
    const answers = input.samples
      .filter((s) => s.server === server && s.sentAtMs >= cutAtMs && s.addresses !== undefined)
      .sort((a, b) => a.sentAtMs - b.sentAtMs);
    const run = trailingRun(answers, (s) => !mentionsRegion(s.addresses, region, regions));
    const last = answers.at(-1);
    if (run.length === 0 || run[0]!.sentAtMs > settledSince || !last || last.atMs < settledSince) {
      return { done: false, waitingFor: `nameserver ${server} to answer without ${region} for ${settleMs} ms` };
    }
  }
  const ops = input.ops.filter((o) => o.startMs >= cutAtMs).sort((a, b) => a.startMs - b.startMs);
  const run = trailingRun(ops, (o) => o.region !== region && (o.address === undefined || regions[o.address] !== region));
  if (run.length === 0 || run[0]!.startMs > settledSince || !run.some((o) => o.ok)) {
    return { done: false, waitingFor: `the client's requests to stay off ${region} (and succeed elsewhere) for ${settleMs} ms` };
  }
  return { done: true };
}

export interface ReturnInput {
  readonly region: string;
  readonly regions: AddressRegions;
  readonly survivors: readonly string[];
  readonly samples: readonly WatcherSample[];
  readonly ops: readonly LoadOp[];
  readonly healAtMs: number;
}

/** Done when a surviving nameserver answers with the region again and the region served a request. */
export function returnProgress(input: ReturnInput): Progress {
  const { region, regions, healAtMs } = input;
  const inDns = input.samples.some(
    (s) => input.survivors.includes(s.server) && s.sentAtMs >= healAtMs && mentionsRegion(s.addresses, region, regions),
  );
  if (!inDns) return { done: false, waitingFor: `a surviving nameserver to answer with ${region} again` };
  const served = input.ops.some((o) => o.ok && o.region === region && o.startMs >= healAtMs);
  if (!served) return { done: false, waitingFor: `${region} to serve a client request again` };
  return { done: true };
}

/** The longest suffix of `items` whose every element satisfies `keep`. */
function trailingRun<T>(items: readonly T[], keep: (item: T) => boolean): T[] {
  let i = items.length;
  while (i > 0 && keep(items[i - 1]!)) i -= 1;
  return items.slice(i);
}
