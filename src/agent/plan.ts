/**
 * What one regional agent needs from the topology, checked once at start: its region, where it
 * listens, who its peers are, and that every region its services may answer with has endpoints.
 * Pure; every problem is an InputError with one clear line.
 */
import { isIP } from 'node:net';
import { InputError } from '../common/errors.ts';
import type { Policy, Region, Service, Topology } from '../spec/index.ts';
import type { PeerTarget, SiblingEntry } from '../health/index.ts';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface AgentPlan {
  readonly region: string;
  readonly dns: ListenAddress;
  readonly api: ListenAddress;
  /** The peer listener (mutual TLS), when the agent runs with `--peer-tls` and its region has `agent.peer`. */
  readonly peer?: ListenAddress;
  /** Each other region's view URL: its peer listener over https when both sides use mutual TLS, else its API. */
  readonly peers: readonly PeerTarget[];
  /** Source address of probes and pushes: this agent's own address, when it is a single IP. */
  readonly localAddress?: string;
  /** Other agents of this region, to relay peer views to (empty: this agent is its region's only one). */
  readonly siblings: readonly SiblingEntry[];
}

export interface PlanOverrides {
  /** `ip:port` or `[ipv6]:port`; default: regions[R].agent.dns. */
  readonly dnsListen?: string;
  /** `ip:port` or `[ipv6]:port`; default: host and port of regions[R].agent.api. */
  readonly apiListen?: string;
  /** `host:port[,host:port…]`: the other agents of this region (a host may be a DNS name listing them all). */
  readonly siblings?: string;
  /** The agent has peer certificates (`--peer-tls`): serve and reach peer listeners where the topology has them. */
  readonly peerTls?: boolean;
  /** `ip:port`; default regions[R].agent.peer (with peerTls only). */
  readonly peerListen?: string;
  /** The agent has an API certificate (`--api-tls`): its agent.api must then be https://, and https:// needs one. */
  readonly apiTls?: boolean;
}

export function planAgent(topology: Topology, region: string, overrides: PlanOverrides = {}): AgentPlan {
  const names = topology.regions.map((r) => r.name);
  const self = topology.regions.find((r) => r.name === region);
  if (!self) throw new InputError(`region '${region}' is not in the topology (regions: ${names.join(', ')})`);
  for (const [i, r] of topology.regions.entries()) {
    if (!r.agent) throw new InputError(`region '${r.name}' has no agent address (regions[${i}].agent: { dns: "ip:53", api: "http://ip:7700" }); every agent needs every region's agent to exchange views`);
  }
  for (const service of topology.services) checkEndpoints(service, names);
  const agent = agentOf(self);
  const dns = parseHostPort(overrides.dnsListen ?? agent.dns, '--dns');
  const apiUrl = checkApiScheme(agent.api, region, overrides.apiTls === true, overrides.apiListen !== undefined);
  const api = overrides.apiListen ? parseHostPort(overrides.apiListen, '--api') : apiListenOf(apiUrl);
  const peer = peerListenOf(agent.peer, region, overrides);
  const peers = topology.regions
    .filter((r) => r.name !== region)
    .map((r) => ({ region: r.name, viewUrl: peerViewUrl(agentOf(r), overrides.peerTls === true) }));
  const localAddress = [dns.host, api.host].find((h) => isIP(h) !== 0 && !isWildcard(h));
  const siblings = overrides.siblings === undefined ? [] : parseSiblings(overrides.siblings);
  return { region, dns, api, peers, siblings, ...(peer ? { peer } : {}), ...(localAddress ? { localAddress } : {}) };
}

/** Over mutual TLS to a region that has a peer listener; else its API, as before mutual TLS. */
export function peerViewUrl(agent: NonNullable<Region['agent']>, peerTls: boolean): string {
  return peerTls && agent.peer ? `${peerBaseUrl(agent.peer)}/v1/view` : new URL('/v1/view', agent.api).toString();
}

/** The base URL of a region's peer listener (`agent.peer`, host:port). */
export function peerBaseUrl(peer: string): string {
  return `https://${peer}`;
}

