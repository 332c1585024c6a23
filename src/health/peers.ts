/**
 * The peer exchange: this agent pushes its VantageView to every peer's `POST /v1/view` as soon as
 * it changes and at least once per period otherwise, and keeps the latest view each peer pushed.
 *
 * Never blocks and never piles up: at most one request in flight per peer (a change during a
 * request is sent right after it, only the newest view), each with a deadline shorter than the
 * period. Unreachable peers are logged once per transition. Nothing here can stop DNS from
 * answering: the merge simply stops counting a peer whose view is stale.
 */
import type { Logger } from 'pino';
import { CoalescingSender } from './coalescing-sender.ts';
import { postJson, type ClientTls, type PostOptions, type PostOutcome } from './http-post.ts';
import { isFresh, type ReceivedView } from './quorum.ts';
import { orderView, type ViewVerdict } from './view-order.ts';
import type { VantageView } from './types.ts';

export interface PeerTarget {
  readonly region: string;
  /** Full URL of the peer's view endpoint: `<agent.api>/v1/view`, or `https://<agent.peer>/v1/view` over mutual TLS. */
  readonly viewUrl: string;
  /** For an https viewUrl: the TLS options of each new connection (read per push, so rotated certificates are used). */
  readonly tls?: () => ClientTls;
}

export type PeerReachability = 'unknown' | 'reachable' | 'unreachable';

export interface PeerStatus {
  readonly region: string;
  readonly viewUrl: string;
  /** Whether our last push to this peer was delivered. */
  readonly reachability: PeerReachability;
  readonly lastError?: string;
  /** Age of the last view this peer pushed to us, by our clock; null if none yet. */
  readonly lastViewAgeMs: number | null;
  readonly fresh: boolean;
  readonly view?: VantageView;
}

export type PostFn = (url: string, body: unknown, options: PostOptions) => Promise<PostOutcome>;

export interface PeerExchangeOptions {
  readonly self: string;
  readonly peers: readonly PeerTarget[];
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly staleAfterMs: number;
  readonly localAddress?: string;
  readonly logger: Logger;
  /** Monotonic milliseconds; the receiver's clock judges freshness. */
  readonly now: () => number;
  /** Called after a peer view was accepted, so the caller can merge again. */
  readonly onView: (view: VantageView) => void;
  readonly post?: PostFn;
}

interface PeerSlot {
  readonly target: PeerTarget;
  reachability: PeerReachability;
  lastError?: string;
  readonly sender: CoalescingSender<VantageView>;
  /**
   * The latest view of each agent process of the peer region, by bootId: a region may run more
   * than one agent (e.g. two pods), each with its own seq. The merge counts the newest arrival.
   */
  readonly received: Map<string, ReceivedView>;
}

export type ReceiveOutcome = ViewVerdict | 'unknownPeer';

export class PeerExchange {
  private readonly slots = new Map<string, PeerSlot>();
  private current?: VantageView;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: PeerExchangeOptions) {
    for (const target of options.peers) this.slots.set(target.region, this.slotFor(target));
  }

  /** Sets our current view and pushes it to every peer now; then keeps pushing once per period. */
  publish(view: VantageView): void {
    this.current = view;
    for (const slot of this.slots.values()) this.push(slot);
    if (!this.timer && !this.closed) {
      this.timer = setInterval(() => this.slots.forEach((slot) => this.push(slot)), this.options.periodMs);
    }
  }

  /** A view a peer pushed to us. */
  receive(view: VantageView): ReceiveOutcome {
    const slot = this.slots.get(view.vantage);
    if (!slot) return 'unknownPeer';
    const verdict = orderView(slot.received.get(view.bootId)?.view, view);
    const now = this.options.now();
    // A duplicate still proves the peer is alive: refresh its arrival time.
    if (verdict !== 'olderSeq') slot.received.set(view.bootId, { view, receivedAtMs: now });
    forgetStale(slot.received, now, this.options.staleAfterMs);
    if (verdict === 'accepted') this.options.onView(view);
    return verdict;
  }

  /** The latest view of each peer agent process (fresh or not: the merge judges freshness and takes the newest per region). */
  receivedViews(): ReceivedView[] {
    return [...this.slots.values()].flatMap((s) => [...s.received.values()]);
  }

  status(): PeerStatus[] {
    const now = this.options.now();
    return [...this.slots.values()].map((s) => {
      const latest = newestArrival(s.received);
      return {
        region: s.target.region,
        viewUrl: s.target.viewUrl,
        reachability: s.reachability,
        ...(s.lastError ? { lastError: s.lastError } : {}),
        lastViewAgeMs: latest ? now - latest.receivedAtMs : null,
        fresh: latest ? isFresh(latest, now, this.options.staleAfterMs) : false,
        ...(latest ? { view: latest.view } : {}),
      };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([...this.slots.values()].map((s) => s.sender.close()));
  }

  private slotFor(target: PeerTarget): PeerSlot {
    const post = this.options.post ?? postJson;
    const send = (view: VantageView) =>
      post(target.viewUrl, view, { timeoutMs: this.options.timeoutMs, localAddress: this.options.localAddress, ...(target.tls ? { tls: target.tls() } : {}) });
    const slot: PeerSlot = { target, reachability: 'unknown', received: new Map(), sender: new CoalescingSender(send, (outcome) => this.record(slot, outcome)) };
    return slot;
  }

  private push(slot: PeerSlot): void {
    if (!this.closed && this.current) slot.sender.offer(this.current);
  }

  private record(slot: PeerSlot, outcome: PostOutcome): void {
    const next: PeerReachability = outcome.kind === 'delivered' ? 'reachable' : 'unreachable';
    const reason = outcome.kind === 'failed' ? outcome.reason : undefined;
    slot.lastError = reason;
    if (next === slot.reachability || this.closed) {
      slot.reachability = next;
      return;
    }
    const from = slot.reachability;
    slot.reachability = next;
    const event = { event: 'peer.reachability', self: this.options.self, peer: slot.target.region, from, to: next, reason };
    if (next === 'unreachable') this.options.logger.warn(event, `peer ${slot.target.region} unreachable: ${reason}`);
    else this.options.logger.info(event, `peer ${slot.target.region} reachable${from === 'unknown' ? '' : ' again'}`);
  }
}

function newestArrival(received: ReadonlyMap<string, ReceivedView>): ReceivedView | undefined {
  let newest: ReceivedView | undefined;
  for (const r of received.values()) if (!newest || r.receivedAtMs >= newest.receivedAtMs) newest = r;
  return newest;
}

/** Views of processes gone quiet (restarted, rescheduled) count no more: keep only the newest of those. */
function forgetStale(received: Map<string, ReceivedView>, nowMs: number, staleAfterMs: number): void {
  const newest = newestArrival(received);
  for (const [bootId, r] of received) if (r !== newest && !isFresh(r, nowMs, staleAfterMs)) received.delete(bootId);
}
