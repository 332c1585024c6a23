/**
 * The lab's address layout: which namespace, link and addresses every region, instance and
 * client gets. Pure and deterministic, so the network plan, the materialized topology, the
 * status and the docs all agree. Everything lives in 10.231.0.0/16 and fd77:231::/64, one flat
 * L2 segment on the bridge `mrd-br0`, so no forwarding or NAT is involved.
 *
 * Host part per region i (1-based, topology order), in 10.231.<i>.x and fd77:231::<i>:x:
 *   .1          the region's agent (DNS :53, API https :7700, peer listener :7701, mutual TLS)
 *   .2          the region's etcd member (client https :2379, peer https :2380), when the topology has stores
 *   .5          the region's database (every store with a member here, each on its own port)
 *   .3–.4, .6–.9 reserved for what later layers add (addRegionAddress)
 *   .<20k−10+j> instance j of service k (web, the first service: .11–.26; the second: .31–.46 …)
 * The IPv6 address reuses the IPv4 numbers as hex groups (10.231.1.11 ↔ fd77:231::1:11), so
 * they are easy to read; that is only a spelling, no arithmetic connects them.
 */
import { InputError } from '../common/errors.ts';
// names.ts, not the spec barrel: `lab cut` resolves a region through this module and must not
// wait for the schema library to load.
import { fqdn } from '../spec/names.ts';
import type { Topology } from '../spec/index.ts';

export const LAB_PREFIX = 'mrd-';
/** The pseudo-region naming the client namespace (`mrd-client`), so no region may be called so. */
export const CLIENT_REGION = 'client';
export const AGENT_DNS_PORT = 53;
export const AGENT_API_PORT = 7700;
/** The agents' peer listener (mutual TLS, docs/security.md): next to the API. */
export const AGENT_PEER_PORT = 7701;
export const CLIENT_SUBNET_OCTET = 250;
/** Regions take third octets 1..MAX_REGIONS; 250 is the clients'. */
export const MAX_REGIONS = 249;
/** Instance blocks of 20 addresses from .11 fit 12 services of up to 16 instances in a /24. */
export const MAX_SERVICES = 12;
const SERVICE_BLOCK = 20;
/** Host numbers of the data layer inside each region's block (the reserved .2–.9). */
export const ETCD_HOST = 2;
export const DATABASE_HOST = 5;
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

export interface AddressPair {
  readonly ipv4: string;
  readonly ipv6: string;
}

export interface InstanceLayout extends AddressPair {
  readonly service: string;
  /** 1-based. */
  readonly instance: number;
  readonly port: number;
}

export interface NetnsLayout {
  readonly namespace: string;
  /** Host side of the veth pair, a port of the bridge. The inside end is `eth0`. */
  readonly hostLink: string;
  /** Every address on the inside `eth0`, primary first. */
  readonly addresses: readonly AddressPair[];
}

export interface EtcdLayout {
  readonly address: AddressPair;
  /** `https://ip:2379`. */
  readonly client: string;
  /** `https://ip:2380`: members require each other's certificates. */
  readonly peer: string;
}

export interface RegionLayout extends NetnsLayout {
  readonly name: string;
  /** 1-based position in the topology. */
  readonly index: number;
  readonly agent: AddressPair;
  /** `ip:53`. */
  readonly dns: string;
  /** `https://ip:7700`: the lab serves every agent's API over TLS (api-certs.ts), so tokens never cross the bridge in clear. */
  readonly api: string;
  /** `ip:7701`: the peer listener. */
  readonly peer: string;
  readonly instances: readonly InstanceLayout[];
  /** The region's etcd member; only when the topology has stores (nothing else needs a quorum). */
  readonly etcd?: EtcdLayout;
  /** Where the region's database members listen (one address, a port per store); only if a store has a member here. */
  readonly database?: AddressPair;
}

export interface ClientLayout extends NetnsLayout {
  readonly address: AddressPair;
}

export interface ServiceLayout {
  readonly name: string;
  readonly fqdn: string;
  readonly port: number;
}

export interface LabLayout {
  readonly zone: string;
  readonly bridge: { readonly name: string } & AddressPair;
  readonly prefix4: 16;
  readonly prefix6: 64;
  readonly services: readonly ServiceLayout[];
  readonly regions: readonly RegionLayout[];
  readonly clients: readonly ClientLayout[];
}

export const BRIDGE = { name: `${LAB_PREFIX}br0`, ipv4: '10.231.0.1', ipv6: 'fd77:231::1' } as const;

