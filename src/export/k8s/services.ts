/**
 * The agent's Services, ClusterIP in the base: authoritative DNS (UDP and TCP 53 → the
 * container's unprivileged port), the peer API, and a headless one listing the region's agent
 * pods for the sibling relay. An overlay may turn either into a cloud
 * LoadBalancer with a patch: DNS public (the global zone is delegated to that address), the API
 * internal and open only to the peers' agents and the operators' networks.
 */
import { Service, type IServicePort } from 'kubernetes-models/v1';
import type { Region, RegionCloud } from '../../spec/index.ts';
import { API_SERVICE, COMMON_LABELS, DNS_SERVICE, PORTS, PORT_NAMES, SELECTOR_LABELS, SIBLINGS_SERVICE } from './names.ts';

export type Exposure = 'public' | 'internal';

export function dnsService(namespace: string): Service {
  return new Service({
    metadata: { name: DNS_SERVICE, namespace, labels: { ...COMMON_LABELS } },
    spec: {
      type: 'ClusterIP',
      selector: { ...SELECTOR_LABELS },
      ports: [
        { name: PORT_NAMES.dnsUdp, port: PORTS.dnsService, targetPort: PORT_NAMES.dnsUdp, protocol: 'UDP' },
        { name: PORT_NAMES.dnsTcp, port: PORTS.dnsService, targetPort: PORT_NAMES.dnsTcp, protocol: 'TCP' },
      ],
    },
  });
}

/**
 * The API, and the peer listener when there is one (`peerPort`): peers reach `agent.peer`, which
 * the export requires at the API's address, so both ports share the Service (and its
 * LoadBalancer). Who may use which port is the NetworkPolicies' business.
 */
export function apiService(namespace: string, peerPort?: number): Service {
  return new Service({
    metadata: { name: API_SERVICE, namespace, labels: { ...COMMON_LABELS } },
    spec: {
      type: 'ClusterIP',
      selector: { ...SELECTOR_LABELS },
      ports: agentPorts(peerPort),
    },
  });
}

function agentPorts(peerPort: number | undefined): IServicePort[] {
  const api: IServicePort = { name: PORT_NAMES.api, port: PORTS.api, targetPort: PORT_NAMES.api, protocol: 'TCP' };
  return peerPort === undefined ? [api] : [api, { name: PORT_NAMES.peer, port: peerPort, targetPort: PORT_NAMES.peer, protocol: 'TCP' }];
}

/**
 * Headless, so its name resolves to every agent pod: a peer's view push reaches one pod through
 * the API Service, and that pod relays it to the others. Not-ready pods are listed too: a pod
 * still starting needs the peers' views before it can answer as the others do.
 */
export function siblingsService(namespace: string, peerPort?: number): Service {
  return new Service({
    metadata: { name: SIBLINGS_SERVICE, namespace, labels: { ...COMMON_LABELS } },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { ...SELECTOR_LABELS },
      ports: agentPorts(peerPort),
    },
  });
}

/**
 * Strategic-merge patch turning a base Service into a LoadBalancer of the region's cloud.
 * `externalTrafficPolicy: Local` keeps the client's address: the GSLB matches client networks
 * by the query's source, and the API's NetworkPolicy admits peers by theirs.
 */
export function loadBalancerPatch(name: string, namespace: string, region: Region, exposure: Exposure, sourceRanges: readonly string[] = []): Service {
  const annotations = loadBalancerAnnotations(region.cloud?.provider, exposure);
  return new Service({
    metadata: { name, namespace, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: {
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      ...(sourceRanges.length > 0 ? { loadBalancerSourceRanges: [...sourceRanges] } : {}),
    },
  });
}

/**
 * The usual annotations per provider. AWS: an NLB from the AWS Load Balancer Controller with IP
 * targets and the client address kept. GCP: a backend-service-based passthrough NLB (needed for
 * TCP and UDP on one address) or an internal one. Azure: the default public Standard LB, or an
 * internal one. No provider (on-premises, MetalLB): none.
 */
export function loadBalancerAnnotations(provider: RegionCloud['provider'] | undefined, exposure: Exposure): Record<string, string> {
  switch (provider) {
    case 'aws':
      return {
        'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
        'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
        'service.beta.kubernetes.io/aws-load-balancer-scheme': exposure === 'public' ? 'internet-facing' : 'internal',
        'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'preserve_client_ip.enabled=true',
      };
    case 'gcp':
      return exposure === 'public'
        ? { 'cloud.google.com/l4-rbs': 'enabled' }
        : { 'networking.gke.io/load-balancer-type': 'Internal' };
    case 'azure':
      return exposure === 'public' ? {} : { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' };
    case undefined:
      return {};
  }
}
