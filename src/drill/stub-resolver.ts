/**
 * A caching stub resolver, as a client host has (systemd-resolved, nscd): it asks the listed
 * nameservers for A records, keeps each answer for exactly its TTL (TTL 0: asks every time),
 * moves to the next server on timeout, SERVFAIL or REFUSED, and remembers which server worked.
 * Every exchange is recorded so a drill can show what the client was told and when.
 */
import { systemClock, type Clock } from './clock.ts';
import { queryA, type DnsQueryOutcome } from './dns-transport.ts';
import { expiresAt, isFresh, nextStart, serverOrder, verdictFor, type CachedAnswer } from './resolver-policy.ts';
import { serverKey, type Nameserver, type ResolverExchange } from './types.ts';

export type Resolution =
  | { readonly kind: 'answer'; readonly addresses: readonly string[]; readonly fromCache: boolean }
  | { readonly kind: 'failed'; readonly reason: string };

/** The DNS exchange itself, a port so the lookup logic can be tested without sockets. */
export type QueryFn = (server: Nameserver, name: string, timeoutMs: number) => Promise<DnsQueryOutcome>;

export interface StubResolverOptions {
  readonly nameservers: readonly Nameserver[];
  /** Per-server timeout. @default 500 */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  readonly query?: QueryFn;
}

export class StubResolver {
  /** Every exchange, in the order the answers (or timeouts) arrived. */
  readonly exchanges: ResolverExchange[] = [];
  private readonly cache = new Map<string, CachedAnswer>();
  private readonly inFlight = new Map<string, Promise<Resolution>>();
  private start = 0;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly query: QueryFn;

  constructor(private readonly options: StubResolverOptions) {
    if (options.nameservers.length === 0) throw new Error('StubResolver needs at least one nameserver');
    this.timeoutMs = options.timeoutMs ?? 500;
    this.clock = options.clock ?? systemClock;
    this.query = options.query ?? queryA;
  }

  /** Cached answer if fresh; otherwise one lookup, shared by concurrent callers for the same name. */
  resolve(name: string): Promise<Resolution> {
    const key = name.toLowerCase();
    const cached = this.cache.get(key);
    if (isFresh(cached, this.clock.nowMs())) {
      return Promise.resolve({ kind: 'answer', addresses: cached.addresses, fromCache: true });
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const lookup = this.lookup(key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, lookup);
    return lookup;
  }

  private async lookup(name: string): Promise<Resolution> {
    const servers = this.options.nameservers;
    const failures: string[] = [];
    for (const index of serverOrder(servers.length, this.start)) {
      const server = servers[index]!;
      const outcome = await this.query(server, name, this.timeoutMs);
      const atMs = this.clock.nowMs();
      this.record(server, atMs, outcome);
      if (verdictFor(outcome) === 'answer' && outcome.kind === 'response') {
        this.cache.set(name, { addresses: outcome.addresses, expiresAtMs: expiresAt(atMs, outcome.ttl) });
        return { kind: 'answer', addresses: outcome.addresses, fromCache: false };
      }
      failures.push(`${serverKey(server)} ${describeOutcome(outcome)}`);
      this.start = nextStart(servers.length, index);
    }
    return { kind: 'failed', reason: `no nameserver answered: ${failures.join(', ')}` };
  }

  private record(server: Nameserver, atMs: number, outcome: DnsQueryOutcome): void {
    const base = { atMs, server: serverKey(server), region: server.region, transport: outcome.transport };
    if (outcome.kind === 'response') {
      this.exchanges.push({
        ...base,
        rcode: outcome.rcode,
        addresses: outcome.addresses,
        ...(outcome.ttl === undefined ? {} : { ttl: outcome.ttl }),
      });
    } else if (outcome.kind === 'timeout') {
      this.exchanges.push({ ...base, rcode: 'timeout', addresses: [] });
    } else {
      this.exchanges.push({ ...base, rcode: 'error', addresses: [], error: outcome.message });
    }
  }
}

export function describeOutcome(outcome: DnsQueryOutcome): string {
  if (outcome.kind === 'response') return outcome.rcode;
  return outcome.kind === 'timeout' ? 'timeout' : `error (${outcome.message})`;
}
