/**
 * The health vocabulary shared by probes, the peer exchange, routing and status.
 *
 * A vantage point is one region's agent. Each probes every endpoint (its own region's and the
 * other regions' public endpoints) and publishes a VantageView. The merged HealthSnapshot says,
 * per endpoint, whether a majority of the vantage points that can still talk to each other see
 * it down. Routing (gslb) reads only the HealthSnapshot.
 */

/** After thresholds: `unknown` until the first threshold is crossed (treated as up for routing). */
export type EndpointState = 'up' | 'down' | 'unknown';

export interface EndpointRef {
  readonly service: string;
  readonly region: string;
  /** IP address of the public endpoint; the port is the service's. */
  readonly address: string;
}

/** Stable key of an endpoint in views and snapshots: `service/region/address`. */
export function endpointKey(e: EndpointRef): string {
  return `${e.service}/${e.region}/${e.address}`;
}

/** What one vantage point sees, as exchanged between peers. */
export interface VantageView {
  readonly vantage: string;
  /**
   * Random id of the sending agent process. A restarted agent starts again at seq 1; a new bootId
   * tells receivers to accept it instead of dropping it as older than the last seq they saw.
   */
  readonly bootId: string;
  /** Increases with every new view from the same agent process; receivers drop older ones. */
  readonly seq: number;
  /** Sender's clock, informational only: freshness is judged by the receiver's clock. */
  readonly sentAtMs: number;
  readonly endpoints: Readonly<Record<string, EndpointState>>;
}

export interface EndpointVerdict {
  readonly ref: EndpointRef;
  /** Routing decision for this endpoint. */
  readonly up: boolean;
  /** Vantage points whose fresh view says `down`. */
  readonly downVotes: readonly string[];
  /** Vantage points whose fresh view was counted (this agent plus reachable peers). */
  readonly voters: readonly string[];
}

/** Merged health at one instant, as routing sees it. Immutable; rebuilt on every change. */
export interface HealthSnapshot {
  readonly atMs: number;
  /** Keyed by endpointKey(). Every endpoint of the topology is present. */
  readonly endpoints: ReadonlyMap<string, EndpointVerdict>;
  /** Peers whose views were fresh when this snapshot was built (excluding self). */
  readonly reachablePeers: readonly string[];
}
