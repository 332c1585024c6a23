/**
 * Routing policy: which regions (and which of their endpoints) a service answers with, for one
 * client network, given one health snapshot and the operators' traffic controls. Pure: no I/O,
 * no clock, no randomness — the weighted per-query pick happens later, in the answer table, from
 * the weights returned here.
 *
 * A drained region is not a candidate, ever: not while others are healthy, not when failing open
 * (every undrained candidate down: fail open over the undrained ones only), and when every
 * candidate is drained the answer is empty. A drain is an operator's intent, not an observation;
 * fail-open exists because "everything is down" is more likely a monitoring fault than the truth,
 * which says nothing about a region someone took out on purpose (docs/gslb.md, "Traffic controls").
 *
 * A *held* region (capacity-rules.ts: `capacity.onOverload: hold`, the survivors cannot absorb
 * it) counts as healthy although it is down by majority, and is answered with all its endpoints:
 * it is degraded, not dead, and moving its load would overload the others.
 */
import { isIP } from 'node:net';
import type { HealthSnapshot } from '../health/types.ts';
import { endpointKey } from '../health/types.ts';
import type { ClientNetwork, Policy, Region, Service, Topology } from '../spec/index.ts';
import { distanceKm } from './geo.ts';
import { describeDrain, drainOf, NO_CONTROLS, weightOf, type Drain, type TrafficControls } from './traffic-controls.ts';

export type PolicyType = Policy['type'];

export interface RegionChoice {
  readonly region: string;
  /** The endpoints to answer with (only the up ones, unless failing open). */
  readonly addresses: readonly string[];
  /** Only for `selection: 'weighted-pick'`: the region's configured weight. */
  readonly weight?: number;
}

export interface RoutingDecision {
  readonly service: string;
  readonly policy: PolicyType;
  /** `all`: answer every address of every region; `weighted-pick`: one region per query, by weight. */
  readonly selection: 'all' | 'weighted-pick';
  readonly regions: readonly RegionChoice[];
  /** Every candidate is down, so every endpoint of every candidate is answered (see docs/gslb.md). */
  readonly failOpen: boolean;
  readonly reason: string;
}

interface Candidate {
  readonly region: Region;
  readonly index: number; // position in topology.regions, the tie-breaker
  readonly all: readonly string[];
  readonly up: readonly string[];
  /** Whether the region counts as healthy for this answer (see AddressFamily). */
  readonly healthy: boolean;
  readonly weight: number;
  /** An operator's drain: the region is left out of every answer. */
  readonly drain: Drain | undefined;
  /** Down by majority but kept in the answers by an overload hold. */
  readonly held: boolean;
}

/** Regions kept in a service's answers by an overload hold, per service (capacity-rules.ts). */
export type HeldRegions = ReadonlyMap<string, ReadonlySet<string>>;

export const NO_HOLDS: HeldRegions = new Map();

/** geo and latency answer differently per client network; the others answer everyone alike. */
export function dependsOnClient(policy: Policy): boolean {
  return policy.type === 'geo' || policy.type === 'latency';
}

/**
 * IP family of the records asked for. A region that has endpoints of that family is healthy for
 * it only while one of THOSE is up: its IPv6 endpoints can still be up while its IPv4 ones are
 * already down (probes cross thresholds one by one), and a family-blind choice would then answer
 * A queries with no address at all. A region with no endpoints of that family at all is judged
 * by its other endpoints, so an IPv4-only active region gets NODATA for AAAA rather than sending
 * dual-stack clients to a passive region.
 */
export type AddressFamily = 4 | 6;

