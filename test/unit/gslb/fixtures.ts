/** Shared fixtures for the gslb tests: a three-region topology, health snapshots, DNS queries. */
import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet';
import { endpointKey, type EndpointVerdict, type HealthSnapshot } from '../../../src/health/types.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';

export const ZONE = 'global.test';

/** eu-west (Dublin), us-east (Washington), ap-south (Mumbai); agents on loopback addresses. */
export const BASE_YAML = `
apiVersion: meridian/v1
zone: ${ZONE}
dns: { ttl: 2 }
regions:
  - name: eu-west
    geo: { lat: 53.35, lon: -6.26 }
    agent: { dns: "127.0.0.11:53", api: "http://127.0.0.11:7700" }
  - name: us-east
    geo: { lat: 38.9, lon: -77.04 }
    agent: { dns: "[::1]:53", api: "http://127.0.0.12:7700" }
  - name: ap-south
    geo: { lat: 19.08, lon: 72.88 }
clientNetworks:
  - name: paris
    cidr: 10.50.0.0/16
    location: { lat: 48.86, lon: 2.35 }
  - name: new-york
    cidr: 2001:db8:1::/48
    location: { lat: 40.71, lon: -74.0 }
    latencyMs: { us-east: 8 }
  - name: paris-lab
    cidr: 10.50.7.0/24
    latencyMs: { ap-south: 30, us-east: 90 }
  - name: nowhere
    cidr: 192.0.2.0/24
`;

/** Endpoints used by every service unless a test says otherwise. */
export const ENDPOINTS = `{ eu-west: ["10.1.0.1", "10.1.0.2", "fd00:1::1"], us-east: ["10.2.0.1", "fd00:2::1"], ap-south: ["10.3.0.1"] }`;

export function topologyWith(services: string): Topology {
  return parseTopology(`${BASE_YAML}services:\n${services}`, 'fixture.yaml');
}

export function service(name: string, policy: string, endpoints = ENDPOINTS): string {
  return `  - name: ${name}\n    hostname: ${name}\n    port: 8080\n    endpoints: ${endpoints}\n    policy: ${policy}\n`;
}

/** Every endpoint of the topology, up unless listed (as `service/region/address`) in `down`. */
export function snapshot(topology: Topology, down: readonly string[] = []): HealthSnapshot {
  const endpoints = new Map<string, EndpointVerdict>();
  for (const s of topology.services) {
    for (const [region, addresses] of Object.entries(s.endpoints ?? {})) {
      for (const address of addresses) {
        const ref = { service: s.name, region, address };
        const key = endpointKey(ref);
        const isDown = down.includes(key);
        endpoints.set(key, { ref, up: !isDown, downVotes: isDown ? ['eu-west', 'us-east'] : [], voters: ['eu-west', 'us-east', 'ap-south'] });
      }
    }
  }
  return { atMs: 0, endpoints, reachablePeers: [] };
}

/** Every endpoint of `service` in `region` down. */
export function regionDown(topology: Topology, serviceName: string, region: string): string[] {
  const s = topology.services.find((x) => x.name === serviceName);
  return (s?.endpoints?.[region] ?? []).map((address) => endpointKey({ service: serviceName, region, address }));
}

/** Deterministic uniform [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface QueryOptions {
  id?: number;
  edns?: false | { udpSize?: number; version?: number; doBit?: boolean; options?: dnsPacket.PacketOpt[] };
  rd?: boolean;
  cd?: boolean;
}

export function query(name: string, type: string, opts: QueryOptions = {}): Buffer {
  const packet: Packet = {
    type: 'query',
    id: opts.id ?? 4242,
    flags: (opts.rd === false ? 0 : dnsPacket.RECURSION_DESIRED) | (opts.cd ? dnsPacket.CHECKING_DISABLED : 0),
    questions: [{ name, type: type as dnsPacket.RecordType, class: 'IN' }],
  };
  if (opts.edns) {
    packet.additionals = [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: opts.edns.udpSize ?? 1232,
        extendedRcode: 0,
        ednsVersion: opts.edns.version ?? 0,
        flags: opts.edns.doBit ? dnsPacket.DNSSEC_OK : 0,
        flag_do: opts.edns.doBit ?? false,
        options: opts.edns.options ?? [],
      },
    ];
  }
  return dnsPacket.encode(packet);
}

export function decode(buf: Buffer | null): DecodedPacket & { rcode: string; opcode: string } {
  if (!buf) throw new Error('expected a response, got a dropped query');
  return dnsPacket.decode(buf) as DecodedPacket & { rcode: string; opcode: string };
}

/** The data (addresses, names) of the answers of a given type, sorted. */
export function answerData(packet: DecodedPacket, type?: string): string[] {
  return (packet.answers ?? [])
    .filter((a) => !type || a.type === type)
    .map((a) => ('data' in a ? String(a.data) : ''))
    .sort();
}
