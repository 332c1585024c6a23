/**
 * A drain as a dry run (`meridian plan drain`): what draining a region would do to each service's
 * answers, judged exactly as the real request is. Pure: the request is planned by
 * planTrafficChange with force, so the rules that would refuse it come back as `overridden`
 * (the same evaluation, traffic-safety.ts), and the controls it would leave are compared with
 * the ones in force through regionStates.
 */
import { NO_LOADS, type CapacityCheck, type LoadReadings } from '../capacity/index.ts';
import type { HealthSnapshot } from '../health/types.ts';
import { serviceCapacity } from './capacity-rules.ts';
import type { Topology } from '../spec/index.ts';
import { planTrafficChange } from './traffic-change.ts';
import { describeDrain, type TrafficControls } from './traffic-controls.ts';
import { counts, describeViolation, minHealthyRegionsOf, regionStates, type Violation } from './traffic-safety.ts';

export interface ServiceDrainEffect {
  readonly service: string;
  /** The region is one the service answers with now (endpoints there, not drained) and would not be after. */
  readonly loses: boolean;
  /** The region as the service sees it now: `healthy`, `down by majority`, `drained by …`, or `no endpoints`. */
  readonly now: string;
  /** Healthy, undrained regions the service would keep. */
  readonly remaining: readonly string[];
  readonly minHealthyRegions: number;
  /** Whether the regions it would keep can absorb the region's load (src/capacity). */
  readonly capacity: CapacityCheck;
}

export type DrainPreview =
  | { readonly kind: 'invalid'; readonly detail: string }
  /** Already drained in that scope: the request would change nothing. */
  | { readonly kind: 'unchanged'; readonly detail: string }
  /** `refusedBy`: the rules that refuse it without --force (empty: it would be applied as asked). */
  | { readonly kind: 'drain'; readonly services: readonly ServiceDrainEffect[]; readonly refusedBy: readonly Violation[]; readonly refusals: readonly string[] };

export function previewDrain(
  topology: Topology, health: HealthSnapshot, current: TrafficControls, region: string, service?: string, loads: LoadReadings = NO_LOADS, nowMs = 0,
): DrainPreview {
  const request = { kind: 'drain', region, by: 'plan', force: true, ...(service ? { service } : {}) } as const;
  const plan = planTrafficChange(topology, health, current, request, new Date(nowMs).toISOString(), loads);
  if (plan.kind === 'invalid' || plan.kind === 'unchanged') return { kind: plan.kind, detail: plan.detail };
  if (plan.kind !== 'apply') throw new Error(`invariant: a forced drain is applied or unchanged, not ${plan.kind}`);
  const services = topology.services.filter((s) => service === undefined || s.name === service).map((s): ServiceDrainEffect => {
    const before = regionStates(s, topology, health, current).find((r) => r.region === region);
    const now = !before ? 'no endpoints' : before.drain ? describeDrain(before.drain) : before.healthy ? 'healthy' : 'down by majority';
    return {
      service: s.name,
      loses: before !== undefined && before.drain === undefined,
      now,
      remaining: regionStates(s, topology, health, plan.next).filter(counts).map((r) => r.region),
      minHealthyRegions: minHealthyRegionsOf(s),
      capacity: serviceCapacity(s, topology, health, current, loads, [region], nowMs),
    };
  });
  return { kind: 'drain', services, refusedBy: plan.overridden, refusals: plan.overridden.map(describeViolation) };
}
