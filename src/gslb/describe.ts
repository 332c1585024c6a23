/** What each service answers right now, per client class: for GET /status and `meridian status`. */
import { fqdn, type Topology } from '../spec/index.ts';
import type { RoutingDecision } from './policy.ts';
import { ANY_CLIENT, type Zone } from './zone.ts';

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
    const perClass = zone.decisions.get(service.name) ?? new Map<string, RoutingDecision>();
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

function summarize(clientNetwork: string, d: RoutingDecision): ServiceAnswers['answers'][number] {
  return {
    clientNetwork,
    regions: d.regions.map((r) => r.region),
    addresses: [...new Set(d.regions.flatMap((r) => r.addresses))],
    ...(d.selection === 'weighted-pick' ? { weights: Object.fromEntries(d.regions.map((r) => [r.region, r.weight ?? 1])) } : {}),
    failOpen: d.failOpen,
    reason: d.reason,
  };
}
