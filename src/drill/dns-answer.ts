/**
 * Pure DNS message handling for the drill's stub resolver and watcher: build an A query, read
 * an A answer. dns-packet does the wire format; this only picks out what a stub resolver uses.
 */
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, SoaAnswer, StringAnswer } from 'dns-packet';

export interface AAnswer {
  readonly rcode: string;
  readonly truncated: boolean;
  readonly addresses: readonly string[];
  /**
   * Seconds the answer may be cached: the smallest A record TTL, or for a negative answer the
   * SOA's negative TTL (RFC 2308: min of the SOA record's TTL and its MINIMUM field).
   * Undefined when the message gives no TTL at all (nothing may be cached).
   */
  readonly ttl?: number;
}

export function encodeAQuery(id: number, name: string): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', class: 'IN', name }],
  });
}

/** dns-packet decodes the rcode as a name, but its typings omit the field. */
function rcodeOf(packet: DecodedPacket): string {
  const rcode = (packet as DecodedPacket & { rcode?: unknown }).rcode;
  return typeof rcode === 'string' ? rcode : 'NOERROR';
}

function minimum(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : Math.min(...values);
}

function negativeTtl(authorities: readonly Answer[]): number | undefined {
  const soa = authorities.find((a): a is SoaAnswer => a.type === 'SOA');
  if (!soa) return undefined;
  const fields = [soa.ttl, soa.data.minimum].filter((v): v is number => typeof v === 'number');
  return minimum(fields);
}

/** Reads the A records (following whatever CNAMEs the server included) and the cache TTL. */
export function readAAnswer(packet: DecodedPacket): AAnswer {
  const rcode = rcodeOf(packet);
  const records = (packet.answers ?? []).filter((a): a is StringAnswer => a.type === 'A');
  const addresses = records.map((a) => a.data);
  const ttl =
    addresses.length > 0
      ? minimum(records.map((a) => a.ttl ?? 0))
      : negativeTtl(packet.authorities ?? []);
  return { rcode, truncated: packet.flag_tc, addresses, ...(ttl === undefined ? {} : { ttl }) };
}

/** Decodes a response and checks it answers our query; undefined for anything else. */
export function decodeResponse(buf: Buffer, id: number): DecodedPacket | undefined {
  try {
    const packet = dnsPacket.decode(buf);
    return packet.type === 'response' && packet.id === id ? packet : undefined;
  } catch {
    return undefined;
  }
}
