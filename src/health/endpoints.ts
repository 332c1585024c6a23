/** The endpoints a topology declares, and the timing every agent derives from it. Pure. */
import { fqdn, type Service, type Topology } from '../spec/index.ts';
import { endpointKey, type EndpointRef } from './types.ts';

export interface ProbedEndpoint {
  readonly key: string;
  readonly ref: EndpointRef;
  readonly service: Service;
  readonly fqdn: string;
}

/** Every public endpoint of every service, in topology order (services, then regions, then addresses). */
export function topologyEndpoints(topology: Topology): ProbedEndpoint[] {
  return topology.services.flatMap((service) =>
    Object.entries(service.endpoints ?? {}).flatMap(([region, addresses]) =>
      addresses.map((address) => {
        const ref = { service: service.name, region, address };
        return { key: endpointKey(ref), ref, service, fqdn: fqdn(topology, service) };
      }),
    ),
  );
}

/** The fastest probe interval of the topology: the peer exchange runs at this period. */
export function smallestIntervalMs(topology: Topology): number {
  const intervals = topology.services.map((s) => s.health.interval);
  return intervals.length > 0 ? Math.min(...intervals) : 500;
}

/**
 * A peer's view stops counting after three exchange periods: views are pushed at least once per
 * period, so two lost or late pushes in a row are tolerated, a third means the peer is cut off.
 * Shorter would drop a healthy peer on one slow request; longer keeps a dead peer's last
 * opinion (and its vote) for longer than the time it takes to detect an endpoint failure.
 */
export function staleAfterMsFor(topology: Topology): number {
  return 3 * smallestIntervalMs(topology);
}
