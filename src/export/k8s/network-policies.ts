/**
 * The agent's NetworkPolicies. Ingress: DNS from anywhere (base); the API from the region's own
 * agent pods (base, the sibling relay), and from the peers' agent egress addresses and the
 * operators' networks (overlay), never whole peer VPCs: anything else in a peer's VPC could
 * otherwise push views or ask for a switchover. Egress: the probe targets, etcd clients and PostgreSQL stores
 * (base, the same in every region) and the peers' APIs (overlay). Policies add up, so a pod
 * gets exactly the union. Destinations named by a host name cannot be an ipBlock: their port
 * is opened to any address, and cluster DNS with it.
 */
import { isIP } from 'node:net';
import { NetworkPolicy, type INetworkPolicyEgressRule, type INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1';
import { parseHostPort } from '../../agent/index.ts';
import type { Region, Topology } from '../../spec/index.ts';
import { hostCidr, peerAgentCidrs, peersOf } from './inputs.ts';
import { COMMON_LABELS, PORTS, SELECTOR_LABELS } from './names.ts';

/** One destination the agent connects to (TCP). */
export interface Destination {
  readonly host: string;
  readonly port: number;
}

const podSelector = () => ({ matchLabels: { ...SELECTOR_LABELS } });

function policy(name: string, namespace: string, spec: Omit<NetworkPolicy['spec'], 'podSelector'>): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name, namespace, labels: { ...COMMON_LABELS } },
    spec: { podSelector: podSelector(), ...spec },
  });
}

export function dnsIngressPolicy(namespace: string): NetworkPolicy {
  return policy('meridian-dns-ingress', namespace, {
    policyTypes: ['Ingress'],
    // No `from`: resolvers anywhere query the zone delegated to this agent.
    ingress: [{ ports: [{ port: PORTS.dnsContainer, protocol: 'UDP' }, { port: PORTS.dnsContainer, protocol: 'TCP' }] }],
  });
}

/** Two rules, the peers' agents and the operators, so a reader sees who is let in and why. */
export function apiIngressPolicy(topology: Topology, region: string, operatorCidrs: readonly string[], namespace: string): NetworkPolicy {
  const api = [{ port: PORTS.api, protocol: 'TCP' as const }];
  // An empty list gets no rule (one region, no operators): nothing reaches the API from outside the pod.
  const rules = [peerAgentCidrs(topology, region), sortedUnique(operatorCidrs)]
    .filter((cidrs) => cidrs.length > 0)
    .map((cidrs) => ({ from: cidrs.map(ipBlock), ports: api }));
  return policy('meridian-api-ingress', namespace, { policyTypes: ['Ingress'], ingress: rules });
}

/** Who may reach the API: for the internal LoadBalancer's source ranges, which mirror the policy. */
export function apiSourceRanges(topology: Topology, region: string, operatorCidrs: readonly string[]): string[] {
  return sortedUnique([...peerAgentCidrs(topology, region), ...operatorCidrs]);
}

/**
 * The peer listener (mutual TLS, `peerPort`) admits the peers' agents by their egress addresses
 * only: it serves nothing an operator uses, so `operatorCidrs` stay out.
 */
export function peerIngressPolicy(topology: Topology, region: string, peerPort: number, namespace: string): NetworkPolicy {
  const peer = [{ port: peerPort, protocol: 'TCP' as const }];
  return policy('meridian-peer-ingress', namespace, {
    policyTypes: ['Ingress'],
    ingress: [{ from: peerAgentCidrs(topology, region).map(ipBlock), ports: peer }],
  });
}

/**
 * The agent pods of a region relay peer views to each other, found through cluster DNS: on the
 * API, or on the peer listener when there is one (`peerPort`: `--siblings` names it then).
 */
export function siblingsPolicy(namespace: string, peerPort?: number): NetworkPolicy {
  const relay = [{ port: peerPort ?? PORTS.api, protocol: 'TCP' as const }];
  return policy('meridian-siblings', namespace, {
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: podSelector() }], ports: relay }],
    egress: [clusterDnsRule(), { to: [{ podSelector: podSelector() }], ports: relay }],
  });
}

/** Egress the agent needs in every region: probes, etcd, databases. */
export function sharedEgressPolicy(topology: Topology, namespace: string): NetworkPolicy {
  return policy('meridian-egress', namespace, { policyTypes: ['Egress'], egress: egressRules(sharedDestinations(topology)) });
}

/** Egress to this region's peers' APIs and peer listeners (view pushes, demote/rejoin requests). */
export function peerEgressPolicy(topology: Topology, region: string, namespace: string): NetworkPolicy {
  return policy('meridian-egress-peers', namespace, { policyTypes: ['Egress'], egress: egressRules(peerDestinations(topology, region)) });
}

export function sharedDestinations(topology: Topology): Destination[] {
  const probes = topology.services.flatMap((s) => Object.values(s.endpoints ?? {}).flat().map((host) => ({ host, port: s.port })));
  // The agent is an etcd client only; the members' peer URLs are between etcd members.
  const etcd = topology.regions.flatMap((r) => (r.etcd ? [urlDestination(r.etcd.client)] : []));
  const stores = topology.stores
    .filter((s) => s.engine === 'postgres')
    .flatMap((s) => Object.values(s.endpoints ?? {}).map((host) => ({ host, port: s.port })));
  return [...probes, ...etcd, ...stores];
}

/** Each peer's API, and its peer listener where it has one (reached over mutual TLS then). */
export function peerDestinations(topology: Topology, region: string): Destination[] {
  return peersOf(topology, region).flatMap((p: Region) => {
    if (!p.agent) return [];
    const api = urlDestination(p.agent.api);
    return p.agent.peer === undefined ? [api] : [api, parseHostPort(p.agent.peer, `regions.${p.name}.agent.peer`)];
  });
}

export function urlDestination(url: string): Destination {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80 };
}

/** One rule per port, its addresses as /32 or /128 blocks; a host name opens the port to all. */
export function egressRules(destinations: readonly Destination[]): INetworkPolicyEgressRule[] {
  const byPort = new Map<number, Set<string>>();
  for (const d of destinations) byPort.set(d.port, (byPort.get(d.port) ?? new Set()).add(d.host));
  const ports = [...byPort.keys()].sort((a, b) => a - b);
  const rules = ports.map((port): INetworkPolicyEgressRule => {
    const hosts = [...byPort.get(port)!];
    const tcp = [{ port, protocol: 'TCP' as const }];
    return hosts.every((h) => isIP(h) !== 0)
      ? { to: sortedUnique(hosts.map(hostCidr)).map(ipBlock), ports: tcp }
      : { ports: tcp };
  });
  return destinations.some((d) => isIP(d.host) === 0) ? [clusterDnsRule(), ...rules] : rules;
}

function clusterDnsRule(): INetworkPolicyEgressRule {
  return {
    to: [{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    }],
    ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
  };
}

function ipBlock(cidr: string): INetworkPolicyPeer {
  return { ipBlock: { cidr } };
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
