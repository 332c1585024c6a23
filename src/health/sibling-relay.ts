/**
 * Sibling relay: when a region runs more than one agent (two pods behind one Service), a peer's
 * push reaches only one of them. Each agent therefore forwards every peer view it accepted to the
 * other agents of its own region, marked as relayed so it is never forwarded again (one hop, no
 * loops). Every agent of the region then merges the same peer views, and their answers agree.
 *
 * Same discipline as the peer exchange: per sibling and per peer region at most one request in
 * flight, only the newest view follows, a deadline on each; an unreachable sibling is logged once
 * per transition and costs nothing else.
 */
import type { Logger } from 'pino';
import { CoalescingSender } from './coalescing-sender.ts';
import { postJson, type ClientTls, type PostOutcome } from './http-post.ts';
import type { PostFn } from './peers.ts';
import type { VantageView } from './types.ts';

/** Header on a relayed POST /v1/view: the receiver takes the view but does not forward it. */
export const RELAYED_HEADER = 'x-meridian-relayed';

export interface SiblingRelayOptions {
  /** View URLs (`http://ip:port/v1/view`, `https://…` to peer listeners) of the other agents of this region, now; self excluded. */
  readonly siblings: () => readonly string[];
  /** For https siblings: the TLS options of each new connection (the server must name this agent's own region). */
  readonly tls?: () => ClientTls;
  readonly timeoutMs: number;
  readonly localAddress?: string;
  readonly logger: Logger;
  readonly post?: PostFn;
}

export interface SiblingStatus {
  readonly viewUrl: string;
  readonly reachable: boolean | null;
  readonly lastError?: string;
}

export class SiblingRelay {
  /** Keyed by sibling URL, then by the vantage of the relayed view. */
  private readonly senders = new Map<string, Map<string, CoalescingSender<VantageView>>>();
  private readonly reachability = new Map<string, { reachable: boolean; lastError?: string }>();
  private closed = false;

  constructor(private readonly options: SiblingRelayOptions) {}

  /** Forwards a peer view this agent accepted (not one that was itself relayed) to every sibling. */
  forward(view: VantageView): void {
    if (this.closed) return;
    const siblings = this.options.siblings();
    this.forgetGone(new Set(siblings));
    for (const url of siblings) this.senderFor(url, view.vantage).offer(view);
  }

  status(): SiblingStatus[] {
    return this.options.siblings().map((viewUrl) => {
      const r = this.reachability.get(viewUrl);
      return { viewUrl, reachable: r ? r.reachable : null, ...(r?.lastError ? { lastError: r.lastError } : {}) };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.senders.values()].flatMap((byVantage) => [...byVantage.values()].map((s) => s.close())));
  }

  /** Agents rescheduled elsewhere (new pod addresses) leave senders behind: drop them. */
  private forgetGone(current: ReadonlySet<string>): void {
    for (const [url, byVantage] of this.senders) {
      if (current.has(url)) continue;
      for (const sender of byVantage.values()) void sender.close();
      this.senders.delete(url);
      this.reachability.delete(url);
    }
  }

  private senderFor(url: string, vantage: string): CoalescingSender<VantageView> {
    let byVantage = this.senders.get(url);
    if (!byVantage) this.senders.set(url, (byVantage = new Map()));
    let sender = byVantage.get(vantage);
    if (!sender) {
      const post = this.options.post ?? postJson;
      const send = (view: VantageView) =>
        post(url, view, {
          timeoutMs: this.options.timeoutMs, localAddress: this.options.localAddress, headers: { [RELAYED_HEADER]: '1' },
          ...(this.options.tls ? { tls: this.options.tls() } : {}),
        });
      sender = new CoalescingSender(send, (outcome) => this.record(url, outcome));
      byVantage.set(vantage, sender);
    }
    return sender;
  }

  private record(url: string, outcome: PostOutcome): void {
    const reachable = outcome.kind === 'delivered';
    const before = this.reachability.get(url);
    this.reachability.set(url, { reachable, ...(outcome.kind === 'failed' ? { lastError: outcome.reason } : {}) });
    if (before?.reachable === reachable) return;
    const event = { event: 'sibling.reachability', sibling: url, reachable };
    if (reachable) this.options.logger.info(event, `sibling agent ${url} reachable`);
    else this.options.logger.warn(event, `sibling agent ${url} unreachable: ${outcome.kind === 'failed' ? outcome.reason : ''}`);
  }
}
