/**
 * The answer table: every response of the zone, encoded once when the table is built (on every
 * health change), so a query costs a hand parse, a map lookup, a copy and a few patched bytes.
 *
 * Precomputed per (lowercased name, query type, client class, EDNS yes/no): the full response
 * and its truncated twin, with id 0, RD/CD/DO clear and the name in lowercase. Per query we copy
 * it and patch the id, RD, CD, DO and the question bytes (the query's own, so 0x20 mixed case
 * comes back as sent). Weighted names keep one response per region and pick one per query.
 * Everything unusual (ECS, unknown names, errors) is encoded per query by the same encoder.
 */
import type { HealthSnapshot } from '../health/types.ts';
import type { Topology } from '../spec/index.ts';
import { decodeQuery } from './decode.ts';
import { EMPTY_SECTIONS, encodeBareError, encodeMessage, type Encoded, type OptOut } from './message.ts';
import { ANY_CLIENT, buildZone, type Choice, type ResponseSpec, type StaticNames, type Zone } from './zone.ts';
import { CLASS_IN, DROPPED, NO_QTYPE, OPTION_CLIENT_SUBNET, RCODE, TYPE, parseCommonQuery, questionType, type QueryFacts } from './wire.ts';
import { describeZone, type ServiceAnswers } from './describe.ts';
import type { TrafficControls } from './traffic-controls.ts';
import type { HeldRegions } from './policy.ts';

export interface ClientInfo {
  /** Source IP of the query. */
  readonly address: string;
}

/**
 * What answering learned about one exchange, as codes: the caller passes an object and respond()
 * fills it in, so counting queries costs no second decode of the packets (and no allocation).
 */
export interface ExchangeCodes {
  /** The question's type; NO_QTYPE when the question could not be read. */
  qtype: number;
  /** The response code with the EDNS extended bits (BADVERS is 16); DROPPED when nothing is sent. */
  rcode: number;
}

export interface AnswerTable {
  /** Encoded DNS response for a raw query packet, or null to drop it. Never throws. Fills `codes` when given. */
  respond(query: Buffer, client: ClientInfo, transport: 'udp' | 'tcp', codes?: ExchangeCodes): Buffer | null;
  /** Summary for GET /status and `meridian status`. */
  describe(): ServiceAnswers[];
}

export interface AnswerTableOptions {
  /** Uniform in [0, 1); picks the region of a weighted service per query. Default Math.random. */
  readonly random?: () => number;
  /** SOA serial; default: a counter that increases with every table built by this process. */
  readonly serial?: number;
  /**
   * Extra names answered with fixed addresses (A/AAAA, TTL dns.storeTtl: they are the stores' names), by FQDN inside the zone,
   * e.g. a database's primary name that failover points at the new primary by rebuilding the
   * table. Names outside the zone are ignored; a service or ns- name of the same name wins.
   */
  readonly staticNames?: StaticNames;
  /** Operators' drains and weight overrides (traffic-controls.ts); default none. */
  readonly controls?: TrafficControls;
  /** Degraded regions kept in the answers by an overload hold (capacity-rules.ts); default none. */
  readonly held?: HeldRegions;
  /** false: encode every response per query (the reference path, for cross-checking tests). */
  readonly fastPath?: boolean;
}

const PRECOMPUTED_TYPES = [TYPE.A, TYPE.AAAA, TYPE.NS, TYPE.SOA, TYPE.ANY];
/** Stands for every other query type: they all get the same NODATA (the question is copied in). */
const OTHER_TYPE = 0;
const PLAIN_UDP_LIMIT = 512;
const MAX_UDP_LIMIT = 1232;
const TCP_LIMIT = 65535;
const NO_OPTIONS = new Uint8Array(0);

interface Prebuilt {
  readonly full: Encoded;
  readonly truncated: Encoded;
}
interface Variant {
  readonly spec: ResponseSpec;
  readonly plain: Prebuilt;
  readonly edns: Prebuilt;
}
interface PrebuiltChoice {
  readonly variants: readonly Variant[];
  /** Running sums of the weights, or null for a single variant. */
  readonly cumulative: readonly number[] | null;
}
interface Entry {
  readonly dependsOnClient: boolean;
  readonly byClass: ReadonlyMap<string, ReadonlyMap<number, PrebuiltChoice>>;
}

let lastSerial = 0;
/** Increases with every table; starts from the clock so it also increases across restarts. */
function nextSerial(): number {
  lastSerial = Math.max(lastSerial + 1, Math.floor(Date.now() / 1000)) >>> 0;
  return lastSerial;
}

