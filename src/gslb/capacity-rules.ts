/**
 * The capacity check as routing sees it (src/capacity has the arithmetic): which regions a service
 * answers with under the traffic controls in force, and the overload holds of services with
 * `capacity.onOverload: hold`. Pure: the health snapshot, the controls and the load readings in.
 *
 * The hold rule (docs/capacity.md): a region down by majority leaves the answers, as always,
 * unless all of these hold: the service says `hold`; the region is *degraded* (some vantage
 * point still gets a healthy answer from it), not *dead*; some region is still healthy (else
 * fail-open answers everything anyway); the load is measured; and the survivors cannot absorb the
 * load of every region leaving. Then the degraded regions stay in the answers: moving their load
 * would overload the survivors too, a cascade. A dead region is shifted whatever the shortfall:
 * its clients get nothing there, and the survivors serve at least part of them.
 */
import {
  capacityCheck, instanceCount, regionCondition, type CapacityCheck, type CheckedCapacity, type LoadReadings,
} from '../capacity/index.ts';
import type { HealthSnapshot } from '../health/types.ts';
import type { Service, Topology } from '../spec/index.ts';
import { policyRegions, type HeldRegions } from './policy.ts';
import { drainOf, NO_CONTROLS, type TrafficControls } from './traffic-controls.ts';

/** A degraded region kept in a service's answers because the survivors could not absorb it. */
export interface OverloadHold {
  readonly service: string;
  readonly region: string;
  readonly check: CheckedCapacity;
}

/** Regions the service answers with under `controls`, in policy order: endpoints there, not drained. */
export function answeringRegions(service: Service, topology: Topology, controls: TrafficControls = NO_CONTROLS): string[] {
  return policyRegions(service, topology, controls)
    .filter((r) => (service.endpoints?.[r] ?? []).length > 0 && drainOf(controls, service.name, r) === undefined);
}

/** The check of `service` if `lost` left its answers now. */
export function serviceCapacity(
  service: Service, topology: Topology, health: HealthSnapshot, controls: TrafficControls, loads: LoadReadings, lost: readonly string[], nowMs: number,
): CapacityCheck {
  return capacityCheck({
    service,
    candidates: answeringRegions(service, topology, controls),
    instances: (r) => instanceCount(service, r, health),
    load: loads.get(service.name),
    lost,
    nowMs,
  });
}

/** Every service's check if `lost` were lost now (plans, failover records). */
export function capacityIfLost(
  topology: Topology, health: HealthSnapshot, controls: TrafficControls, loads: LoadReadings, lost: readonly string[], nowMs: number,
): CapacityCheck[] {
  return topology.services.map((s) => serviceCapacity(s, topology, health, controls, loads, lost, nowMs));
}

export function overloadHolds(topology: Topology, health: HealthSnapshot, controls: TrafficControls, loads: LoadReadings, nowMs: number): OverloadHold[] {
  return topology.services.flatMap((service) => {
    if (service.capacity?.onOverload !== 'hold') return [];
    const answering = answeringRegions(service, topology, controls);
    const condition = new Map(answering.map((r) => [r, regionCondition(service, r, health)]));
    const leaving = answering.filter((r) => condition.get(r) === 'degraded' || condition.get(r) === 'dead');
    const degraded = leaving.filter((r) => condition.get(r) === 'degraded');
    if (degraded.length === 0 || leaving.length === answering.length) return [];
    const check = serviceCapacity(service, topology, health, controls, loads, leaving, nowMs);
    if (check.kind !== 'checked' || check.fits) return [];
    return degraded.map((region) => ({ service: service.name, region, check }));
  });
}

/** The held regions per service, as `decide` takes them. */
export function heldRegions(holds: readonly OverloadHold[]): HeldRegions {
  const out = new Map<string, Set<string>>();
  for (const h of holds) out.set(h.service, (out.get(h.service) ?? new Set()).add(h.region));
  return out;
}
