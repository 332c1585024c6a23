/**
 * What the Kubernetes export needs from the topology, checked once: the image (pinned by digest
 * when one is given), the namespace, the regions asked for (each one a region the agent itself
 * would accept, via planAgent), and who the API admits: the peers' agent egress addresses and
 * the operators' networks. Pure; a missing input is one InputError naming its field.
 */
import { isIP } from 'node:net';
import { parseHostPort, planAgent } from '../../agent/index.ts';
import { InputError } from '../../common/errors.ts';
import type { Region, Topology } from '../../spec/index.ts';
import { agentImage } from './image.ts';
import { API_TLS_SECRET, DEFAULT_NAMESPACE, PORTS } from './names.ts';

export interface K8sExportOptions {
  /** Regions to write an overlay for (`--region R`, or every region with `--all-regions`). */
  readonly regions: readonly string[];
  /** DNS Service as a public LoadBalancer, annotated for regions[].cloud.provider. @default false */
  readonly dnsLoadBalancer?: boolean;
  /** API Service as an internal LoadBalancer open to the peers' agents and operators only. @default false */
  readonly apiLoadBalancer?: boolean;
  /** Replaces kubernetes.image (`--image`), e.g. `repo@sha256:…` from a CI push. @default kubernetes.image */
  readonly image?: string;
  /** `sha256:<64 hex>` (`--image-digest`): the Deployment runs `name@digest`, never a tag. */
  readonly imageDigest?: string;
}

export interface K8sInputs {
  readonly topology: Topology;
  readonly image: string;
  readonly namespace: string;
  readonly regions: readonly Region[];
  /** Networks admitted to the API beside the peers' agents (kubernetes.operatorCidrs). */
  readonly operatorCidrs: readonly string[];
  readonly dnsLoadBalancer: boolean;
  readonly apiLoadBalancer: boolean;
  /**
   * The agents' peer listener port (mutual TLS), when the topology gives regions `agent.peer`:
   * the container listens there with `--peer-tls`, and peers reach it through the API Service.
   * Undefined without any `agent.peer`: the export is then what it was before mutual TLS.
   */
  readonly peerPort?: number;
  /**
   * The topology's etcd client URLs are https://: the agent runs with `--etcd-tls` on the
   * meridian-etcd-tls Secret. False with http:// URLs or no etcd: the export is what it was.
   */
  readonly etcdTls: boolean;
  /**
   * The topology's agent.api URLs are https://: the agent serves its API with `--api-tls` on the
   * meridian-api-tls Secret. False with http:// URLs: the export is what it was.
   */
  readonly apiTls: boolean;
}

/** Listen addresses inside the pod: unprivileged ports on every interface. */
export const LISTEN = { dns: `0.0.0.0:${PORTS.dnsContainer}`, api: `0.0.0.0:${PORTS.api}` } as const;

export function checkK8sInputs(topology: Topology, options: K8sExportOptions): K8sInputs {
  const image = options.image ?? topology.kubernetes?.image;
  if (!image) {
    throw new InputError("kubernetes.image is missing: the k8s export needs the agent's container image (kubernetes: { image: 'registry.example.com/meridian:0.1.0' }, built from the repository's Dockerfile)");
  }
  const pinned = agentImage(image, options.image !== undefined ? '--image' : 'kubernetes.image', options.imageDigest);
  if (options.regions.length === 0) throw new InputError('no region to export: pass --region NAME or --all-regions');
  const peerPort = peerListenerPort(topology);
  const peerListen = peerPort !== undefined ? { peerTls: true, peerListen: peerListenAddress(peerPort) } : {};
  // The same checks the agent runs at start (region known, every agent address, service
  // endpoints): a manifest the agent would refuse is never written.
  const apiTls = apiOverTls(topology);
  for (const region of options.regions) planAgent(topology, region, { dnsListen: LISTEN.dns, apiListen: LISTEN.api, apiTls, ...peerListen });
  const regions = [...new Set(options.regions)].map((name) => topology.regions.find((r) => r.name === name)!);
  for (const region of regions) checkPeerEgress(topology, region.name);
  if (peerPort !== undefined) for (const region of regions) checkPeerAddress(topology, region.name);
  const etcdTls = etcdOverTls(topology);
  return {
    topology: withImage(topology, pinned),
    image: pinned,
    namespace: topology.kubernetes?.namespace ?? DEFAULT_NAMESPACE,
    regions,
    operatorCidrs: [...new Set(topology.kubernetes?.operatorCidrs ?? [])].sort(),
    dnsLoadBalancer: options.dnsLoadBalancer ?? false,
    apiLoadBalancer: options.apiLoadBalancer ?? false,
    ...(peerPort !== undefined ? { peerPort } : {}),
    etcdTls,
    apiTls,
  };
}

/**
 * Whether the agents serve their API over https (`--api-tls`): every agent.api is https://. A mix
 * is refused: the overlays share one base, so every region's agent runs with the same flags.
 */