export function buildAnswerTable(topology: Topology, health: HealthSnapshot, options: AnswerTableOptions = {}): AnswerTable {
  const zone = buildZone(topology, health, options.serial ?? nextSerial(), options.staticNames, options.controls, options.held);
  const random = options.random ?? Math.random;
  const entries = options.fastPath === false ? null : precompute(zone);
  const summary = describeZone(topology, zone);
  return {
    respond: (query, client, transport, codes) => respond(zone, entries, random, query, client, transport, codes),
    describe: () => structuredClone(summary),
  };
}

function respond(
  zone: Zone,
  entries: ReadonlyMap<string, Entry> | null,
  random: () => number,
  query: Buffer,
  client: ClientInfo,
  transport: 'udp' | 'tcp',
  codes: ExchangeCodes | undefined,
): Buffer | null {
  if (codes) {
    codes.qtype = NO_QTYPE;
    codes.rcode = DROPPED;
  }
  try {
    if (query.length < 12 || ((query[2] as number) & 0x80) !== 0) return null; // not a query: never answer a response
    const common = parseCommonQuery(query);
    if (common) return answer(zone, entries, random, common, client, transport, codes);
    const decoded = decodeQuery(query);
    if (decoded.kind === 'error') {
      if (codes) codes.qtype = questionType(query); // rare: reading the type again costs nothing that matters
      return noted(codes, decoded.rcode, encodeBareError(query, decoded.rcode));
    }
    return answer(zone, entries, random, decoded.facts, client, transport, codes);
  } catch {
    try {
      return noted(codes, RCODE.FORMERR, encodeBareError(query, RCODE.FORMERR));
    } catch {
      return null;
    }
  }
}

/** Records the response code of what is sent (when the caller asked) and passes the bytes on. */
function noted(codes: ExchangeCodes | undefined, rcode: number, response: Buffer): Buffer {
  if (codes) codes.rcode = rcode;
  return response;
}

function answer(
  zone: Zone,
  entries: ReadonlyMap<string, Entry> | null,
  random: () => number,
  q: QueryFacts,
  client: ClientInfo,
  transport: 'udp' | 'tcp',
  codes: ExchangeCodes | undefined,
): Buffer {
  if (codes) codes.qtype = q.qtype;
  const limit = sizeLimit(q, transport);
  if (q.edns && q.edns.version > 0) return noted(codes, RCODE.BADVERS, encodeFor(q, { rcode: RCODE.BADVERS, aa: false, ...EMPTY_SECTIONS }, limit, 0));
  if (q.qclass !== CLASS_IN || q.qtype === TYPE.AXFR || q.qtype === TYPE.IXFR) return noted(codes, zone.refused.rcode, encodeFor(q, zone.refused, limit, 0));
  const name = zone.names.get(q.nameKey);
  if (!name) {
    const spec = zone.isInZone(q.nameKey) ? zone.nxdomain : zone.refused;
    return noted(codes, spec.rcode, encodeFor(q, spec, limit, 0));
  }

  const clientClass = name.dependsOnClient ? classify(zone, q, client) : ANY_CLIENT;
  const ecsScope = name.dependsOnClient ? (q.edns?.ecs?.sourcePrefix ?? 0) : 0;
  const type = typeKey(q.qtype);
  const entry = entries?.get(q.nameKey);
  if (entry) {
    const choice = entry.byClass.get(clientClass)?.get(type) as PrebuiltChoice;
    const variant = choice.variants[pickCumulative(choice.cumulative, random)] as Variant;
    if (q.edns?.ecs) return noted(codes, variant.spec.rcode, encodeFor(q, variant.spec, limit, ecsScope)); // the option must be echoed
    const prebuilt = q.edns ? variant.edns : variant.plain;
    return noted(codes, variant.spec.rcode, patch(prebuilt.full.bytes.length <= limit ? prebuilt.full : prebuilt.truncated, q));
  }
  const choice = name.choice(type, clientClass);
  const spec = choice.variants[pickIndex(choice.weights, random)] as ResponseSpec;
  return noted(codes, spec.rcode, encodeFor(q, spec, limit, ecsScope));
}

function patch(wire: Encoded, q: QueryFacts): Buffer {
  const out = Buffer.allocUnsafe(wire.bytes.length);
  wire.bytes.copy(out);
  out.writeUInt16BE(q.id, 0);
  if (q.rd) out[2] = (out[2] as number) | 0x01;
  if (q.cd) out[3] = (out[3] as number) | 0x10;
  out.set(q.question, 12); // same length as the precomputed lowercase question
  if (q.edns?.doBit && wire.doOffset >= 0) out[wire.doOffset] = (out[wire.doOffset] as number) | 0x80;
  return out;
}

