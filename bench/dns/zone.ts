/**
 * The static zone bind9 and Knot serve in the benchmark: the answers Meridian gives for the
 * bench topology with every endpoint healthy, written as a master file. Pure: records in, text out.
 *
 * The apex (SOA, NS and in-zone NS addresses) is copied from Meridian's own answers when Meridian
 * runs (see dns.ts), so all servers send the same bytes; `defaultApex` is used otherwise.
 */
import { isIPv6 } from 'node:net';
import { fqdn, type Service, type Topology } from '../../src/spec/index.ts';

/** One record in master-file syntax with an absolute owner: `web.example. 2 IN A 192.0.2.1`. */
export type ZoneLine = string;

export interface BenchZone {
  readonly origin: string;
  readonly lines: readonly ZoneLine[];
}

/** Addresses a healthy service is answered with: the policy's answer when nothing is down. */
export function healthyAddresses(topology: Topology, service: Service): readonly string[] {
  const endpoints = service.endpoints ?? {};
  const policy = service.policy;
  switch (policy.type) {
    case 'failover': {
      const first = policy.order.find((region) => (endpoints[region]?.length ?? 0) > 0);
      return first ? [...(endpoints[first] ?? [])] : [];
    }
    case 'all-healthy': {
      const regions = policy.regions ?? topology.regions.map((r) => r.name);
      return regions.flatMap((region) => endpoints[region] ?? []);
    }
    default:
      // geo, latency and weighted answers depend on the client or on chance: not a static zone.
      throw new Error(`bench zone: policy '${policy.type}' of service ${service.name} has no single static answer`);
  }
}

export function serviceLines(topology: Topology, ttl = topology.dns.ttl): ZoneLine[] {
  return topology.services.flatMap((service) =>
    healthyAddresses(topology, service).map((address) => `${fqdn(topology, service)}. ${ttl} IN ${isIPv6(address) ? 'AAAA' : 'A'} ${address}`),
  );
}

/** A conventional apex for when Meridian is not part of the run. */
export function defaultApex(zone: string): ZoneLine[] {
  return [
    `${zone}. 3600 IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 2`,
    `${zone}. 3600 IN NS ns1.${zone}.`,
    `ns1.${zone}. 3600 IN A 127.0.0.1`,
  ];
}

export function buildZone(topology: Topology, apex: readonly ZoneLine[]): BenchZone {
  return { origin: topology.zone, lines: [...apex, ...serviceLines(topology)] };
}

export function renderZoneFile(zone: BenchZone): string {
  return [`$ORIGIN ${zone.origin}.`, ...zone.lines, ''].join('\n');
}
