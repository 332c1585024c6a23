/**
 * Where the other agents of this region are, for the sibling relay. `--siblings` names them as
 * `host:port[,host:port…]`; a host that is a DNS name is looked up again every refresh and every
 * address it returns is a sibling (in Kubernetes: a headless Service selecting the agent pods, so
 * a rescheduled pod is found by its new address). This agent itself is left out.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';

export interface SiblingEntry {
  readonly host: string;
  readonly port: number;
}

export interface SelfApi {
  readonly host: string;
  readonly port: number;
}

export type LookupAll = (host: string) => Promise<readonly string[]>;

const lookupAll: LookupAll = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/** Pure: the view URLs of the siblings among resolved (address, port) pairs, without this agent. */
export function siblingViewUrls(resolved: readonly SiblingEntry[], self: SelfApi, localAddresses: ReadonlySet<string>): string[] {
  const wildcard = self.host === '0.0.0.0' || self.host === '::';
  const isSelf = (e: SiblingEntry) => e.port === self.port && (e.host === self.host || (wildcard && localAddresses.has(e.host)));
  const urls = resolved.filter((e) => !isSelf(e)).map((e) => `http://${isIP(e.host) === 6 ? `[${e.host}]` : e.host}:${e.port}/v1/view`);
  return [...new Set(urls)].sort();
}

export class SiblingDirectory {
  private urls: readonly string[] = [];
  private timer?: NodeJS.Timeout;
  private lastProblem?: string;

  constructor(
    private readonly entries: readonly SiblingEntry[],
    private readonly self: SelfApi,
    private readonly logger: Logger,
    private readonly resolve: LookupAll = lookupAll,
  ) {}

  /** The siblings as of the last refresh (empty until the first one ends). */
  current(): readonly string[] {
    return this.urls;
  }

  /** Resolves now, then every `refreshMs`; a failed lookup keeps the last addresses of that name. */
  async start(refreshMs: number): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), refreshMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    const resolved: SiblingEntry[] = [];
    const problems: string[] = [];
    for (const entry of this.entries) {
      if (isIP(entry.host) !== 0) {
        resolved.push(entry);
        continue;
      }
      try {
        for (const address of await this.resolve(entry.host)) resolved.push({ host: address, port: entry.port });
      } catch (err) {
        problems.push(`${entry.host}: ${err instanceof Error ? err.message : String(err)}`);
        // Keep relaying to the addresses we had: a resolver hiccup must not cut the region in two.
        for (const url of this.urls) {
          const u = new URL(url);
          if (Number(u.port) === entry.port) resolved.push({ host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: entry.port });
        }
      }
    }
    this.urls = siblingViewUrls(resolved, this.self, localAddresses());
    this.report(problems.join('; ') || undefined);
  }

  private report(problem: string | undefined): void {
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    if (problem) this.logger.warn({ event: 'sibling.lookup', problem }, `cannot look up sibling agents: ${problem}`);
    else this.logger.info({ event: 'sibling.lookup', siblings: this.urls }, `sibling agents: ${this.urls.join(', ') || 'none'}`);
  }
}

function localAddresses(): Set<string> {
  return new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)));
}