/** 10.231.<subnet>.<host> and fd77:231::<subnet>:<host>. */
export function labAddress(subnet: number, host: number): AddressPair {
  return { ipv4: `10.231.${subnet}.${host}`, ipv6: `fd77:231::${subnet}:${host}` };
}

/** Host number of instance `instance` (1-based) of the `serviceIndex`-th (1-based) service. */
export function instanceHost(serviceIndex: number, instance: number): number {
  return SERVICE_BLOCK * serviceIndex - 10 + instance;
}

export function regionNamespace(region: string): string {
  return `${LAB_PREFIX}${region}`;
}

export function labLayout(topology: Topology): LabLayout {
  if (topology.regions.length > MAX_REGIONS) {
    throw new InputError(`the lab supports at most ${MAX_REGIONS} regions (topology has ${topology.regions.length})`);
  }
  if (topology.services.length > MAX_SERVICES) {
    throw new InputError(`the lab supports at most ${MAX_SERVICES} services (topology has ${topology.services.length})`);
  }
  if (topology.regions.some((r) => r.name === CLIENT_REGION)) {
    throw new InputError(`the lab cannot run a region named '${CLIENT_REGION}': its namespace ${LAB_PREFIX}${CLIENT_REGION} holds the clients`);
  }
  checkStorePorts(topology);
  const regions = topology.regions.map((region, i) => regionLayout(topology, region.name, i + 1));
  const client = labAddress(CLIENT_SUBNET_OCTET, 1);
  return {
    zone: topology.zone,
    bridge: BRIDGE,
    prefix4: 16,
    prefix6: 64,
    services: topology.services.map((s) => ({ name: s.name, fqdn: fqdn(topology, s), port: s.port })),
    regions,
    clients: [{ namespace: `${LAB_PREFIX}${CLIENT_REGION}`, hostLink: `${LAB_PREFIX}c1h`, address: client, addresses: [client] }],
  };
}

function regionLayout(topology: Topology, name: string, index: number): RegionLayout {
  const agent = labAddress(index, 1);
  const instances = topology.services.flatMap((service, k) =>
    Array.from({ length: service.instances }, (_, j) => ({
      service: service.name,
      instance: j + 1,
      port: service.port,
      ...labAddress(index, instanceHost(k + 1, j + 1)),
    })),
  );
  const etcd = topology.stores.length > 0 ? etcdLayout(labAddress(index, ETCD_HOST)) : undefined;
  const hostsStore = topology.stores.some((s) => s.primaryRegion === name || s.replicaRegions.includes(name));
  const database = hostsStore ? labAddress(index, DATABASE_HOST) : undefined;
  return {
    name,
    index,
    namespace: regionNamespace(name),
    hostLink: `${LAB_PREFIX}r${index}h`,
    agent,
    dns: `${agent.ipv4}:${AGENT_DNS_PORT}`,
    api: `https://${agent.ipv4}:${AGENT_API_PORT}`,
    peer: `${agent.ipv4}:${AGENT_PEER_PORT}`,
    instances,
    ...(etcd ? { etcd } : {}),
    ...(database ? { database } : {}),
    addresses: [
      agent,
      ...(etcd ? [etcd.address] : []),
      ...(database ? [database] : []),
      ...instances.map(({ ipv4, ipv6 }) => ({ ipv4, ipv6 })),
    ],
  };
}

function etcdLayout(address: AddressPair): EtcdLayout {
  // Clients and members over TLS, each with certificates of their own CA (etcd-certs.ts).
  return { address, client: `https://${address.ipv4}:${ETCD_CLIENT_PORT}`, peer: `https://${address.ipv4}:${ETCD_PEER_PORT}` };
}

/** Every store in a region listens on the region's one database address, so their ports must differ. */
function checkStorePorts(topology: Topology): void {
  const taken = new Map<string, string>();
  for (const store of topology.stores) {
    for (const region of [store.primaryRegion, ...store.replicaRegions]) {
      const key = `${region}:${store.port}`;
      const other = taken.get(key);
      if (other) {
        throw new InputError(`stores '${other}' and '${store.name}' both use port ${store.port} in region ${region}: the lab gives each region one database address, so give them different ports`);
      }
      taken.set(key, store.name);
    }
  }
}

/** Every namespace of the layout: regions in order, then clients. */
export function allNetns(layout: LabLayout): readonly NetnsLayout[] {
  return [...layout.regions, ...layout.clients];
}

export function findRegion(layout: LabLayout, name: string): RegionLayout {
  const region = layout.regions.find((r) => r.name === name);
  if (!region) {
    throw new InputError(`unknown region '${name}' (regions: ${layout.regions.map((r) => r.name).join(', ')})`);
  }
  return region;
}
