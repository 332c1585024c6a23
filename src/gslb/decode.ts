/**
 * The slow path's parser: a full dns-packet decode for every query the hand parser declined
 * (other opcodes, compressed question names, EDNS Client Subnet, odd section counts, …).
 * It also decides the protocol errors: NOTIMP for other opcodes, FORMERR for the rest.
 */
import dnsPacket, { type DecodedPacket, type OptAnswer } from 'dns-packet';
import { OPTION_CLIENT_SUBNET, RCODE, readName, type EcsInfo, type EdnsInfo, type QueryFacts } from './wire.ts';

export type DecodedQuery =
  | { readonly kind: 'query'; readonly facts: QueryFacts }
  | { readonly kind: 'error'; readonly rcode: number; readonly why: string };

export function decodeQuery(buf: Buffer): DecodedQuery {
  const opcode = ((buf[2] as number) >> 3) & 0x0f;
  if (opcode !== 0) return { kind: 'error', rcode: RCODE.NOTIMP, why: `opcode ${opcode}` };
  const qdcount = buf.readUInt16BE(4);
  if (qdcount !== 1) return formerr(`qdcount ${qdcount}`);

  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(buf);
  } catch (err) {
    return formerr(`undecodable: ${(err as Error).message}`);
  }
  const name = readName(buf, 12);
  if (!name || name.end + 4 > buf.length) return formerr('undecodable question');
  const question = Buffer.alloc(name.wire.length + 4);
  name.wire.copy(question, 0);
  buf.copy(question, name.wire.length, name.end, name.end + 4);

  const opts = (packet.additionals ?? []).filter((a): a is OptAnswer => a.type === 'OPT');
  if (opts.length > 1) return formerr('more than one OPT record');
  let edns: EdnsInfo | null = null;
  const opt = opts[0];
  if (opt) {
    if (opt.name !== '.') return formerr('OPT record not owned by the root');
    const ecsOption = opt.options.find((o) => o.code === OPTION_CLIENT_SUBNET);
    const ecs = ecsOption?.data ? parseEcs(ecsOption.data) : null;
    if (ecs === 'invalid') return formerr('malformed client subnet option');
    edns = { udpSize: opt.udpPayloadSize, version: opt.ednsVersion, doBit: opt.flag_do, ecs };
  }
  return {
    kind: 'query',
    facts: {
      id: buf.readUInt16BE(0),
      rd: ((buf[2] as number) & 0x01) !== 0,
      cd: ((buf[3] as number) & 0x10) !== 0,
      question,
      nameKey: name.wire.toString('latin1').toLowerCase(),
      qtype: buf.readUInt16BE(name.end),
      qclass: buf.readUInt16BE(name.end + 2),
      edns,
    },
  };
}

function formerr(why: string): DecodedQuery {
  return { kind: 'error', rcode: RCODE.FORMERR, why };
}

/** RFC 7871 §6: family, source prefix, scope prefix, then only as many address bytes as the prefix needs. */
function parseEcs(data: Uint8Array): EcsInfo | 'invalid' {
  if (data.length < 4) return 'invalid';
  const family = ((data[0] as number) << 8) | (data[1] as number);
  const sourcePrefix = data[2] as number;
  const width = family === 1 ? 4 : family === 2 ? 16 : 0;
  if (width === 0 || sourcePrefix > width * 8) return 'invalid';
  const bytes = data.subarray(4);
  if (bytes.length !== Math.ceil(sourcePrefix / 8)) return 'invalid';
  const spare = sourcePrefix % 8;
  if (spare !== 0 && ((bytes[bytes.length - 1] as number) & (0xff >> spare)) !== 0) return 'invalid'; // bits past the prefix must be 0
  const address = new Uint8Array(width);
  address.set(bytes);
  return { family, sourcePrefix, address, data };
}
