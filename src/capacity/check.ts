/**
 * The capacity check: can the regions that survive the loss (or drain) of some regions absorb
 * their load? Pure arithmetic over what the caller observed: the service's declaration, the
 * regions it answers with, each region's instances, the last load readings.
 *
 * Survivors are the regions the lost load goes to: for a `failover` policy the first healthy
 * region left in the order (active-passive: one region takes everything); for the others every
 * healthy region left. They must carry their own load plus the lost regions':
 *   total = survivors' load + load to absorb;  shortfall = max(0, total - survivors' capacity).
 * Weighted, geo and latency policies spread the lost load unevenly; the sum is the first-order
 * answer and docs/capacity.md says where it is optimistic.
 */
import type { Capacity, Service } from '../spec/index.ts';
import type { InstanceCount } from './instances.ts';
import type { ServiceLoad } from './loads.ts';

export interface RegionCapacity {
  readonly region: string;
  readonly instances: number;
  readonly healthyInstances: number;
  /** perInstance × healthy instances. */
  readonly capacityRps: number;
  /** The last reading; null: none yet. */
  readonly loadRps: number | null;
}

export type CapacityCheck =
  /** The service declares no capacity (services[].capacity). */
  | { readonly kind: 'undeclared'; readonly service: string }
  /** None of the lost regions is one the service answers with: nothing moves. */
  | { readonly kind: 'unaffected'; readonly service: string; readonly lost: readonly string[] }
  /** A reading the check needs is missing: `why` says which and why. */
  | { readonly kind: 'unmeasured'; readonly service: string; readonly lost: readonly string[]; readonly why: string }
  | CheckedCapacity;

export interface CheckedCapacity {
  readonly kind: 'checked';
  readonly service: string;
  /** The lost regions the service answers with now. */
  readonly lost: readonly string[];
  readonly survivors: readonly RegionCapacity[];
  readonly survivorsCapacityRps: number;
  readonly survivorsLoadRps: number;
  /** The lost regions' last readings, summed. */
  readonly loadToAbsorbRps: number;
  /** What the survivors would carry: their own load plus the load to absorb. */
  readonly totalRps: number;
  readonly shortfallRps: number;
  readonly fits: boolean;
  /** (capacity - total) / capacity when it fits, else 0. */
  readonly headroomRatio: number;
  /** shortfall / total: the share of the traffic the survivors could not serve. */
  readonly shortRatio: number;
  /** Age of the oldest reading used, at the check's time. */
  readonly oldestReadingMs: number;
}

export interface CheckInput {
  readonly service: Service;
  /** Regions the service answers with now, in policy order: endpoints there, not drained, weight above 0. */
  readonly candidates: readonly string[];
  readonly instances: (region: string) => InstanceCount;
  readonly load: ServiceLoad | undefined;
  /** The regions lost or drained. */
  readonly lost: readonly string[];
  /** Wall clock, milliseconds: only for the readings' age. */
  readonly nowMs: number;
}

export function capacityCheck(input: CheckInput): CapacityCheck {
  const { service, candidates } = input;
  const capacity = service.capacity;
  if (!capacity) return { kind: 'undeclared', service: service.name };
  const lost = candidates.filter((r) => input.lost.includes(r));
  if (lost.length === 0) return { kind: 'unaffected', service: service.name, lost: input.lost };
  const survivors = survivorsOf(service, candidates.filter((r) => !lost.includes(r)), input.instances)
    .map((region) => regionCapacity(region, capacity, input.instances(region), input.load));
  const missing = [...lost, ...survivors.map((s) => s.region)].filter((r) => !input.load?.regions.has(r));
  if (missing.length > 0) return { kind: 'unmeasured', service: service.name, lost, why: unmeasured(capacity, input.load, missing) };
  const reading = (r: string) => input.load?.regions.get(r) ?? invariant(`reading of ${r} checked above`);
  const loadToAbsorbRps = sum(lost.map((r) => reading(r).rps));
  const survivorsLoadRps = sum(survivors.map((s) => s.loadRps ?? 0));
  const survivorsCapacityRps = sum(survivors.map((s) => s.capacityRps));
  const totalRps = survivorsLoadRps + loadToAbsorbRps;
  const shortfallRps = Math.max(0, totalRps - survivorsCapacityRps);
  return {
    kind: 'checked', service: service.name, lost, survivors, survivorsCapacityRps, survivorsLoadRps, loadToAbsorbRps, totalRps, shortfallRps,
    fits: shortfallRps === 0,
    headroomRatio: shortfallRps === 0 && survivorsCapacityRps > 0 ? (survivorsCapacityRps - totalRps) / survivorsCapacityRps : 0,
    shortRatio: totalRps > 0 ? shortfallRps / totalRps : 0,
    oldestReadingMs: Math.max(0, ...[...lost, ...survivors.map((s) => s.region)].map((r) => input.nowMs - reading(r).atMs)),
  };
}

/** Where the lost load goes: the next healthy region of a failover order, else every healthy region left. */
function survivorsOf(service: Service, left: readonly string[], instances: (region: string) => InstanceCount): string[] {
  const healthy = left.filter((r) => instances(r).healthy > 0);
  return service.policy.type === 'failover' ? healthy.slice(0, 1) : healthy;
}

function regionCapacity(region: string, capacity: Capacity, count: InstanceCount, load: ServiceLoad | undefined): RegionCapacity {
  return {
    region,
    instances: count.instances,
    healthyInstances: count.healthy,
    capacityRps: capacity.perInstance * count.healthy,
    loadRps: load?.regions.get(region)?.rps ?? null,
  };
}

function unmeasured(capacity: Capacity, load: ServiceLoad | undefined, missing: readonly string[]): string {
  if (!capacity.load) return 'services[].capacity.load is not set: the agents read no load';
  const regions = `no reading for ${missing.join(', ')}`;
  if (load?.problem) return `${regions}: ${load.problem}`;
  if (load?.lastSuccessMs === undefined) return `${regions}: the first query has not answered yet`;
  return `${regions}: the query returns no series with ${capacity.load.regionLabel}="${missing[0]}"`;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function invariant(message: string): never {
  throw new Error(`invariant: ${message}`);
}
