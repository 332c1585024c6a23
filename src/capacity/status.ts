/**
 * The capacity section of GET /status (also what the metrics and the dashboard read): per service
 * that declares capacity, each region's instances, capacity and last measured load, the load
 * source and its problem, and the overload holds in force. Pure: plain JSON out.
 */
import type { HealthSnapshot } from '../health/types.ts';
import type { Topology } from '../spec/index.ts';
import type { CheckedCapacity } from './check.ts';
import { describeCapacity } from './describe.ts';
import { instanceCount, regionCondition, type RegionCondition } from './instances.ts';
import type { LoadReadings } from './loads.ts';

/** A degraded region kept in the answers (gslb's OverloadHold has this shape). */
export interface HoldRecord {
  readonly service: string;
  readonly region: string;
  readonly check: CheckedCapacity;
}

export interface RegionCapacityStatus {
  readonly region: string;
  readonly condition: RegionCondition;
  readonly instances: number;
  readonly healthyInstances: number;
  readonly capacityRps: number;
  /** The last reading; null before the first. */
  readonly loadRps: number | null;
  readonly loadAgeMs: number | null;
  /** load / capacity; null without a reading or without capacity. */
  readonly utilization: number | null;
}

export interface ServiceCapacityStatus {
  readonly service: string;
  readonly perInstance: number;
  readonly onOverload: 'shift' | 'hold';
  /** `prometheus http://…, every 15s`; null: no load source declared. */
  readonly source: string | null;
  readonly problem: string | null;
  readonly regions: readonly RegionCapacityStatus[];
  readonly holds: readonly { readonly region: string; readonly shortfallRps: number; readonly detail: string; readonly override: string }[];
}

export interface CapacityStatus {
  readonly services: readonly ServiceCapacityStatus[];
}

export function capacityStatus(topology: Topology, health: HealthSnapshot, loads: LoadReadings, holds: readonly HoldRecord[], nowMs: number): CapacityStatus {
  return {
    services: topology.services.flatMap((service): ServiceCapacityStatus[] => {
      const capacity = service.capacity;
      if (!capacity) return [];
      const load = loads.get(service.name);
      const regions = Object.keys(service.endpoints ?? {}).map((region): RegionCapacityStatus => {
        const count = instanceCount(service, region, health);
        const reading = load?.regions.get(region);
        const capacityRps = capacity.perInstance * count.healthy;
        return {
          region,
          condition: regionCondition(service, region, health),
          instances: count.instances,
          healthyInstances: count.healthy,
          capacityRps,
          loadRps: reading?.rps ?? null,
          loadAgeMs: reading ? Math.max(0, nowMs - reading.atMs) : null,
          utilization: reading && capacityRps > 0 ? reading.rps / capacityRps : null,
        };
      });
      return [{
        service: service.name,
        perInstance: capacity.perInstance,
        onOverload: capacity.onOverload,
        source: capacity.load ? `prometheus ${capacity.load.prometheus.join(', ')}, every ${capacity.load.interval / 1000}s` : null,
        problem: load?.problem ?? null,
        regions,
        holds: holds.filter((h) => h.service === service.name).map((h) => ({
          region: h.region,
          shortfallRps: h.check.shortfallRps,
          detail: describeCapacity(h.check),
          override: holdOverride(h.service, h.region),
        })),
      }];
    }),
  };
}

/**
 * How an operator moves a held region's traffic anyway. A drain of a region that is down by
 * majority takes no healthy region out, so no safety rule refuses it (gslb/traffic-safety.ts).
 */
export function holdOverride(service: string, region: string): string {
  return `meridian traffic drain --region ${region} --service ${service}`;
}