export function apiOverTls(topology: Topology): boolean {
  const apis = topology.regions.flatMap((r) => (r.agent ? [r.agent.api] : []));
  const plain = apis.filter((a) => !a.startsWith('https://'));
  const tls = plain.length < apis.length;
  if (tls && plain.length > 0) {
    throw new InputError(`regions[].agent.api: ${plain.join(', ')} are http:// while other agents' are https://: the k8s export runs every agent with the same flags (--api-tls on the ${API_TLS_SECRET} Secret), so use https:// for all`);
  }
  return tls;
}

/**
 * Whether the agents reach etcd over TLS with a client certificate: every etcd client URL is
 * https://. A mix is refused, as the agent would refuse it at start (coord/etcd-tls.ts).
 */
export function etcdOverTls(topology: Topology): boolean {
  const endpoints = topology.regions.flatMap((r) => (r.etcd ? [r.etcd.client] : []));
  const plain = endpoints.filter((e) => !e.startsWith('https://'));
  const tls = plain.length < endpoints.length;
  if (tls && plain.length > 0) {
    throw new InputError(`regions[].etcd.client: ${plain.join(', ')} are http:// while other members are https://: the agent reaches every member with one client certificate (--etcd-tls), so use https:// for all`);
  }
  return tls;
}

/** The pod's peer listener: every interface (the pod's address changes), on the topology's peer port. */
export function peerListenAddress(port: number): string {
  return `0.0.0.0:${port}`;
}

/**
 * The one peer port of the topology's `agent.peer` addresses, or undefined when no region has
 * one. The base (the Deployment, the Services) is the same in every region, so the port must be
 * too; and the pod drops NET_BIND_SERVICE, so it must be unprivileged.
 */
export function peerListenerPort(topology: Topology): number | undefined {
  const ports = new Map<number, string>();
  topology.regions.forEach((r, i) => {
    if (r.agent?.peer === undefined) return;
    const { port } = parseHostPort(r.agent.peer, `regions[${i}].agent.peer`);
    if (!ports.has(port)) ports.set(port, `regions[${i}].agent.peer '${r.agent.peer}'`);
  });
  if (ports.size === 0) return undefined;
  if (ports.size > 1) {
    throw new InputError(`the k8s export needs one peer port for every region (its base Deployment is shared), but the topology has several: ${[...ports.values()].join(', ')}`);
  }
  const [port, where] = [...ports][0]!;
  if (port < 1024) {
    throw new InputError(`${where}: the k8s export runs the agent without NET_BIND_SERVICE, so its peer listener needs a port from 1024 up (e.g. 7701)`);
  }
  return port;
}

/**
 * With a peer listener in the shared base, every exported region needs `agent.peer`, at the
 * address of its API: the export puts the peer port on the API Service, and the agent answers
 * POSTs only to a Host naming its `agent.api` or `agent.dns` (a peer's request to another
 * address would get 421).
 */
function checkPeerAddress(topology: Topology, region: string): void {
  const i = topology.regions.findIndex((r) => r.name === region);
  const agent = topology.regions[i]!.agent!;
  if (agent.peer === undefined) {
    throw new InputError(`regions[${i}].agent.peer is missing for '${region}': other regions have a peer listener, and the k8s export runs every agent with one (--peer-tls, its base is shared); give '${region}' agent.peer at its API's address`);
  }
  // Both as a URL's host, the form peers' requests carry in Host: IPv6 compressed alike.
  if (new URL(`https://${agent.peer}`).hostname !== new URL(agent.api).hostname) {
    throw new InputError(`regions[${i}].agent.peer '${agent.peer}' is not at the host of agent.api '${agent.api}': the k8s export serves the peer port on the API Service, and the agent refuses (421) POSTs naming another host`);
  }
}

/** The topology the ConfigMap carries names the image that runs, so no stale tag is left in it. */
function withImage(topology: Topology, image: string): Topology {
  return topology.kubernetes ? { ...topology, kubernetes: { ...topology.kubernetes, image } } : topology;
}

/** Peers of a region, in topology order. */
export function peersOf(topology: Topology, region: string): Region[] {
  return topology.regions.filter((r) => r.name !== region);
}

/** The peers' agent egress addresses as /32 or /128 blocks, sorted, each once. */
export function peerAgentCidrs(topology: Topology, region: string): string[] {
  return [...new Set(peersOf(topology, region).flatMap((p) => p.agent?.egress ?? []).map(hostCidr))].sort();
}

export function hostCidr(ip: string): string {
  return isIP(ip) === 6 ? `${ip}/128` : `${ip}/32`;
}

/**
 * The API admits each peer by the addresses its agents' connections come from, never its whole
 * VPC: `agent.api` and `agent.dns` are where peers send to (a load balancer), not where a pod's
 * traffic leaves from, so they cannot stand in. A peer without any would be shut out silently.
 */
function checkPeerEgress(topology: Topology, region: string): void {
  topology.regions.forEach((peer, i) => {
    if (peer.name === region || (peer.agent?.egress?.length ?? 0) > 0) return;
    throw new InputError(`regions[${i}].agent.egress is missing for '${peer.name}': the API of '${region}' admits only its peers' agent egress addresses (agent: { dns: ..., api: ..., egress: ['198.51.100.7'] }, the NAT or egress gateway IPs its pods' traffic leaves from)`);
  });
}