/** Encodes one response for this query, truncated (TC, empty answer) if it exceeds `limit`. */
function encodeFor(q: QueryFacts, spec: ResponseSpec, limit: number, ecsScope: number): Buffer {
  const opt = q.edns ? { doBit: q.edns.doBit, options: ecsOption(q, ecsScope) } : null;
  const head = { id: q.id, opcode: 0, rd: q.rd, cd: q.cd, aa: spec.aa, tc: false, rcode: spec.rcode };
  const question = { wire: q.question, nameKey: q.nameKey };
  const full = encodeMessage(head, question, spec, opt).bytes;
  return full.length <= limit ? full : encodeMessage({ ...head, tc: true }, question, EMPTY_SECTIONS, opt).bytes;
}

function encodeBoth(
  spec: ResponseSpec,
  q: Pick<QueryFacts, 'id' | 'rd' | 'cd' | 'question' | 'nameKey'>,
  opt: OptOut | null,
): Prebuilt {
  const head = { id: q.id, opcode: 0, rd: q.rd, cd: q.cd, aa: spec.aa, tc: false, rcode: spec.rcode };
  const question = { wire: q.question, nameKey: q.nameKey };
  // Exact-size copies: these are kept for the table's life, not a slice of a larger scratch buffer.
  const keep = (e: Encoded): Encoded => ({ bytes: Buffer.from(e.bytes), doOffset: e.doOffset });
  const full = keep(encodeMessage(head, question, spec, opt));
  const truncated = keep(encodeMessage({ ...head, tc: true }, question, EMPTY_SECTIONS, opt));
  return { full: full.bytes.length <= TCP_LIMIT ? full : truncated, truncated };
}

function sizeLimit(q: QueryFacts, transport: 'udp' | 'tcp'): number {
  if (transport === 'tcp') return TCP_LIMIT;
  if (!q.edns) return PLAIN_UDP_LIMIT;
  return Math.min(MAX_UDP_LIMIT, Math.max(PLAIN_UDP_LIMIT, q.edns.udpSize));
}

/** Client network by ECS address when the resolver sent one (and not /0), else by source address. */
function classify(zone: Zone, q: QueryFacts, client: ClientInfo): string {
  const ecs = q.edns?.ecs;
  const network = ecs && ecs.sourcePrefix > 0 ? zone.matcher.matchBytes(ecs.address) : zone.matcher.match(client.address);
  return network?.name ?? ANY_CLIENT;
}

/** RFC 7871 §7.2.1: echo family, source prefix and address; scope = how much of it the answer used. */
function ecsOption(q: QueryFacts, scope: number): Uint8Array {
  const ecs = q.edns?.ecs;
  if (!ecs) return NO_OPTIONS;
  const out = Buffer.alloc(4 + ecs.data.length);
  out.writeUInt16BE(OPTION_CLIENT_SUBNET, 0);
  out.writeUInt16BE(ecs.data.length, 2);
  out.set(ecs.data, 4);
  out[7] = scope;
  return out;
}

function typeKey(qtype: number): number {
  return PRECOMPUTED_TYPES.includes(qtype as (typeof PRECOMPUTED_TYPES)[number]) ? qtype : OTHER_TYPE;
}

function pickIndex(weights: readonly number[] | null, random: () => number): number {
  return pickCumulative(weights ? cumulate(weights) : null, random);
}

function pickCumulative(cumulative: readonly number[] | null, random: () => number): number {
  if (!cumulative) return 0;
  const total = cumulative[cumulative.length - 1] as number;
  const r = random() * total;
  for (let i = 0; i < cumulative.length; i++) if (r < (cumulative[i] as number)) return i;
  return cumulative.length - 1;
}

function cumulate(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

function precompute(zone: Zone): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const [nameKey, name] of zone.names) {
    const question = Buffer.alloc(nameKey.length + 4);
    question.write(nameKey, 0, 'latin1');
    question.writeUInt16BE(CLASS_IN, nameKey.length + 2);
    const classes = name.dependsOnClient ? zone.clientClasses : [ANY_CLIENT];
    const byClass = new Map<string, Map<number, PrebuiltChoice>>();
    for (const clientClass of classes) {
      const byType = new Map<number, PrebuiltChoice>();
      for (const qtype of [...PRECOMPUTED_TYPES, OTHER_TYPE]) {
        question.writeUInt16BE(qtype, nameKey.length);
        byType.set(qtype, prebuild(name.choice(qtype, clientClass), { id: 0, rd: false, cd: false, question, nameKey }));
      }
      byClass.set(clientClass, byType);
    }
    entries.set(nameKey, { dependsOnClient: name.dependsOnClient, byClass });
  }
  return entries;
}

function prebuild(choice: Choice, q: Pick<QueryFacts, 'id' | 'rd' | 'cd' | 'question' | 'nameKey'>): PrebuiltChoice {
  return {
    variants: choice.variants.map((spec) => ({
      spec,
      plain: encodeBoth(spec, q, null),
      edns: encodeBoth(spec, q, { doBit: false, options: NO_OPTIONS }),
    })),
    cumulative: choice.weights ? cumulate(choice.weights) : null,
  };
}
