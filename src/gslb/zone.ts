/**
 * The authoritative zone for one health snapshot: every name we own, and for each name, query
 * type and client class, the response to give ("choice": one response, or several to pick from
 * by weight). Pure; the answer table encodes these choices once and serves the bytes.
 */
import type { HealthSnapshot } from '../health/types.ts';
import { fqdn, type ClientNetwork, type Service, type Topology } from '../spec/index.ts';
import { clientNetworkMatcher, type ClientNetworkMatcher } from './client-networks.ts';
import { parseIpExact } from './ip.ts';
import type { ResponseSections, ZoneRecord } from './message.ts';
import { decide, dependsOnClient, NO_HOLDS, type HeldRegions, type RoutingDecision } from './policy.ts';
import { NO_CONTROLS, type TrafficControls } from './traffic-controls.ts';
import { RCODE, TYPE, wireKey } from './wire.ts';

/** Client class of clients in no listed network (and of every client for client-independent names). */
export const ANY_CLIENT = '*';
/** Delegation data changes only when the topology does; resolvers may keep it a while. */
const NS_TTL = 300;
/** Short SOA timers: there are no secondaries, and negative answers must not outlive a failover. */
const SOA_TIMERS = { refresh: 60, retry: 10, expire: 300 };

export interface ResponseSpec extends ResponseSections {
  readonly rcode: number;
  readonly aa: boolean;
}

export interface Choice {
  readonly variants: readonly ResponseSpec[];
  /** Per variant, for a weighted per-query pick; null when there is one variant. */
  readonly weights: readonly number[] | null;
}

export interface ZoneName {
  /** Answers differ per client network (geo, latency). */
  readonly dependsOnClient: boolean;
  choice(qtype: number, clientClass: string): Choice;
}

export interface Zone {
  readonly apexKey: string;
  readonly names: ReadonlyMap<string, ZoneName>;
  /** ANY_CLIENT followed by every client network name. */
  readonly clientClasses: readonly string[];
  readonly matcher: ClientNetworkMatcher;
  /** Per service name, per client class (ANY_CLIENT only, for client-independent policies). */
  readonly decisions: ReadonlyMap<string, ReadonlyMap<string, FamilyDecisions>>;
  isInZone(nameKey: string): boolean;
  readonly nxdomain: ResponseSpec;
  readonly refused: ResponseSpec;
}

/** A fixed name's addresses, with its own TTL when it must not be the zone's `dns.storeTtl`. */
export interface StaticName {
  readonly addresses: readonly string[];
  readonly ttl?: number;
}

/** Fixed A/AAAA names (e.g. a database's primary name), by FQDN; see AnswerTableOptions.staticNames. */
export type StaticNames = Readonly<Record<string, readonly string[] | StaticName>>;

export function staticNameOf(value: readonly string[] | StaticName): StaticName {
  return isAddressList(value) ? { addresses: value } : value;
}

function isAddressList(value: readonly string[] | StaticName): value is readonly string[] {
  return Array.isArray(value);
}

export function buildZone(
  topology: Topology,
  health: HealthSnapshot,
  serial: number,
  staticNames: StaticNames = {},
  controls: TrafficControls = NO_CONTROLS,
  held: HeldRegions = NO_HOLDS,
): Zone {
  const apexKey = wireKey(topology.zone);
  const ttl = topology.dns.ttl;
  const nsKey = (region: string) => wireKey(`ns-${region}.${topology.zone}`);
  const firstRegion = topology.regions[0]?.name ?? 'primary';
  const soa: ZoneRecord = {
    owner: apexKey,
    type: TYPE.SOA,
    ttl,
    rdata: [{ name: nsKey(firstRegion) }, { name: wireKey(`hostmaster.${topology.zone}`) }, soaNumbers(serial, ttl)],
  };
  const nodata = single({ rcode: RCODE.NOERROR, aa: true, answers: [], authorities: [soa], additionals: [] });
  const answer = (answers: ZoneRecord[], additionals: ZoneRecord[] = []): Choice =>
    answers.length === 0 ? nodata : single({ rcode: RCODE.NOERROR, aa: true, answers, authorities: [], additionals });

  const names = new Map<string, ZoneName>();
  const glue: ZoneRecord[] = [];
  const nsRecords: ZoneRecord[] = [];
  for (const region of topology.regions) {
    const address = region.agent ? addressRecord(nsKey(region.name), agentIp(region.agent.dns), NS_TTL) : null;
    if (!address) continue;
    nsRecords.push({ owner: apexKey, type: TYPE.NS, ttl: NS_TTL, rdata: [{ name: nsKey(region.name) }] });
    glue.push(address);
    names.set(nsKey(region.name), staticName((qtype) => answer(byType([address], qtype))));
  }
  names.set(apexKey, staticName((qtype) => {
    if (qtype === TYPE.SOA || qtype === TYPE.ANY) return answer([soa]);
    if (qtype === TYPE.NS) return answer(nsRecords, glue);
    return nodata;
  }));

  for (const [name, value] of Object.entries(staticNames)) {
    const owner = wireKey(name);
    if (!isUnder(owner, apexKey) || owner === apexKey || names.has(owner)) continue; // not ours, or taken
    const { addresses, ttl: own } = staticNameOf(value);
    const records = dedupe(addresses).map((a) => addressRecord(owner, a, own ?? topology.dns.storeTtl));
    names.set(owner, staticName((qtype) => answer(byType(records, qtype))));
  }

  const clientClasses = [ANY_CLIENT, ...topology.clientNetworks.map((n) => n.name)];
  const decisions = new Map<string, Map<string, FamilyDecisions>>();
  for (const service of topology.services) {
    const perClass = decideForClasses(service, topology, health, controls, held);
    decisions.set(service.name, perClass);
    const owner = wireKey(fqdn(topology, service));
    names.set(owner, {
      dependsOnClient: dependsOnClient(service.policy),
      choice(qtype, clientClass) {
        const decision = perClass.get(clientClass) ?? (perClass.get(ANY_CLIENT) as FamilyDecisions);
        const forType = (t: number) => addressChoice(t === TYPE.AAAA ? decision.v6 : decision.v4, owner, t, ttl, nodata);
        if (qtype === TYPE.ANY) {
          const a = forType(TYPE.A); // RFC 8482: answer one RRset, the one clients want most
          return a !== nodata ? a : forType(TYPE.AAAA);
        }
        return qtype === TYPE.A || qtype === TYPE.AAAA ? forType(qtype) : nodata;
      },
    });
  }
  for (const key of [...names.keys()]) addEmptyNonTerminals(key, apexKey, names, nodata);

  return {
    apexKey,
    names,
    clientClasses,
    matcher: clientNetworkMatcher(topology),
    decisions,
    isInZone: (key) => isUnder(key, apexKey),
    nxdomain: { rcode: RCODE.NXDOMAIN, aa: true, answers: [], authorities: [soa], additionals: [] },
    refused: { rcode: RCODE.REFUSED, aa: false, answers: [], authorities: [], additionals: [] },
  };
}

