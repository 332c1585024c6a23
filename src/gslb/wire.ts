/**
 * DNS wire-format vocabulary and the hot-path query parser.
 *
 * Names are handled as "wire keys": the wire-format name (length-prefixed labels, final 0) as a
 * latin1 string, lowercased. A key is cheap to make from a query (one toString) and is exactly as
 * long as the name on the wire, so a precomputed answer can take the query's own name bytes.
 */

export const TYPE = { A: 1, NS: 2, SOA: 6, AAAA: 28, OPT: 41, IXFR: 251, AXFR: 252, ANY: 255 } as const;
export const CLASS_IN = 1;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;
export const OPTION_CLIENT_SUBNET = 8;

/** Mnemonics of the query types we name (e.g. as metric labels), with their codes. */
const TYPE_CODES = new Map<string, number>([
  ...Object.entries(TYPE),
  ['CNAME', 5], ['PTR', 12], ['MX', 15], ['TXT', 16], ['SRV', 33], ['DS', 43], ['RRSIG', 46], ['DNSKEY', 48],
  ['SVCB', 64], ['HTTPS', 65], ['CAA', 257],
]);

/** An exchange without a response (ExchangeCodes.rcode), and a question whose type could not be read. */
export const DROPPED = -1;
export const NO_QTYPE = -1;

/** `AAAA` → 28; undefined for a mnemonic not listed here. */
export function typeCode(name: string): number | undefined {
  return TYPE_CODES.get(name);
}

/** `web.example.com` → `\x03web\x07example\x03com\x00` (lowercased). The root is `\x00`. */
export function wireKey(dotted: string): string {
  const labels = dotted.toLowerCase().replace(/\.$/, '').split('.').filter((l) => l.length > 0);
  return labels.map((l) => String.fromCharCode(l.length) + l).join('') + '\x00';
}

export interface EcsInfo {
  /** 1 = IPv4, 2 = IPv6 (address family numbers). */
  readonly family: number;
  readonly sourcePrefix: number;
  /** Address padded to 4 or 16 bytes. */
  readonly address: Uint8Array;
  /** The option's data as received, echoed back with our scope (RFC 7871 §7.2.1). */
  readonly data: Uint8Array;
}

export interface EdnsInfo {
  readonly udpSize: number;
  readonly version: number;
  readonly doBit: boolean;
  readonly ecs: EcsInfo | null;
}

/** What answering needs from a query, however it was parsed. */
export interface QueryFacts {
  readonly id: number;
  readonly rd: boolean;
  readonly cd: boolean;
  /** The question as received (name + type + class), mixed case kept, no compression. */
  readonly question: Uint8Array;
  readonly nameKey: string;
  readonly qtype: number;
  readonly qclass: number;
  readonly edns: EdnsInfo | null;
}

/**
 * Parses the common query shape by hand: a 12-byte header, one question with plain labels, and
 * at most one OPT record without a Client Subnet option. Returns null for anything else, and the
 * caller falls back to a full dns-packet decode.
 *
 * Why not dns-packet on the hot path: a full decode allocates an object per section and record,
 * a string per label and decodes every EDNS option, which dominated the cost per query in
 * benchmarks (0.36× bind9). The common query needs one pass over the name bytes.
 */
export function parseCommonQuery(buf: Buffer): QueryFacts | null {
  const len = buf.length;
  if (len < 17) return null;
  const flags = buf[2] as number;
  if ((flags & 0xf8) !== 0) return null; // QR or an opcode other than QUERY
  if (buf.readUInt16BE(4) !== 1 || buf.readUInt16BE(6) !== 0 || buf.readUInt16BE(8) !== 0) return null;
  const arcount = buf.readUInt16BE(10);
  if (arcount > 1) return null;

  let p = 12;
  for (;;) {
    if (p >= len) return null;
    const label = buf[p] as number;
    if (label === 0) break;
    if (label > 63) return null; // compression pointer or reserved label type
    p += label + 1;
    if (p - 12 > 254) return null;
  }
  const nameEnd = p + 1;
  const qEnd = nameEnd + 4;
  if (qEnd > len) return null;

  let edns: EdnsInfo | null = null;
  if (arcount === 1) {
    edns = parseBareOpt(buf, qEnd);
    if (!edns) return null;
  } else if (qEnd !== len) {
    return null;
  }
  return {
    id: buf.readUInt16BE(0),
    rd: (flags & 0x01) !== 0,
    cd: ((buf[3] as number) & 0x10) !== 0,
    question: buf.subarray(12, qEnd),
    nameKey: buf.toString('latin1', 12, nameEnd).toLowerCase(),
    qtype: buf.readUInt16BE(nameEnd),
    qclass: buf.readUInt16BE(nameEnd + 2),
    edns,
  };
}

/** An OPT record ending exactly at the end of the packet, whose options do not include ECS. */
function parseBareOpt(buf: Buffer, o: number): EdnsInfo | null {
  if (o + 11 > buf.length || buf[o] !== 0 || buf.readUInt16BE(o + 1) !== TYPE.OPT) return null;
  const end = o + 11 + buf.readUInt16BE(o + 9);
  if (end !== buf.length) return null;
  for (let q = o + 11; q < end; ) {
    if (q + 4 > end || buf.readUInt16BE(q) === OPTION_CLIENT_SUBNET) return null;
    q += 4 + buf.readUInt16BE(q + 2);
    if (q > end) return null;
  }
  return {
    udpSize: buf.readUInt16BE(o + 3),
    version: buf[o + 6] as number,
    doBit: ((buf[o + 7] as number) & 0x80) !== 0,
    ecs: null,
  };
}

/**
 * Reads a name that may use compression pointers (backwards only, bounded hops) and returns it
 * uncompressed, case kept. Null when malformed.
 */
export function readName(buf: Buffer, offset: number): { wire: Buffer; end: number } | null {
  const parts: Buffer[] = [];
  let p = offset;
  let end = -1;
  let total = 0;
  for (let hops = 0; hops < 64; ) {
    if (p >= buf.length) return null;
    const label = buf[p] as number;
    if (label === 0) {
      parts.push(buf.subarray(p, p + 1));
      return { wire: Buffer.concat(parts), end: end < 0 ? p + 1 : end };
    }
    if ((label & 0xc0) === 0xc0) {
      if (p + 1 >= buf.length) return null;
      const target = buf.readUInt16BE(p) & 0x3fff;
      if (target >= p) return null; // forward or self pointer: a loop in the making
      if (end < 0) end = p + 2;
      p = target;
      hops++;
      continue;
    }
    if (label > 63 || p + 1 + label > buf.length) return null;
    total += label + 1;
    if (total > 254) return null;
    parts.push(buf.subarray(p, p + 1 + label));
    p += label + 1;
  }
  return null;
}

/** The question's type, read without decoding the rest; NO_QTYPE when it cannot be read. */
export function questionType(query: Buffer): number {
  if (query.length < 12) return NO_QTYPE;
  const name = readName(query, 12);
  return name && name.end + 2 <= query.length ? query.readUInt16BE(name.end) : NO_QTYPE;
}
