/** What each service answers right now, per client class: for GET /status and `meridian status`. */
import { fqdn, type Topology } from '../spec/index.ts';
import type { RoutingDecision } from './policy.ts';
import { ANY_CLIENT, type FamilyDecisions, type Zone } from './zone.ts';

export interface ServiceAnswers {
  service: string;
  fqdn: string;
  policy: string;
  /**
   * One entry per client network that gets its own answer, then '*' for everyone else.
   * Policies that answer every client alike (failover, weighted, all-healthy) have only '*'.
   */
  answers: {
    /** Network name, or '*' for clients in no listed network. */
    clientNetwork: string;
    regions: string[];
    addresses: string[];
    /** weighted only: each query gets ONE of `regions`, with these relative weights. */
    weights?: Record<string, number>;
    failOpen: boolean;
    reason: string;
  }[];
}

export function describeZone(topology: Topology, zone: Zone): ServiceAnswers[] {
  return topology.services.map((service) => {
    const perClass = zone.decisions.get(service.name) ?? new Map<string, FamilyDecisions>();
    const classes = [...perClass.keys()].filter((c) => c !== ANY_CLIENT);
    classes.push(ANY_CLIENT);
    return {
      service: service.name,
      fqdn: fqdn(topology, service),
      policy: service.policy.type,
      answers: classes.flatMap((clientNetwork) => {
        const d = perClass.get(clientNetwork);
        return d ? [summarize(clientNetwork, d)] : [];
      }),
    };
  });
}

/**
 * A and AAAA are decided separately; they agree unless one family's endpoints are down while the
 * other's are up. The summary lists the union and says so when they differ.
 */
function summarize(clientNetwork: string, both: FamilyDecisions): ServiceAnswers['answers'][number] {
  const configured = [both.v4, both.v6].filter((d) => d.regions.length > 0);
  const decisions = configured.length > 0 ? configured : [both.v4];
  const main = decisions[0] as RoutingDecision;
  const regions = [...new Set(decisions.flatMap((d) => d.regions.map((r) => r.region)))];
  const weights = decisions.flatMap((d) => (d.selection === 'weighted-pick' ? d.regions.map((r) => [r.region, r.weight ?? 1] as const) : []));
  const other = decisions[1];
  const differs = other && other.regions.map((r) => r.region).join() !== main.regions.map((r) => r.region).join();
  return {
    clientNetwork,
    regions,
    addresses: [...new Set(decisions.flatMap((d) => d.regions.flatMap((r) => r.addresses)))],
    ...(weights.length > 0 ? { weights: Object.fromEntries(weights) } : {}),
    failOpen: decisions.some((d) => d.failOpen),
    reason: differs ? `IPv4: ${main.reason}; IPv6: ${other.reason}` : main.reason,
  };
}
