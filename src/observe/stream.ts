/**
 * GET /v1/stream: server-sent events for the dashboard. Each client gets the current status at
 * once and then every `intervalMs` (one serialization shared by all clients), and every timeline
 * event as it is recorded (`id:` is `boot:seq`, so a reconnecting EventSource resumes with
 * Last-Event-ID, and starts over when the agent restarted). The number of clients is bounded, in
 * all and per source address (docs/security.md "Limits"): dashboards left open must not pile up,
 * and one host must not take every slot from the operators.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConnectionLedger, sourceKey } from '../common/connection-ledger.ts';
import type { EventRing, TimelineEvent } from './timeline.ts';

export interface StreamHubOptions {
  readonly timeline: EventRing;
  readonly status: () => unknown;
  readonly intervalMs: number;
  readonly maxClients?: number;
  readonly maxClientsPerSource?: number;
}

const DEFAULT_MAX_CLIENTS = 32;
/** A browser holds at most 6 connections to one host, so one browser never reaches this; a NAT of a few operators does not either. */
const DEFAULT_MAX_CLIENTS_PER_SOURCE = 8;

export class StreamHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly ledger: ConnectionLedger;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(private readonly options: StreamHubOptions) {
    this.ledger = new ConnectionLedger({
      total: options.maxClients ?? DEFAULT_MAX_CLIENTS,
      perSource: options.maxClientsPerSource ?? DEFAULT_MAX_CLIENTS_PER_SOURCE,
    });
  }

  /** Serves one SSE client; returns when the response is set up (it stays open). */
  open(req: IncomingMessage, res: ServerResponse, since: number): void {
    const source = sourceKey(req.socket.remoteAddress);
    const admission = this.ledger.admit(source);
    if (admission !== 'admitted') {
      const { status, error } = admission === 'sourceFull'
        ? { status: 429, error: `too many dashboard streams from ${source} (at most ${this.ledger.caps.perSource} per address): close a dashboard tab` }
        : { status: 503, error: `too many dashboard streams (at most ${this.ledger.caps.total}): retry shortly` };
      const body = `${JSON.stringify({ error })}\n`;
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'retry-after': '5' }).end(body);
      return;
    }
    res.on('close', () => this.ledger.release(source));
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    // The client reconnects after 1 s when the agent restarts or the connection drops.
    res.write('retry: 1000\n\n');
    const page = this.options.timeline.page(Math.max(since, resumeSeq(req.headers['last-event-id'], this.options.timeline.boot)));
    res.write(frame('hello', JSON.stringify({ region: page.region, boot: page.boot, truncated: page.truncated })));
    res.write(frame('status', JSON.stringify(this.options.status())));
    for (const e of page.events) res.write(eventFrame(e));
    this.clients.add(res);
    req.socket.setNoDelay(true);
    res.on('close', () => this.drop(res));
    this.start();
  }

  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stop();
  }

  get size(): number {
    return this.clients.size;
  }

  private start(): void {
    if (this.timer) return;
    this.unsubscribe = this.options.timeline.subscribe((e) => this.broadcast(eventFrame(e)));
    this.timer = setInterval(() => this.broadcast(frame('status', JSON.stringify(this.options.status()))), this.options.intervalMs);
    this.timer.unref();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private drop(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }

  private broadcast(text: string): void {
    for (const res of this.clients) {
      // A client that stopped reading is dropped rather than buffered without bound.
      if (res.writableLength > 1 << 20) res.destroy();
      else res.write(text);
    }
  }
}

/** The seq to resume after, from a Last-Event-ID of this agent process; 0 for another boot. */
export function resumeSeq(lastEventId: string | string[] | undefined, boot: string): number {
  const match = typeof lastEventId === 'string' ? /^(.+):(\d{1,15})$/.exec(lastEventId) : null;
  return match && match[1] === boot ? Number(match[2]) : 0;
}

function frame(event: string, data: string, id?: string): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`;
}

function eventFrame(e: TimelineEvent): string {
  return frame('timeline', JSON.stringify(e), `${e.boot}:${e.seq}`);
}
