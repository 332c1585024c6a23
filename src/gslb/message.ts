/**
 * Response encoder with name compression. Hand-written because dns-packet never compresses
 * names: uncompressed, 60 A records of `web.global.example.com` need 2.4 KB instead of 1 KB, and a
 * plain UDP answer would truncate after 11 records. Every name (owners and NS/SOA data, RFC 1035
 * §4.1.4) may point at an earlier occurrence, including the question at offset 12.
 *
 * Invariant used by the precomputed answers: the OPT record, when present, is the last record.
 */
import { TYPE } from './wire.ts';

/** Record data as a sequence of raw bytes and (compressible) names given as wire keys. */
export type RDataPart = Uint8Array | { readonly name: string };

export interface ZoneRecord {
  /** Wire key of the owner name (see wire.ts). */
  readonly owner: string;
  readonly type: number;
  readonly ttl: number;
  readonly rdata: readonly RDataPart[];
}

export interface ResponseHead {
  readonly id: number;
  readonly opcode: number;
  readonly rd: boolean;
  readonly cd: boolean;
  readonly aa: boolean;
  readonly tc: boolean;
  /** Full 12-bit rcode; the high bits go into OPT (BADVERS = 16). */
  readonly rcode: number;
}

export interface ResponseSections {
  readonly answers: readonly ZoneRecord[];
  readonly authorities: readonly ZoneRecord[];
  readonly additionals: readonly ZoneRecord[];
}

export interface OptOut {
  readonly doBit: boolean;
  /** Already encoded option TLVs (code, length, data). */
  readonly options: Uint8Array;
}

export const OUR_UDP_PAYLOAD = 1232;
export const EMPTY_SECTIONS: ResponseSections = { answers: [], authorities: [], additionals: [] };

export interface Encoded {
  readonly bytes: Buffer;
  /** Offset of the OPT flags' high byte (the DO bit), or -1 without OPT. */
  readonly doOffset: number;
}

export function encodeMessage(
  head: ResponseHead,
  question: { readonly wire: Uint8Array; readonly nameKey: string } | null,
  sections: ResponseSections,
  opt: OptOut | null,
): Encoded {
  const all = [...sections.answers, ...sections.authorities, ...sections.additionals];
  const bound = 12 + (question?.wire.length ?? 0) + all.reduce((n, r) => n + recordBound(r), 0) + (opt ? 11 + opt.options.length : 0);
  const w = new Writer(bound);
  w.u16(head.id);
  w.u8(0x80 | ((head.opcode & 0x0f) << 3) | (head.aa ? 0x04 : 0) | (head.tc ? 0x02 : 0) | (head.rd ? 0x01 : 0));
  w.u8((head.cd ? 0x10 : 0) | (head.rcode & 0x0f));
  w.u16(question ? 1 : 0);
  w.u16(sections.answers.length);
  w.u16(sections.authorities.length);
  w.u16(sections.additionals.length + (opt ? 1 : 0));
  if (question) {
    w.remember(question.nameKey, 12);
    w.bytes(question.wire);
  }
  for (const r of all) w.record(r);
  let doOffset = -1;
  if (opt) {
    w.u8(0); // root owner
    w.u16(TYPE.OPT);
    w.u16(OUR_UDP_PAYLOAD);
    w.u8(head.rcode >> 4);
    w.u8(0); // version
    doOffset = w.pos;
    w.u16(opt.doBit ? 0x8000 : 0);
    w.u16(opt.options.length);
    w.bytes(opt.options);
  }
  return { bytes: w.finish(), doOffset };
}

/** A header-only response (FORMERR, NOTIMP) for a query whose question we could not use. */
export function encodeBareError(query: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(query.readUInt16BE(0), 0);
  out[2] = 0x80 | ((query[2] as number) & 0x79); // QR, the query's opcode and RD
  out[3] = ((query[3] as number) & 0x10) | (rcode & 0x0f); // CD copied
  return out;
}

function recordBound(r: ZoneRecord): number {
  return r.owner.length + 10 + r.rdata.reduce((n, p) => n + (p instanceof Uint8Array ? p.length : p.name.length), 0);
}

class Writer {
  pos = 0;
  private readonly buf: Buffer;
  private readonly dict = new Map<string, number>();

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size); // every byte up to `pos` is written; nothing past it is exposed
  }

  u8(v: number): void {
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Registers every suffix of a name already written at `at`, so later names can point there. */
  remember(key: string, at: number): void {
    for (let i = 0; i < key.length && key.charCodeAt(i) !== 0; i += key.charCodeAt(i) + 1) {
      if (at + i < 0x4000 && !this.dict.has(key.slice(i))) this.dict.set(key.slice(i), at + i);
    }
  }

  name(key: string): void {
    for (let i = 0; i < key.length; ) {
      const len = key.charCodeAt(i);
      if (len === 0) break;
      const suffix = key.slice(i);
      const pointer = this.dict.get(suffix);
      if (pointer !== undefined) {
        this.u16(0xc000 | pointer);
        return;
      }
      if (this.pos < 0x4000) this.dict.set(suffix, this.pos);
      this.pos += this.buf.write(key.slice(i, i + len + 1), this.pos, 'latin1');
      i += len + 1;
    }
    this.u8(0);
  }

  record(r: ZoneRecord): void {
    this.name(r.owner);
    this.u16(r.type);
    this.u16(1); // class IN
    this.buf.writeUInt32BE(r.ttl, this.pos);
    this.pos += 4;
    const lengthAt = this.pos;
    this.pos += 2;
    for (const part of r.rdata) {
      if (part instanceof Uint8Array) this.bytes(part);
      else this.name(part.name);
    }
    this.buf.writeUInt16BE(this.pos - lengthAt - 2, lengthAt);
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
