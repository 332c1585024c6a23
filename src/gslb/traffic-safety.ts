/**
 * Safety rules of the traffic controls, like Route 53 ARC's assertion rules: a change is judged
 * by the state it would leave, and refused (unless forced) when it takes a healthy region out of
 * a service and leaves fewer healthy, undrained regions than the service's `minHealthyRegions`
 * (default 1). Pure: the health snapshot the agent holds and the controls before and after.
 *
 * A change that takes no healthy region out (an undrain, draining a region that is down, a
 * weight change between two non-zero weights) is never refused, even when the service is
 * already below its minimum: refusing it would not bring a region back.
 *
 * The capacity rule (docs/capacity.md): a change that takes a healthy region out of a service
 * that declares capacity is refused when the regions left could not absorb its measured load.
 * Unmeasured load refuses nothing (the plan says "no load measured"): the rule needs numbers.
 */
import { describeCapacity, NO_LOADS, type CheckedCapacity, type LoadReadings } from '../capacity/index.ts';
import type { HealthSnapshot } from '../health/types.ts';
import type { Service, Topology } from '../spec/index.ts';
import { serviceCapacity } from './capacity-rules.ts';
import { endpointUp, policyRegions } from './policy.ts';
import { describeDrain, drainOf, type Drain, type TrafficControls } from './traffic-controls.ts';

export type SafetyRule =
  /** The change would leave the service no healthy, undrained region at all. */
  | 'last-healthy-region'
  /** …or fewer than the service's `minHealthyRegions`. */
  | 'min-healthy-regions'
  /** The regions left could not absorb the load of the regions it takes out. */
  | 'capacity';

export interface Violation {
  readonly rule: SafetyRule;
  readonly service: string;
  readonly min: number;
  /** Healthy, undrained regions that would remain. */
  readonly remaining: readonly string[];
  /** Every other region of the service's policy, with why it would not count. */
  readonly excluded: readonly { readonly region: string; readonly why: string }[];
  /** Rule `capacity` only: the check that refused it. */
  readonly capacity?: CheckedCapacity;
}

export type SafetyVerdict =
  | { readonly kind: 'safe' }
  | { readonly kind: 'refused'; readonly violations: readonly Violation[] };

export const DEFAULT_MIN_HEALTHY_REGIONS = 1;

export function minHealthyRegionsOf(service: Service): number {
  return service.minHealthyRegions ?? DEFAULT_MIN_HEALTHY_REGIONS;
}

interface RegionState {
  readonly region: string;
  readonly healthy: boolean;
  readonly drain: Drain | undefined;
}

/** The regions a service can answer with under `controls` (those with endpoints), and their state. */
export function regionStates(service: Service, topology: Topology, health: HealthSnapshot, controls: TrafficControls): RegionState[] {
  return policyRegions(service, topology, controls)
    .filter((region) => (service.endpoints?.[region] ?? []).length > 0)
    .map((region) => ({
      region,
      healthy: (service.endpoints?.[region] ?? []).some((a) => endpointUp(health, service.name, region, a)),
      drain: drainOf(controls, service.name, region),
    }));
}

/** What the rules count: a region the service can answer with, healthy by majority and not drained. */
export const counts = (s: RegionState): boolean => s.healthy && s.drain === undefined;

/** `loads` and `nowMs` feed the capacity rule; without readings it refuses nothing. */
export function checkSafety(
  topology: Topology, health: HealthSnapshot, before: TrafficControls, after: TrafficControls, loads: LoadReadings = NO_LOADS, nowMs = 0,
): SafetyVerdict {
  const violations = topology.services.flatMap((service): Violation[] => {
    const was = regionStates(service, topology, health, before).filter(counts).map((s) => s.region);
    const states = regionStates(service, topology, health, after);
    const remaining = states.filter(counts).map((s) => s.region);
    const removed = was.filter((r) => !remaining.includes(r));
    const min = minHealthyRegionsOf(service);
    const out: Violation[] = [];
    if (remaining.length < min && remaining.length < was.length) {
      out.push({
        rule: remaining.length === 0 ? 'last-healthy-region' : 'min-healthy-regions',
        service: service.name,
        min,
        remaining,
        excluded: excludedRegions(service, topology, states, removed),
      });
    }
    const capacity = removed.length > 0 && service.capacity ? serviceCapacity(service, topology, health, before, loads, removed, nowMs) : undefined;
    if (capacity?.kind === 'checked' && !capacity.fits && capacity.loadToAbsorbRps > 0) {
      out.push({ rule: 'capacity', service: service.name, min, remaining, excluded: [], capacity });
    }
    return out;
  });
  return violations.length === 0 ? { kind: 'safe' } : { kind: 'refused', violations };
}

function excludedRegions(service: Service, topology: Topology, after: readonly RegionState[], removed: readonly string[]): Violation['excluded'] {
  const inPolicy = new Set(after.map((s) => s.region));
  const why = (s: RegionState) => (removed.includes(s.region) ? `taken out by this change (${s.drain ? describeDrain(s.drain) : 'weight 0'})` : s.drain ? describeDrain(s.drain) : 'down by majority');
  const out = after.filter((s) => !counts(s)).map((s) => ({ region: s.region, why: why(s) }));
  // A weighted region set to 0 by this change is no longer in the policy's list at all.
  for (const region of removed) if (!inPolicy.has(region)) out.push({ region, why: 'taken out by this change (weight 0)' });
  return out.sort((a, b) => topologyIndex(topology, a.region) - topologyIndex(topology, b.region));
}

function topologyIndex(topology: Topology, region: string): number {
  return topology.regions.findIndex((r) => r.name === region);
}

/** One line per violation: the rule, the service, what would remain and why the rest would not count. */
export function describeViolation(v: Violation): string {
  if (v.capacity) return `rule capacity: service ${describeCapacity(v.capacity)}`;
  const rule = v.rule === 'last-healthy-region'
    ? `rule last-healthy-region: service ${v.service} would have no healthy, undrained region left`
    : `rule min-healthy-regions: service ${v.service} would have ${v.remaining.length} healthy, undrained region(s), below its minHealthyRegions ${v.min}`;
  const remaining = `remaining: ${v.remaining.join(', ') || 'none'}`;
  const excluded = v.excluded.map((e) => `${e.region} ${e.why}`).join('; ');
  return `${rule} (${remaining}${excluded ? `; ${excluded}` : ''})`;
}
