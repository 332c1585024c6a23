/**
 * The agent's HTTP API on node:http (four routes do not need a framework):
 *   GET  /healthz   200 once the agent serves DNS (the lab and load balancers wait on it)
 *   GET  /status    the AgentStatus document
 *   GET  /v1/view   this agent's current VantageView
 *   POST /v1/view   a peer pushes its VantageView (or a sibling agent of this region relays one)
 * plus the observability routes (GET /, /metrics, /v1/events, /v1/stream) through `extra`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { parseView, RELAYED_HEADER, type ReceiveOutcome, type VantageView } from '../health/index.ts';
import type { AgentStatus } from './status.ts';
import { listenOrExplain } from './bind.ts';
import type { ListenAddress } from './plan.ts';
import { readBody } from '../common/http-body.ts';

export interface ApiHandlers {
  readonly status: () => AgentStatus;
  readonly view: () => VantageView;
  /** `relayed`: a sibling agent of this region forwarded it (header RELAYED_HEADER); not to be forwarded again. */
  readonly receiveView: (view: VantageView, relayed: boolean) => ReceiveOutcome;
  /** Further routes (src/observe); resolves false for a path it does not serve. */
  readonly extra?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export interface ApiServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

export async function startApiServer(listen: ListenAddress, handlers: ApiHandlers, logger: Logger): Promise<ApiServer> {
  const server = createServer((req, res) => {
    route(req, res, handlers).catch((err: unknown) => {
      logger.error({ err, url: req.url }, 'api handler failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  });
  // Peers push every period; an idle connection must not outlive a peer that went away.
  server.keepAliveTimeout = 2_000;
  server.requestTimeout = 5_000;
  const bound = await listenOrExplain('the agent API', listen, (host, port, cb) => server.listen(port, host, cb), server);
  return {
    ...bound,
    close: () => closeServer(server),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, handlers: ApiHandlers): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://agent').pathname;
  const method = req.method ?? 'GET';
  // Read-only documents: a dashboard served by one agent reads the others (see src/observe).
  if (method === 'GET') res.setHeader('access-control-allow-origin', '*');
  if (path === '/healthz' && method === 'GET') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  if (path === '/status' && method === 'GET') return send(res, 200, handlers.status());
  if (path === '/v1/view' && method === 'GET') return send(res, 200, handlers.view());
  if (path === '/v1/view' && method === 'POST') return receive(req, res, handlers);
  if (handlers.extra && (await handlers.extra(req, res))) return;
  if (['/healthz', '/status', '/v1/view'].includes(path)) return send(res, 405, { error: `${method} not allowed on ${path}` });
  send(res, 404, { error: `no route ${path}` });
}

async function receive(req: IncomingMessage, res: ServerResponse, handlers: ApiHandlers): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req, MAX_BODY_BYTES));
  } catch (err) {
    return send(res, 400, { error: err instanceof Error ? err.message : 'unreadable body' });
  }
  const parsed = parseView(body);
  if ('error' in parsed) return send(res, 400, { error: parsed.error });
  const outcome = handlers.receiveView(parsed.view, req.headers[RELAYED_HEADER] !== undefined);
  if (outcome === 'unknownPeer') return send(res, 403, { error: `'${parsed.view.vantage}' is not a peer of this agent` });
  // An older view is not an error of the sender's transport: it was simply overtaken.
  send(res, 200, { outcome });
}


function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
