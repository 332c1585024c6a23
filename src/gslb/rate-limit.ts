/**
 * DNS response rate limiting (RRL) for UDP, as bind9 and Knot do it: a source address on UDP can
 * be forged, so an open authoritative server is a reflector. Each client network (/24 for IPv4,
 * /56 for IPv6: one customer, one resolver farm) has a token bucket of responses:
 * - it is credited `responsesPerSecond` per second, up to one second's worth (a burst);
 * - each response takes one token; with none left the response is dropped, and the balance goes
 *   into debt down to `window` seconds' worth, so a network that flooded stays limited for up to
 *   `window` after it stops (bind9's `window`);
 * - every `slip`-th dropped response is sent instead as an empty truncated answer (TC=1): a real
 *   resolver behind a forged flood retries over TCP, where addresses cannot be forged and no limit
 *   applies; a victim gets a packet no larger than its query (0: never slip).
 * Pure: time comes from `now`; the table of networks is bounded.
 *
 * Hand-written: rate-limit packages count per key with their own timers or stores and allocate
 * per call; this is a few arithmetic operations on the per-query path, with an injected clock.
 */
import { RATE_LIMIT_DEFAULTS, type Topology } from '../spec/index.ts';
import { parseIp } from './ip.ts';

export interface RateLimitSettings {
  readonly responsesPerSecond: number;
  /** Every Nth dropped response is answered truncated instead; 0 drops all. */
  readonly slip: number;
  /** How long a flooding network's debt lasts, in milliseconds. */
  readonly windowMs: number;
  /** Loopback clients (127.0.0.0/8, ::1) are never limited: they cannot be forged from outside the host. */
  readonly exemptLoopback: boolean;
}

export type RateVerdict = 'answer' | 'drop' | 'slip';

interface Bucket {
  balance: number;
  atMs: number;
  dropped: number;
}

/** Networks remembered at once; a flood of forged sources evicts the oldest first. */
export const DEFAULT_MAX_NETWORKS = 65_536;

export class ResponseRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly floor: number;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => number,
    private readonly maxNetworks = DEFAULT_MAX_NETWORKS,
  ) {
    this.perMs = settings.responsesPerSecond / 1000;
    this.floor = -(settings.windowMs / 1000) * settings.responsesPerSecond;
  }

  /** What to do with the next response to `clientAddress` (as the socket reports it). */
  verdict(clientAddress: string): RateVerdict {
    if (this.settings.exemptLoopback && isLoopback(clientAddress)) return 'answer';
    const network = clientNetwork(clientAddress);
    if (network === undefined) return 'drop'; // no address to answer: nothing sent is lost
    const at = this.now();
    const rate = this.settings.responsesPerSecond;
    let bucket = this.buckets.get(network);
    if (!bucket) {
      if (this.buckets.size >= this.maxNetworks) this.evictOldest();
      bucket = { balance: rate, atMs: at, dropped: 0 };
      this.buckets.set(network, bucket);
    } else {
      bucket.balance = Math.min(rate, bucket.balance + Math.max(0, at - bucket.atMs) * this.perMs);
      bucket.atMs = at;
    }
    if (bucket.balance >= 1) {
      bucket.balance -= 1;
      return 'answer';
    }
    bucket.balance = Math.max(this.floor, bucket.balance - 1);
    bucket.dropped++;
    return this.settings.slip > 0 && bucket.dropped % this.settings.slip === 0 ? 'slip' : 'drop';
  }

  get trackedNetworks(): number {
    return this.buckets.size;
  }

  private evictOldest(): void {
    // Map keeps insertion order: the first key is the network seen first. Good enough: a table this
    // size churns only under a flood of forged sources, which the limit is not meant to follow.
    const first = this.buckets.keys().next();
    if (!first.done) this.buckets.delete(first.value);
  }
}

/** The topology's dns.rateLimit with defaults filled in; undefined when turned off. */
export function rateLimitOf(topology: Topology): RateLimitSettings | undefined {
  const given = topology.dns.rateLimit;
  if (!(given?.enabled ?? RATE_LIMIT_DEFAULTS.enabled)) return undefined;
  return {
    responsesPerSecond: given?.responsesPerSecond ?? RATE_LIMIT_DEFAULTS.responsesPerSecond,
    slip: given?.slip ?? RATE_LIMIT_DEFAULTS.slip,
    windowMs: given?.window ?? RATE_LIMIT_DEFAULTS.window,
    exemptLoopback: given?.exemptLoopback ?? RATE_LIMIT_DEFAULTS.exemptLoopback,
  };
}

/** `10.1.2.3` → `10.1.2` (/24); an IPv6 address → its first 56 bits in hex; undefined if unreadable. */
export function clientNetwork(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const text = mapped ? (mapped[1] as string) : address;
  if (!text.includes(':')) {
    const dot = text.lastIndexOf('.');
    return dot > 0 ? text.slice(0, dot) : undefined;
  }
  const bytes = parseIp(text);
  if (!bytes) return undefined;
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}`;
  return Buffer.from(bytes.subarray(0, 7)).toString('hex');
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}
