/**
 * The agent's GET /status document: what this agent sees, what it heard from its peers, what it
 * decided, and what DNS answers right now. Pure; `meridian status` reads it from every agent.
 */
import type { CapacityStatus } from '../capacity/index.ts';
import type { ServiceAnswers } from '../gslb/index.ts';
import type { StoresStatus } from './store/index.ts';
import type { TrafficStatus } from './traffic/status.ts';
import { fqdn, type Topology } from '../spec/index.ts';
import { type SiblingStatus, topologyEndpoints, type EndpointState, type HealthSnapshot, type PeerReachability, type PeerStatus, type ProbeResult, type VantageView } from '../health/index.ts';

export interface VantageCell {
  readonly state: EndpointState;
  /** false: the peer's last view is older than staleAfterMs and no longer votes. */
  readonly fresh: boolean;
}

export interface EndpointStatus {
  readonly address: string;
  readonly routed: 'up' | 'down';
  readonly downVotes: readonly string[];
  readonly voters: readonly string[];
  /** Each vantage point's state of this endpoint: this agent and every peer it has a view from. */
  readonly vantages: Readonly<Record<string, VantageCell>>;
  /** This agent's last probe of the endpoint. */
  readonly lastProbe?: ProbeResult;
}

export interface AgentStatus {
  readonly region: string;
  readonly bootId: string;
  readonly viewSeq: number;
  readonly atMs: number;
  readonly staleAfterMs: number;
  readonly peers: readonly {
    readonly region: string;
    readonly viewUrl: string;
    readonly reachability: PeerReachability;
    readonly lastError?: string;
    readonly lastViewAgeMs: number | null;
    readonly fresh: boolean;
    readonly viewSeq?: number;
    readonly bootId?: string;
  }[];
  readonly services: readonly {
    readonly service: string;
    readonly fqdn: string;
    readonly regions: readonly { readonly region: string; readonly endpoints: readonly EndpointStatus[] }[];
  }[];
  readonly answers: readonly ServiceAnswers[];
  /** Database stores as this agent supervises them (src/agent/store); added by runAgent. */
  readonly stores?: StoresStatus;
  /** Operators' traffic controls in force on this agent (src/agent/traffic); added by runAgent. */
  readonly traffic?: TrafficStatus;
  /** Per service that declares capacity: instances, capacity, measured load, overload holds (src/capacity); added by runAgent. */
  readonly capacity?: CapacityStatus;
  /** The other agents of this region that peer views are relayed to (only with --siblings); added by runAgent. */
  readonly siblings?: readonly SiblingStatus[];
}

export interface StatusInput {
  readonly topology: Topology;
  readonly view: VantageView;
  readonly snapshot: HealthSnapshot;
  readonly peers: readonly PeerStatus[];
  readonly staleAfterMs: number;
  readonly answers: readonly ServiceAnswers[];
  readonly lastProbe: (key: string) => ProbeResult | undefined;
}

export function buildStatus(input: StatusInput): AgentStatus {
  const { topology, view, snapshot } = input;
  const endpoints = topologyEndpoints(topology);
  const cellsFor = (key: string): Record<string, VantageCell> => {
    const cells: Record<string, VantageCell> = { [view.vantage]: { state: view.endpoints[key] ?? 'unknown', fresh: true } };
    for (const peer of input.peers) {
      if (peer.view) cells[peer.region] = { state: peer.view.endpoints[key] ?? 'unknown', fresh: peer.fresh };
    }
    return cells;
  };
  return {
    region: view.vantage,
    bootId: view.bootId,
    viewSeq: view.seq,
    atMs: snapshot.atMs,
    staleAfterMs: input.staleAfterMs,
    peers: input.peers.map((p) => ({
      region: p.region,
      viewUrl: p.viewUrl,
      reachability: p.reachability,
      ...(p.lastError ? { lastError: p.lastError } : {}),
      lastViewAgeMs: p.lastViewAgeMs,
      fresh: p.fresh,
      ...(p.view ? { viewSeq: p.view.seq, bootId: p.view.bootId } : {}),
    })),
    services: topology.services.map((service) => ({
      service: service.name,
      fqdn: fqdn(topology, service),
      regions: Object.keys(service.endpoints ?? {}).map((region) => ({
        region,
        endpoints: endpoints
          .filter((e) => e.ref.service === service.name && e.ref.region === region)
          .map(({ key, ref }) => {
            const verdict = snapshot.endpoints.get(key);
            const lastProbe = input.lastProbe(key);
            return {
              address: ref.address,
              routed: verdict?.up === false ? 'down' : 'up',
              downVotes: verdict?.downVotes ?? [],
              voters: verdict?.voters ?? [],
              vantages: cellsFor(key),
              ...(lastProbe ? { lastProbe } : {}),
            } satisfies EndpointStatus;
          }),
      })),
    })),
    answers: input.answers,
  };
}
