/**
 * The DNS watcher: asks EVERY nameserver directly, every interval, what it answers for the
 * service, with no cache. It measures the server side of a shift (when each agent stopped
 * answering with a dead region), independently of any client's cache, which the load client
 * measures. One query per server at a time: a server that does not answer is not piled on.
 */
import { systemClock, type Clock } from './clock.ts';
import { queryA, type DnsQueryOutcome } from './dns-transport.ts';
import type { QueryFn } from './stub-resolver.ts';
import { serverKey, type Nameserver, type WatcherSample } from './types.ts';

export interface DnsWatcherOptions {
  readonly fqdn: string;
  readonly nameservers: readonly Nameserver[];
  /** @default 100 */
  readonly intervalMs?: number;
  /** @default 300 */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  readonly query?: QueryFn;
}

export class DnsWatcher {
  readonly samples: WatcherSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly busy = new Map<string, Promise<void>>();
  private readonly clock: Clock;
  private readonly query: QueryFn;

  constructor(private readonly options: DnsWatcherOptions) {
    this.clock = options.clock ?? systemClock;
    this.query = options.query ?? queryA;
  }

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? 100);
  }

  /** Stops querying and waits for queries in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.busy.values()]);
  }

  private tick(): void {
    for (const server of this.options.nameservers) {
      const key = serverKey(server);
      if (this.busy.has(key)) continue;
      const probe = this.probe(server).finally(() => this.busy.delete(key));
      this.busy.set(key, probe);
    }
  }

  private async probe(server: Nameserver): Promise<void> {
    const sentAtMs = this.clock.nowMs();
    const outcome = await this.query(server, this.options.fqdn, this.options.timeoutMs ?? 300);
    this.samples.push({ atMs: this.clock.nowMs(), sentAtMs, server: serverKey(server), region: server.region, ...observed(outcome) });
  }
}

function observed(outcome: DnsQueryOutcome): { addresses: readonly string[] } | { error: string } {
  if (outcome.kind === 'timeout') return { error: 'timeout' };
  if (outcome.kind === 'error') return { error: outcome.message };
  return outcome.rcode === 'NOERROR' ? { addresses: outcome.addresses } : { error: outcome.rcode };
}
