/**
 * The stub resolver's decisions, pure: when a cached answer is still usable, which outcomes end
 * a lookup and which move on to the next nameserver, and in which order servers are tried.
 */
import type { DnsQueryOutcome } from './dns-transport.ts';

export interface CachedAnswer {
  readonly addresses: readonly string[];
  /** The answer may be used while now < expiresAtMs. TTL 0 gives expiresAtMs = receivedAtMs. */
  readonly expiresAtMs: number;
}

export function expiresAt(receivedAtMs: number, ttlSeconds: number | undefined): number {
  return receivedAtMs + Math.max(0, ttlSeconds ?? 0) * 1000;
}

export function isFresh(entry: CachedAnswer | undefined, nowMs: number): entry is CachedAnswer {
  return entry !== undefined && nowMs < entry.expiresAtMs;
}

/**
 * `answer` ends the lookup (NOERROR, NXDOMAIN: the authoritative word on the name);
 * `tryNext` moves on, as stub resolvers do for a server that is down, failing or refusing.
 */
export function verdictFor(outcome: DnsQueryOutcome): 'answer' | 'tryNext' {
  if (outcome.kind !== 'response') return 'tryNext';
  return outcome.rcode === 'NOERROR' || outcome.rcode === 'NXDOMAIN' ? 'answer' : 'tryNext';
}

/** Indexes of `count` servers starting at `start`, wrapping around. */
export function serverOrder(count: number, start: number): number[] {
  return Array.from({ length: count }, (_, i) => (start + i) % count);
}

/** After server `failedIndex` failed, later lookups start at the one after it (sticky rotation). */
export function nextStart(count: number, failedIndex: number): number {
  return (failedIndex + 1) % count;
}