export function decide(
  service: Service,
  topology: Topology,
  health: HealthSnapshot,
  client: ClientNetwork | undefined,
  family?: AddressFamily,
  controls: TrafficControls = NO_CONTROLS,
  held: HeldRegions = NO_HOLDS,
): RoutingDecision {
  const policy = service.policy;
  const base = { service: service.name, policy: policy.type };
  const configured = candidatesOf(service, topology, health, family, controls, held.get(service.name));
  if (configured.length === 0) {
    return { ...base, selection: 'all', regions: [], failOpen: false, reason: 'no endpoints configured in any candidate region' };
  }
  const drained = configured.filter((c) => c.drain !== undefined);
  const drainNote = drained.map((c) => `${c.region.name} ${describeDrain(c.drain as Drain)}; `).join('');
  const candidates = configured.filter((c) => c.drain === undefined);
  if (candidates.length === 0) {
    return { ...base, selection: 'all', regions: [], failOpen: false, reason: `${drainNote}every candidate region is drained: no address (a drained region is never answered, not even failing open)` };
  }
  const healthy = candidates.filter((c) => c.healthy);
  const down = candidates.filter((c) => !c.healthy).map((c) => c.region.name);
  if (healthy.length === 0) {
    const total = candidates.reduce((n, c) => n + c.all.length, 0);
    return {
      ...base,
      selection: 'all',
      regions: candidates.map((c) => ({ region: c.region.name, addresses: c.all })),
      failOpen: true,
      reason: `${drainNote}every ${drained.length > 0 ? 'undrained ' : ''}candidate region is down by majority (${down.join(', ')}): failing open with all ${total} endpoints`,
    };
  }
  const heldNote = healthy.filter((c) => c.held).map((c) => `${c.region.name} down by majority but held in the answers (capacity.onOverload hold: the others cannot absorb its load); `).join('');
  const downNote = `${drainNote}${down.length > 0 ? `${down.join(', ')} down by majority; ` : ''}${heldNote}`;
  const chosen = (cs: readonly Candidate[], why: string, selection: 'all' | 'weighted-pick' = 'all'): RoutingDecision => ({
    ...base,
    selection,
    regions: cs.map((c) => ({
      region: c.region.name,
      addresses: c.up,
      ...(selection === 'weighted-pick' ? { weight: c.weight } : {}),
    })),
    failOpen: false,
    reason: downNote + why + partialNote(cs),
  });

  switch (policy.type) {
    case 'failover': {
      const first = healthy[0] as Candidate;
      return chosen([first], `first healthy in failover order is ${first.region.name}`);
    }
    case 'weighted':
      return chosen(
        healthy,
        `one region per query, weighted: ${healthy.map((c) => `${c.region.name} ${c.weight}`).join(', ')}`,
        'weighted-pick',
      );
    case 'all-healthy':
      return chosen(healthy, `every healthy region: ${names(healthy)}`);
    case 'geo':
      return decideGeo(healthy, client, chosen);
    case 'latency':
      return decideLatency(healthy, client, chosen);
  }
}

type Chooser = (cs: readonly Candidate[], why: string) => RoutingDecision;

function decideGeo(healthy: readonly Candidate[], client: ClientNetwork | undefined, chosen: Chooser): RoutingDecision {
  const unknown = unknownClient(healthy, client, chosen);
  if (unknown) return unknown;
  const nearest = nearestByDistance(healthy, client as ClientNetwork);
  if (!nearest) return everyHealthy(healthy, `client network ${client?.name} has no location`, chosen);
  return chosen([nearest.c], `nearest healthy region to ${client?.name} is ${nearest.c.region.name} (${nearest.km} km)`);
}

function decideLatency(healthy: readonly Candidate[], client: ClientNetwork | undefined, chosen: Chooser): RoutingDecision {
  const unknown = unknownClient(healthy, client, chosen);
  if (unknown) return unknown;
  const network = client as ClientNetwork;
  const measured = healthy
    .filter((c) => network.latencyMs?.[c.region.name] !== undefined)
    .sort((a, b) => (network.latencyMs?.[a.region.name] ?? 0) - (network.latencyMs?.[b.region.name] ?? 0) || a.index - b.index);
  const best = measured[0];
  if (best) {
    return chosen([best], `lowest latency from ${network.name} among healthy regions is ${best.region.name} (${network.latencyMs?.[best.region.name]} ms)`);
  }
  const nearest = nearestByDistance(healthy, network);
  if (nearest) {
    return chosen(
      [nearest.c],
      `no latency measured from ${network.name} to a healthy region; nearest is ${nearest.c.region.name} (${nearest.km} km)`,
    );
  }
  return everyHealthy(healthy, `client network ${network.name} has neither latency measurements nor a location`, chosen);
}

