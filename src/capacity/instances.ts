/**
 * A region's instances as the capacity check counts them, from the health snapshot. Pure.
 *
 * Without `capacity.instances`, each endpoint address of one IP family is one instance (the lab
 * gives every instance one IPv4 and one IPv6 address; a production list of per-instance addresses
 * works the same), and the family that sees the most of them up counts: an instance serves both.
 * With `capacity.instances[R]`, R's endpoints are load balancers in front of that many instances,
 * which the agents cannot see one by one: the count scales with the share of R's endpoints up.
 */
import { isIP } from 'node:net';
import { endpointKey, type EndpointVerdict, type HealthSnapshot } from '../health/types.ts';
import type { Service } from '../spec/index.ts';

export interface InstanceCount {
  readonly instances: number;
  /** Instances behind endpoints routed up by the majority (an endpoint not judged yet counts as up). */
  readonly healthy: number;
}

export function instanceCount(service: Service, region: string, health: HealthSnapshot): InstanceCount {
  const byFamily = [4, 6].map((family) => {
    const all = (service.endpoints?.[region] ?? []).filter((a) => isIP(a) === family);
    return { total: all.length, up: all.filter((a) => verdictOf(health, service.name, region, a)?.up ?? true).length };
  }).filter((f) => f.total > 0);
  const declared = service.capacity?.instances?.[region];
  if (declared === undefined) {
    return { instances: Math.max(0, ...byFamily.map((f) => f.total)), healthy: Math.max(0, ...byFamily.map((f) => f.up)) };
  }
  // Integer numerator over an integer: an exact quotient is exact in floating point, so floor is safe.
  return { instances: declared, healthy: Math.max(0, ...byFamily.map((f) => Math.floor((declared * f.up) / f.total))) };
}

/**
 * `up`: an endpoint is routed up. `degraded`: none is, yet some vantage point with a fresh view
 * still sees one up (a region too slow for most probes still serves). `dead`: no vantage point
 * gets a healthy answer from any of them (cut off, crashed): traffic held there serves nobody.
 * `none`: the service has no endpoints there.
 */
export type RegionCondition = 'up' | 'degraded' | 'dead' | 'none';

export function regionCondition(service: Service, region: string, health: HealthSnapshot): RegionCondition {
  const addresses = service.endpoints?.[region] ?? [];
  if (addresses.length === 0) return 'none';
  const verdicts = addresses.map((a) => verdictOf(health, service.name, region, a));
  if (verdicts.some((v) => v?.up ?? true)) return 'up';
  return verdicts.some((v) => v !== undefined && v.voters.length > v.downVotes.length) ? 'degraded' : 'dead';
}

function verdictOf(health: HealthSnapshot, service: string, region: string, address: string): EndpointVerdict | undefined {
  return health.endpoints.get(endpointKey({ service, region, address }));
}