/** A and AAAA answers are decided separately (see AddressFamily in policy.ts). */
export interface FamilyDecisions {
  readonly v4: RoutingDecision;
  readonly v6: RoutingDecision;
}

function decideForClasses(service: Service, topology: Topology, health: HealthSnapshot, controls: TrafficControls, held: HeldRegions): Map<string, FamilyDecisions> {
  const both = (network: ClientNetwork | undefined): FamilyDecisions => ({
    v4: decide(service, topology, health, network, 4, controls, held),
    v6: decide(service, topology, health, network, 6, controls, held),
  });
  const perClass = new Map([[ANY_CLIENT, both(undefined)]]);
  if (dependsOnClient(service.policy)) {
    for (const network of topology.clientNetworks) perClass.set(network.name, both(network));
  }
  return perClass;
}

/** A/AAAA records for a decision: one response, or one per region to pick from by weight. */
function addressChoice(decision: RoutingDecision, owner: string, qtype: number, ttl: number, nodata: Choice): Choice {
  const recordsOf = (addresses: readonly string[]) => byType(dedupe(addresses).map((a) => addressRecord(owner, a, ttl)), qtype);
  if (decision.selection === 'weighted-pick') {
    const picks = decision.regions.map((r) => ({ records: recordsOf(r.addresses), weight: r.weight ?? 1 })).filter((p) => p.records.length > 0);
    if (picks.length === 0) return nodata;
    return {
      variants: picks.map((p) => ({ rcode: RCODE.NOERROR, aa: true, answers: p.records, authorities: [], additionals: [] })),
      weights: picks.length > 1 ? picks.map((p) => p.weight) : null,
    };
  }
  const records = recordsOf(decision.regions.flatMap((r) => r.addresses));
  return records.length === 0 ? nodata : single({ rcode: RCODE.NOERROR, aa: true, answers: records, authorities: [], additionals: [] });
}

function byType(records: readonly (ZoneRecord | null)[], qtype: number): ZoneRecord[] {
  const wanted = qtype === TYPE.ANY ? [TYPE.A, TYPE.AAAA] : [qtype];
  const present = records.filter((r): r is ZoneRecord => r !== null);
  // ANY: one RRset (RFC 8482), A when there is one.
  const type = wanted.find((t) => present.some((r) => r.type === t));
  return present.filter((r) => r.type === type);
}

function addressRecord(owner: string, address: string, ttl: number): ZoneRecord | null {
  const bytes = parseIpExact(address);
  if (!bytes) return null;
  return { owner, type: bytes.length === 4 ? TYPE.A : TYPE.AAAA, ttl, rdata: [bytes] };
}

/** `10.0.0.1:53` or `[fd00::1]:53` → the address. */
function agentIp(hostPort: string): string {
  const bracketed = /^\[(.*)\]:\d+$/.exec(hostPort);
  return bracketed ? (bracketed[1] as string) : hostPort.replace(/:\d+$/, '');
}

function soaNumbers(serial: number, minimum: number): Uint8Array {
  const b = Buffer.alloc(20);
  [serial >>> 0, SOA_TIMERS.refresh, SOA_TIMERS.retry, SOA_TIMERS.expire, minimum].forEach((v, i) => b.writeUInt32BE(v, i * 4));
  return b;
}

function single(spec: ResponseSpec): Choice {
  return { variants: [spec], weights: null };
}

function staticName(choice: (qtype: number) => Choice): ZoneName {
  return { dependsOnClient: false, choice };
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** `a.b.zone` makes `b.zone` exist (NOERROR/NODATA, RFC 8020), not NXDOMAIN. */
function addEmptyNonTerminals(key: string, apexKey: string, names: Map<string, ZoneName>, nodata: Choice): void {
  for (let i = key.charCodeAt(0) + 1; i < key.length - apexKey.length; i += key.charCodeAt(i) + 1) {
    const parent = key.slice(i);
    if (!names.has(parent)) names.set(parent, staticName(() => nodata));
  }
}

/** True when `key` is `apexKey` or ends with it on a label boundary. */
function isUnder(key: string, apexKey: string): boolean {
  if (!key.endsWith(apexKey)) return false;
  for (let i = 0; i < key.length; i += key.charCodeAt(i) + 1) {
    if (key.length - i === apexKey.length) return key.slice(i) === apexKey;
    if (key.charCodeAt(i) === 0) return false;
  }
  return false;
}