function unknownClient(healthy: readonly Candidate[], client: ClientNetwork | undefined, chosen: Chooser): RoutingDecision | undefined {
  return client ? undefined : everyHealthy(healthy, 'client in no listed network', chosen);
}

function everyHealthy(healthy: readonly Candidate[], why: string, chosen: Chooser): RoutingDecision {
  return chosen(healthy, `${why}: answering every healthy region (${names(healthy)})`);
}

function nearestByDistance(cs: readonly Candidate[], network: ClientNetwork): { c: Candidate; km: number } | undefined {
  const from = network.location;
  if (!from) return undefined;
  const ranked = cs
    .filter((c) => c.region.geo !== undefined)
    .map((c) => ({ c, km: Math.round(distanceKm(from, c.region.geo as NonNullable<Region['geo']>)) }))
    .sort((a, b) => a.km - b.km || a.c.index - b.c.index);
  return ranked[0];
}

/**
 * The regions a service's policy may answer with, in the policy's order, drains not applied: the
 * failover order; weighted regions whose weight (an operator's override, else the topology's) is
 * above 0; else `policy.regions` or every region. The safety rules count over the same list.
 */
export function policyRegions(service: Service, topology: Topology, controls: TrafficControls = NO_CONTROLS): readonly string[] {
  const policy = service.policy;
  if (policy.type === 'failover') return policy.order;
  if (policy.type === 'weighted') {
    return topology.regions.map((r) => r.name).filter((n) => weightOf(controls, service.name, n, policy.weights[n] ?? 0) > 0);
  }
  return policy.regions ?? topology.regions.map((r) => r.name);
}

function candidatesOf(
  service: Service, topology: Topology, health: HealthSnapshot, family: AddressFamily | undefined, controls: TrafficControls, held: ReadonlySet<string> | undefined,
): Candidate[] {
  const policy = service.policy;
  const indexOf = new Map(topology.regions.map((r, i) => [r.name, i]));
  const out: Candidate[] = [];
  for (const name of policyRegions(service, topology, controls)) {
    const index = indexOf.get(name);
    const configured = service.endpoints?.[name] ?? [];
    if (index === undefined || configured.length === 0) continue;
    const isUp = (address: string) => endpointUp(health, service.name, name, address);
    const all = configured.filter((address) => family === undefined || isIP(address) === family);
    const routed = all.filter(isUp);
    const up = all.length > 0 ? routed.length > 0 : configured.some(isUp);
    // Held: down by majority, answered with every endpoint (which of them still serve is not known).
    const isHeld = !up && held?.has(name) === true;
    const weight = policy.type === 'weighted' ? weightOf(controls, service.name, name, policy.weights[name] ?? 0) : 1;
    out.push({
      region: topology.regions[index] as Region, index, all, up: isHeld ? all : routed, healthy: up || isHeld, weight, drain: drainOf(controls, service.name, name), held: isHeld,
    });
  }
  return out;
}

/** Routed up by the majority; an endpoint not judged yet counts as up (draining needs evidence). */
export function endpointUp(health: HealthSnapshot, service: string, region: string, address: string): boolean {
  return health.endpoints.get(endpointKey({ service, region, address }))?.up ?? true;
}

function partialNote(cs: readonly Candidate[]): string {
  const partial = cs.filter((c) => c.up.length < c.all.length);
  return partial.map((c) => `; ${c.region.name}: ${c.up.length} of ${c.all.length} endpoints up`).join('');
}

function names(cs: readonly Candidate[]): string {
  return cs.map((c) => c.region.name).join(', ');
}
