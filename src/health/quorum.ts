/**
 * The majority rule over vantage points. Pure: views and the receiver's clock in, snapshot out.
 *
 * Voters for an endpoint are this agent plus every peer whose view is fresh (received within
 * staleAfterMs by this agent's clock), counting only those whose view of the endpoint is up or
 * down. The endpoint is routed down iff strictly more than half of its voters see it down.
 *  - One agent with a bad network (it alone sees B down): 1 of 3, B stays in the answers.
 *  - A region cut off by the network: the two survivors see it down, 2 of 2, it is drained.
 *  - An agent cut off from every peer decides from its own view alone (static stability: DNS
 *    answers never wait on a peer).
 *  - A tie (1 of 2) keeps the endpoint up: draining needs a majority, not half.
 */
import type { Topology } from '../spec/index.ts';
import { topologyEndpoints } from './endpoints.ts';
import type { EndpointVerdict, HealthSnapshot, VantageView } from './types.ts';

export interface ReceivedView {
  readonly view: VantageView;
  /** Receiver's clock when the view arrived. */
  readonly receivedAtMs: number;
}

export function isFresh(received: ReceivedView, nowMs: number, staleAfterMs: number): boolean {
  return nowMs - received.receivedAtMs <= staleAfterMs;
}

export function mergeViews(
  topology: Topology,
  self: VantageView,
  peers: readonly ReceivedView[],
  nowMs: number,
  staleAfterMs: number,
): HealthSnapshot {
  const freshPeers = latestPerVantage(peers.filter((p) => p.view.vantage !== self.vantage && isFresh(p, nowMs, staleAfterMs)));
  const views = [self, ...freshPeers];
  const endpoints = new Map<string, EndpointVerdict>();
  for (const { key, ref } of topologyEndpoints(topology)) {
    const voters: string[] = [];
    const downVotes: string[] = [];
    for (const view of views) {
      const state = view.endpoints[key];
      if (state !== 'up' && state !== 'down') continue;
      voters.push(view.vantage);
      if (state === 'down') downVotes.push(view.vantage);
    }
    endpoints.set(key, { ref, up: !(downVotes.length * 2 > voters.length), downVotes, voters });
  }
  return { atMs: nowMs, endpoints, reachablePeers: freshPeers.map((v) => v.vantage) };
}

/** Routing only depends on which endpoints are up: equal snapshots give equal answers. */
export function sameRouting(a: HealthSnapshot | undefined, b: HealthSnapshot): boolean {
  if (!a || a.endpoints.size !== b.endpoints.size) return false;
  for (const [key, verdict] of b.endpoints) if (a.endpoints.get(key)?.up !== verdict.up) return false;
  return true;
}

/** Endpoints whose routed verdict differs between two snapshots (for transition logs). */
export function routingChanges(a: HealthSnapshot | undefined, b: HealthSnapshot): EndpointVerdict[] {
  return [...b.endpoints.entries()].filter(([key, v]) => (a?.endpoints.get(key)?.up ?? true) !== v.up).map(([, v]) => v);
}

/** Defensive: callers keep one view per vantage, but if two arrive the later one counts. */
function latestPerVantage(peers: readonly ReceivedView[]): VantageView[] {
  const byVantage = new Map<string, ReceivedView>();
  for (const p of peers) {
    const seen = byVantage.get(p.view.vantage);
    if (!seen || p.receivedAtMs >= seen.receivedAtMs) byVantage.set(p.view.vantage, p);
  }
  return [...byVantage.values()].map((p) => p.view).sort((x, y) => x.vantage.localeCompare(y.vantage));
}
