/**
 * The "slipped" form of a response that rate limiting would drop (./rate-limit.ts): the same
 * header and question, TC=1, no records but the EDNS OPT (a response to an EDNS query carries
 * one, RFC 6891). It is no larger than the query, so it amplifies nothing, and tells a real
 * resolver to ask again over TCP.
 */
import { readName, TYPE } from './wire.ts';

const TC = 0x02;

/** The truncated twin of `response`, or null when it cannot be read (then drop it). */
export function slipResponse(response: Buffer): Buffer | null {
  if (response.length < 12 || response.readUInt16BE(4) !== 1) return null;
  const question = readName(response, 12);
  if (!question || question.end + 4 > response.length) return null;
  const questionEnd = question.end + 4;
  const opt = findOpt(response, questionEnd);
  const out = Buffer.allocUnsafe(questionEnd + (opt ? opt.length : 0));
  response.copy(out, 0, 0, questionEnd);
  out[2] = (out[2] as number) | TC;
  out.writeUInt16BE(0, 6); // answer
  out.writeUInt16BE(0, 8); // authority
  out.writeUInt16BE(opt ? 1 : 0, 10); // additional: the OPT alone
  opt?.copy(out, questionEnd);
  return out;
}

/** The OPT record's bytes (its owner is the root, never a pointer), or undefined. */
function findOpt(response: Buffer, from: number): Buffer | undefined {
  const records = response.readUInt16BE(6) + response.readUInt16BE(8) + response.readUInt16BE(10);
  let p = from;
  for (let i = 0; i < records; i++) {
    const name = readName(response, p);
    if (!name || name.end + 10 > response.length) return undefined;
    const end = name.end + 10 + response.readUInt16BE(name.end + 8);
    if (end > response.length) return undefined;
    if (response.readUInt16BE(name.end) === TYPE.OPT) return response.subarray(p, end);
    p = end;
  }
  return undefined;
}
