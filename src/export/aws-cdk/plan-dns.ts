/**
 * Route 53's part of the plan, in the mode the topology chooses (route53.mode, default
 * `delegate`): hand the global zone to Meridian's agents, or let Route 53 answer by itself.
 */
import { isIPv4 } from 'node:net';
// The agent's own parser, from its pure planning module (the agent's index pulls in its runtime).
import { parseHostPort } from '../../agent/plan.ts';
import { InputError } from '../../common/errors.ts';
import type { Topology } from '../../spec/index.ts';
import type { DelegatedDns, NativeDns } from './app/lib/plan-types.ts';
import { nativeService } from './plan-native.ts';

/** Same TTL as the agents give their own NS records (src/gslb/zone.ts): delegation data changes rarely. */
export const NS_TTL = 300;

export function planDns(topology: Topology, notes: string[]): DelegatedDns | NativeDns {
  return (topology.route53?.mode ?? 'delegate') === 'delegate' ? delegated(topology) : native(topology, notes);
}

/**
 * NS records naming `ns-<region>.<zone>` (the name each agent gives itself in the zone it serves)
 * and glue for those names, both in the parent zone: the parent's referral carries the addresses.
 */
function delegated(t: Topology): DelegatedDns {
  const parentZoneId = t.route53?.parentZoneId;
  if (!parentZoneId) {
    throw new InputError(`export aws-cdk: route53.parentZoneId is missing; the 'delegate' mode writes the NS and glue records of ${t.zone} into the parent domain's hosted zone (or set route53.mode: native)`);
  }
  const missing = t.regions.filter((r) => !r.agent).map((r) => r.name);
  if (missing.length > 0) {
    throw new InputError(`export aws-cdk: route53 'delegate' names every region's agent as a name server of ${t.zone}, but region(s) ${missing.join(', ')} have no agent.dns address`);
  }
  const nameServers = t.regions.map((r) => {
    const dns = r.agent?.dns ?? '';
    const { host, port } = parseHostPort(dns, `regions.${r.name}.agent.dns`);
    if (port !== 53) {
      throw new InputError(`export aws-cdk: region ${r.name}'s agent.dns is ${dns}; resolvers follow a delegation to port 53 only (put the agent's public DNS address there)`);
    }
    return { name: `ns-${r.name}.${t.zone}`, type: isIPv4(host) ? 'A' as const : 'AAAA' as const, address: host };
  });
  return { mode: 'delegate', parentZoneId, ttl: NS_TTL, nameServers };
}

function native(t: Topology, notes: string[]): NativeDns {
  const parentZoneId = t.route53?.parentZoneId ?? null;
  if (!parentZoneId) {
    notes.push(`route53 native: no route53.parentZoneId, so nothing delegates ${t.zone} to the new hosted zone; add its name servers (the global stack's output) to the parent domain by hand`);
  }
  return { mode: 'native', parentZoneId, nsTtl: NS_TTL, ttl: t.dns.ttl, services: t.services.map((s) => nativeService(t, s, notes)) };
}