function peerListenOf(topologyPeer: string | undefined, region: string, overrides: PlanOverrides): ListenAddress | undefined {
  if (!overrides.peerTls) {
    if (overrides.peerListen !== undefined) throw new InputError('--peer: a peer listener needs the peer certificates (--peer-tls DIR)');
    return undefined;
  }
  const text = overrides.peerListen ?? topologyPeer;
  // Certificates without a peer listener (a rollout's first step): peer routes stay on the API, peers that have one are reached over TLS.
  if (text === undefined) return undefined;
  return parseHostPort(text, overrides.peerListen !== undefined ? '--peer' : `regions.${region}.agent.peer`);
}

/** `agents.meridian.svc.cluster.local:7700` or `10.0.0.5:7700,10.0.0.6:7700` → entries. */
export function parseSiblings(text: string): SiblingEntry[] {
  const entries = text.split(',').map((part) => part.trim()).filter(Boolean).map((part) => {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(part);
    const host = match?.[1] ?? match?.[2];
    const port = Number(match?.[3]);
    if (!host || !(port >= 1 && port <= 65535) || (match?.[1] !== undefined && isIP(host) !== 6)) {
      throw new InputError(`--siblings: '${part}' is not host:port, e.g. 'meridian-agents.meridian.svc.cluster.local:7700' or '10.0.0.5:7700'`);
    }
    return { host, port };
  });
  if (entries.length === 0) throw new InputError("--siblings: give at least one host:port, e.g. 'meridian-agents.meridian.svc.cluster.local:7700'");
  return entries;
}

/** `10.0.0.1:53` or `[fd00::1]:53` → host and port. */
export function parseHostPort(text: string, what: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || isIP(host) === 0 || !(port >= 0 && port <= 65535)) {
    throw new InputError(`${what}: '${text}' is not an address such as '10.0.0.1:53' or '[fd00::1]:53'`);
  }
  return { host, port };
}

/**
 * The scheme of regions[R].agent.api says how the API is served, and the agent's flags must agree:
 * https:// with --api-tls, http:// without. A mismatch stops the start with one line: an https
 * URL served in plain text would make every client fail, and a certificate with an http URL
 * would leave clients sending tokens in clear while the operator believes they do not.
 * One exception, as before --api-tls existed: https:// without a certificate but with `--api
 * ip:port` (`listenElsewhere`) is a proxy in front terminating TLS and forwarding there.
 */
export function checkApiScheme(url: string, region: string, apiTls: boolean, listenElsewhere = false): URL {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:' && !apiTls && !listenElsewhere) {
    throw new InputError(`regions.${region}.agent.api is ${url} (https) but the agent has no API certificate: pass --api-tls DIR (tls.crt, tls.key), or --api ip:port behind a proxy terminating TLS, or make the URL http://`);
  }
  if (parsed.protocol === 'http:' && apiTls) {
    throw new InputError(`--api-tls was given but regions.${region}.agent.api is ${url} (http): make it https:// so clients use TLS, or drop --api-tls`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InputError(`regions.${region}.agent.api is ${url}: the API is http:// or https://`);
  }
  return parsed;
}

function apiListenOf(parsed: URL): ListenAddress {
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

function agentOf(region: Region): NonNullable<Region['agent']> {
  if (!region.agent) throw new Error(`invariant: region ${region.name} checked to have an agent`);
  return region.agent;
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** Regions a policy may answer with: the ones it names, or every region when it names none. */
function policyRegions(policy: Policy): readonly string[] | 'all' {
  switch (policy.type) {
    case 'failover':
      return policy.order;
    case 'weighted':
      return Object.entries(policy.weights).filter(([, w]) => w > 0).map(([r]) => r);
    default:
      return policy.regions ?? 'all';
  }
}

function checkEndpoints(service: Service, regions: readonly string[]): void {
  const used = policyRegions(service.policy);
  const withEndpoints = Object.keys(service.endpoints ?? {});
  if (used === 'all') {
    if (withEndpoints.length === 0) {
      throw new InputError(`service '${service.name}' has no endpoints (services[].endpoints: { ${regions[0]}: ["ip"] })`);
    }
    return;
  }
  const missing = used.filter((r) => !withEndpoints.includes(r));
  if (missing.length > 0) {
    throw new InputError(`service '${service.name}' has no endpoints for region${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which its ${service.policy.type} policy uses (services[].endpoints.${missing[0]})`);
  }
}
