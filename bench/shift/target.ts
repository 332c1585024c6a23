/**
 * What part (b) measures on a running lab, derived once from its topology and status (pure):
 * the failover service, the region to cut (first in the failover order: the one answered while
 * all is well), the IPv4 endpoints per region in failover order (PowerDNS's ifurlup address
 * sets), and the surviving regions' agents (Meridian's nameservers to watch).
 */
import { isIPv4 } from 'node:net';
import { InputError } from '../../src/common/errors.ts';
import type { Nameserver } from '../../src/drill/index.ts';
import type { LabStatus } from '../../src/lab/index.ts';
import { fqdn, type HealthCheck, type Topology } from '../../src/spec/index.ts';

export interface RegionAddresses {
  readonly region: string;
  readonly addresses: readonly string[];
}

export interface ShiftTarget {
  readonly zone: string;
  readonly service: string;
  /** e.g. `web.global.meridian.test` (no trailing dot). */
  readonly fqdn: string;
  /** TTL Meridian answers with (topology `dns.ttl`); PowerDNS's records get the same. */
  readonly ttl: number;
  readonly port: number;
  readonly health: HealthCheck;
  readonly cutRegion: string;
  /** IPv4 endpoints per region, in failover order. */
  readonly failoverSets: readonly RegionAddresses[];
  /** Agents of the regions that stay up. */
  readonly survivingAgents: readonly Nameserver[];
}

export function shiftTarget(topology: Topology, status: LabStatus): ShiftTarget {
  if (!status.agents) throw new InputError('the running lab has no agents (started with --no-agents): nothing answers DNS for Meridian');
  const service = topology.services.find((s) => s.policy.type === 'failover');
  if (!service || service.policy.type !== 'failover') {
    throw new InputError(`the lab's topology has no service with a failover policy: part (b) compares failover against PowerDNS ifurlup`);
  }
  const order = service.policy.order;
  const cutRegion = order[0] as string;
  const failoverSets = order.map((region) => ({ region, addresses: (service.endpoints?.[region] ?? []).filter((a) => isIPv4(a)) }));
  if ((failoverSets[0]?.addresses.length ?? 0) === 0) throw new InputError(`${service.name} has no IPv4 endpoint in ${cutRegion}: cutting it would measure nothing`);
  if (!failoverSets.slice(1).some((s) => s.addresses.length > 0)) throw new InputError(`${service.name} has no region to fail over to after ${cutRegion}`);
  const survivingAgents = status.regions.filter((r) => r.name !== cutRegion).map((r) => ({ region: r.name, ...splitHostPort(r.dns) }));
  if (survivingAgents.length === 0) throw new InputError(`no agent outside ${cutRegion} to watch`);
  return {
    zone: topology.zone,
    service: service.name,
    fqdn: fqdn(topology, service),
    ttl: topology.dns.ttl,
    port: service.port,
    health: service.health,
    cutRegion,
    failoverSets,
    survivingAgents,
  };
}

function splitHostPort(text: string): { address: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!match) throw new Error(`lab status has a malformed address '${text}'`);
  return { address: match[1] as string, port: Number(match[2]) };
}
