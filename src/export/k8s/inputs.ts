/**
 * What the Kubernetes export needs from the topology, checked once: the image, the namespace,
 * the regions asked for (each one a region the agent itself would accept, via planAgent), and
 * the peer networks the API admits. Pure; a missing input is one InputError naming its field.
 */
import { planAgent } from '../../agent/index.ts';
import { InputError } from '../../common/errors.ts';
import type { Region, Topology } from '../../spec/index.ts';
import { DEFAULT_NAMESPACE, PORTS } from './names.ts';

export interface K8sExportOptions {
  /** Regions to write an overlay for (`--region R`, or every region with `--all-regions`). */
  readonly regions: readonly string[];
  /** DNS Service as a public LoadBalancer, annotated for regions[].cloud.provider. @default false */
  readonly dnsLoadBalancer?: boolean;
  /** API Service as an internal LoadBalancer open to the peers' networks only. @default false */
  readonly apiLoadBalancer?: boolean;
}

export interface K8sInputs {
  readonly topology: Topology;
  readonly image: string;
  readonly namespace: string;
  readonly regions: readonly Region[];
  readonly dnsLoadBalancer: boolean;
  readonly apiLoadBalancer: boolean;
}

/** Listen addresses inside the pod: unprivileged ports on every interface. */
export const LISTEN = { dns: `0.0.0.0:${PORTS.dnsContainer}`, api: `0.0.0.0:${PORTS.api}` } as const;

export function checkK8sInputs(topology: Topology, options: K8sExportOptions): K8sInputs {
  const image = topology.kubernetes?.image;
  if (!image) {
    throw new InputError("kubernetes.image is missing: the k8s export needs the agent's container image (kubernetes: { image: 'registry.example.com/meridian:0.1.0' }, built from the repository's Dockerfile)");
  }
  if (options.regions.length === 0) throw new InputError('no region to export: pass --region NAME or --all-regions');
  // The same checks the agent runs at start (region known, every agent address, service
  // endpoints): a manifest the agent would refuse is never written.
  for (const region of options.regions) planAgent(topology, region, { dnsListen: LISTEN.dns, apiListen: LISTEN.api });
  const regions = [...new Set(options.regions)].map((name) => topology.regions.find((r) => r.name === name)!);
  for (const region of regions) checkPeerNetworks(topology, region.name);
  return {
    topology,
    image,
    namespace: topology.kubernetes?.namespace ?? DEFAULT_NAMESPACE,
    regions,
    dnsLoadBalancer: options.dnsLoadBalancer ?? false,
    apiLoadBalancer: options.apiLoadBalancer ?? false,
  };
}

/** Peers of a region, in topology order. */
export function peersOf(topology: Topology, region: string): Region[] {
  return topology.regions.filter((r) => r.name !== region);
}

/** The networks a region's API admits: its peers', sorted, each once. */
export function peerNetworks(topology: Topology, region: string): string[] {
  return [...new Set(peersOf(topology, region).flatMap((p) => p.cloud?.networks ?? []))].sort();
}

/** The API admits only the peers' networks: a peer without any would be shut out silently. */
function checkPeerNetworks(topology: Topology, region: string): void {
  topology.regions.forEach((peer, i) => {
    if (peer.name === region || (peer.cloud?.networks.length ?? 0) > 0) return;
    throw new InputError(`regions[${i}].cloud.networks is missing for '${peer.name}': the API of '${region}' admits only its peers' networks (cloud: { provider: aws, region: eu-west-1, networks: [10.1.0.0/16] })`);
  });
}
