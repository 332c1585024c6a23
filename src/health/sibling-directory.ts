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
export function siblingViewUrls(resolved: readonly SiblingEntry[], self: SelfApi, localAddresses: ReadonlySet<string>, scheme: 'http' | 'https' = 'http'): string[] {
  const wildcard = self.host === '0.0.0.0' || self.host === '::';
  const isSelf = (e: SiblingEntry) => e.port === self.port && (e.host === self.host || (wildcard && localAddresses.has(e.host)));
  const urls = resolved.filter((e) => !isSelf(e)).map((e) => `${scheme}://${isIP(e.host) === 6 ? `[${e.host}]` : e.host}:${e.port}/v1/view`);
  return [...new Set(urls)].sort();
}

export class SiblingDirectory {
  private urls: readonly string[] = [];
  private timer?: NodeJS.Timeout;
  private lastProblem?: string;
  private readonly lastAddresses = new Map<SiblingEntry, readonly string[]>();

  constructor(
    private readonly entries: readonly SiblingEntry[],
    private readonly self: SelfApi,
    private readonly logger: Logger,
    private readonly resolve: LookupAll = lookupAll,
    /** `https`: the entries are the siblings' peer listeners (mutual TLS), `self` this agent's. */
    private readonly scheme: 'http' | 'https' = 'http',
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
      for (const address of await this.addressesOf(entry, problems)) resolved.push({ host: address, port: entry.port });
    }
    this.urls = siblingViewUrls(resolved, this.self, localAddresses(), this.scheme);
    this.report(problems.join('; ') || undefined);
  }

  /** An address as it is; a name looked up, or its last addresses when the lookup fails. */
  private async addressesOf(entry: SiblingEntry, problems: string[]): Promise<readonly string[]> {
    if (isIP(entry.host) !== 0) return [entry.host];
    try {
      const addresses = await this.resolve(entry.host);
      this.lastAddresses.set(entry, addresses);
      return addresses;
    } catch (err) {
      problems.push(`${entry.host}: ${err instanceof Error ? err.message : String(err)}`);
      // Keep relaying to the addresses we had: a resolver hiccup must not cut the region in two.
      return this.lastAddresses.get(entry) ?? [];
    }
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
