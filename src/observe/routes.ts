/**
 * The observability routes the agent mounts on its API:
 *   GET /            the live dashboard (one self-contained HTML page)
 *   GET /metrics     Prometheus text exposition
 *   GET /v1/events   ?since=SEQ: this agent's timeline after SEQ
 *   GET /v1/stream   server-sent events: status and timeline, live
 *   GET /v1/regions  ?since=REGION:BOOT:SEQ (repeated): the other agents' status and new events,
 *                    read by this agent (./peer-readings.ts)
 * No CORS grant: the dashboard reads only the agent that served it, which reads the others.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dashboardHtml } from './dashboard/page.ts';
import type { AgentObserver } from './observer.ts';
import { parseCursors, PeerReadings, type PeerAgent } from './peer-readings.ts';
import { StreamHub } from './stream.ts';
import { parseSince } from './timeline.ts';

export interface ObserveRoutesOptions {
  readonly observer: AgentObserver;
  /** The agent's /status document, sent on the stream. */
  readonly status: () => unknown;
  /** How often the stream repeats the status; the agent's probe period is a good value. */
  readonly streamIntervalMs: number;
  readonly maxStreams?: number;
  /** The other agents, for GET /v1/regions. */
  readonly peers?: readonly PeerAgent[];
  /** Source address of this agent's reads of the others. */
  readonly localAddress?: string;
}

export interface ObserveRoutes {
  /** Handles the request and returns true, or returns false for a path it does not serve. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): void;
}

const PATHS = new Set(['/', '/metrics', '/v1/events', '/v1/stream', '/v1/regions']);

export function observeRoutes(options: ObserveRoutesOptions): ObserveRoutes {
  const { observer } = options;
  const hub = new StreamHub({
    timeline: observer.timeline,
    status: options.status,
    intervalMs: options.streamIntervalMs,
    ...(options.maxStreams !== undefined ? { maxClients: options.maxStreams } : {}),
  });
  const html = dashboardHtml();
  const others = new PeerReadings({ peers: options.peers ?? [], ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
  return {
    close: () => hub.close(),
    handle: async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://agent');
      if (!PATHS.has(url.pathname)) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'application/json', JSON.stringify({ error: `${req.method} not allowed on ${url.pathname}` }));
        return true;
      }
      switch (url.pathname) {
        case '/':
          send(res, 200, 'text/html; charset=utf-8', html);
          return true;
        case '/metrics':
          send(res, 200, observer.metrics.contentType, await observer.metrics.exposition());
          return true;
        case '/v1/events': {
          const since = parseSince(url.searchParams.get('since'));
          if (typeof since !== 'number') send(res, 400, 'application/json', JSON.stringify(since));
          else send(res, 200, 'application/json', JSON.stringify(observer.timeline.page(since)));
          return true;
        }
        case '/v1/regions': {
          // The page's credential reads the others too (peer-readings.ts).
          const agents = await others.read(parseCursors(url.searchParams.getAll('since')), req.headers.authorization);
          send(res, 200, 'application/json', JSON.stringify({ agents }));
          return true;
        }
        default: {
          const since = parseSince(url.searchParams.get('since'));
          hub.open(req, res, typeof since === 'number' ? since : 0);
          return true;
        }
      }
    },
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res
    .writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    })
    .end(body);
}
