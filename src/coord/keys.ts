/**
 * The key layout in etcd, in one place (docs/coordination.md lists it for operators), and the
 * text form of fencing tokens.
 */
import { randomBytes } from 'node:crypto';
import type { FencingToken } from './ports.ts';

export const KEY_PREFIX = 'meridian/';

/** Segments are topology names, runbook ids and the like: no '/', nothing exotic. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function segment(what: string, value: string): string {
  if (!SEGMENT.test(value)) throw new Error(`invalid ${what} for a coordination key: ${JSON.stringify(value)}`);
  return value;
}

export const coordKeys = {
  /** Held by the region that is primary for a data store (e.g. `orders-db`). */
  primaryLease: (dataStore: string) => `${KEY_PREFIX}primary/${segment('data store', dataStore)}`,
  /** Held by the one failover coordinator at a time. */
  election: (name = 'failover-coordinator') => `${KEY_PREFIX}election/${segment('election', name)}`,
  /** Idempotency marker of one runbook step; written with fencedCreate. */
  runbookStep: (runbookId: string, step: string) =>
    `${KEY_PREFIX}runbook/${segment('runbook id', runbookId)}/steps/${segment('step', step)}`,
  /** The operators' traffic controls (drains, weight overrides): one document, written by compare-and-put. */
  trafficControls: () => `${KEY_PREFIX}traffic/controls`,
  /** All records of one audit stream live under this prefix. */
  auditPrefix: (stream: string) => `${KEY_PREFIX}audit/${segment('audit stream', stream)}/`,
} as const;

/**
 * Key of a new audit record: wall-clock milliseconds (zero-padded so keys sort by time for a
 * person running `etcdctl get --prefix`) plus randomness so two writers never collide.
 * Readers order by etcd create revision, not by this name: the quorum's order is the truth.
 */
export function newAuditKey(stream: string, wallClockMs: number, random: string = randomBytes(4).toString('hex')): string {
  return `${coordKeys.auditPrefix(stream)}${String(Math.floor(wallClockMs)).padStart(15, '0')}-${random}`;
}

export function formatToken(token: FencingToken): string {
  return token.toString(10);
}

export function parseToken(text: string): FencingToken {
  if (!/^\d{1,19}$/.test(text)) throw new Error(`not a fencing token: ${JSON.stringify(text)}`);
  return BigInt(text);
}

/** Value stored at a lease key: who holds it (JSON so fields can be added later). */
export function encodeHolderValue(holderId: string, ttlMs: number): string {
  return JSON.stringify({ holder: holderId, ttlMs });
}

/** The holder named by a lease key's value; a value not written by us is shown as is. */
export function decodeHolderValue(value: string): string {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && 'holder' in parsed && typeof parsed.holder === 'string') return parsed.holder;
  } catch {
    // fall through: not ours, show it raw
  }
  return value;
}

/** A token of 0 would compare as "the key does not exist" in etcd: never a valid fence. */
export function assertFence(fence: { readonly key: string; readonly token: FencingToken }): void {
  if (fence.token <= 0n) throw new Error(`fence on ${fence.key} has token ${fence.token}; tokens are positive revisions`);
}
