/**
 * The agent's HTTP API on node:http (four routes do not need a framework):
 *   GET  /healthz   200 once the agent serves DNS (the lab and load balancers wait on it)
 *   GET  /status    the AgentStatus document
 *   GET  /v1/view   this agent's current VantageView
 *   POST /v1/view   a peer pushes its VantageView (or a sibling agent of this region relays one)
 * plus the observability routes (GET /, /metrics, /v1/events, /v1/stream, /v1/regions) and the store
 * routes through `extra`. No route grants CORS: a page served by an agent reads only that agent.
 * Every request that may change state passes ./request-guard.ts first (Host, content type, size),
 * whichever route serves it, so the store routes are covered too. Then every request passes the
 * access control (./auth: the role its route needs, from its bearer token), again before any route.
 *
 * With a peer listener (./tls: https, mutual TLS) the peer routes (POST /v1/view, POST
 * /v1/stores/<s>/local/*) are served there only, each caller known by the region its certificate
 * names, and the API answers them with 403. Both listeners run this one handler (guard, limits,
 * routes); only which routes they serve differs. With `tls` (--api-tls) the API itself is https
 * only (./tls/api-server.ts): operators' bearer tokens do not cross the network in clear.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { parseView, RELAYED_HEADER, type ReceiveOutcome, type VantageView } from '../health/index.ts';
import type { AgentStatus } from './status.ts';
import { listenOrExplain } from './bind.ts';
import type { ListenAddress } from './plan.ts';
import { BodyTooLargeError, readBody } from '../common/http-body.ts';
import { hostNames, MAX_POST_BYTES, refuseUnsafe } from './request-guard.ts';
import { AccessControl, denialHeaders, type RequestAuth } from './auth/index.ts';
import { API_LIMITS, apiServerOptions, limitApiConnections, type ApiLimits } from './api-limits.ts';
import type { Server as HttpsServer } from 'node:https';
import { routeAccess } from './auth/index.ts';
import { authorizeView, callerRegion, createApiTlsServer, createPeerServer, type ApiTlsFiles, type PeerCaller, type PeerTlsFiles } from './tls/index.ts';

export interface ApiHandlers {
  readonly status: () => AgentStatus;
  readonly view: () => VantageView;
  /** `relayed`: a sibling agent of this region forwarded it (header RELAYED_HEADER); not to be forwarded again. */
  readonly receiveView: (view: VantageView, relayed: boolean) => ReceiveOutcome;
  /**
   * Further routes (src/observe, the stores); resolves false for a path it does not serve. `auth`: who asks, for the audit and
   * forced actions; `peer`: how a peer route's caller came in (the region its certificate names on the peer listener).
   */
  readonly extra?: (req: IncomingMessage, res: ServerResponse, auth: RequestAuth, peer: PeerCaller) => Promise<boolean>;
}

export interface ApiServerOptions {
  /** Host names and addresses the agent answers to for requests that change state (request-guard.ts `apiHostNames`); default: the listen address and localhost. */
  readonly hostNames?: readonly string[];
  /** Roles and tokens (./auth); default: as an agent without a tokens file (loopback reads only, no action). */
  readonly access?: AccessControl;
  /** Connection caps and deadlines (./api-limits.ts); default API_LIMITS. */
  readonly limits?: Partial<ApiLimits>;
  /** Serve the peer routes on their own mutual-TLS listener, and only there. */
  readonly peer?: PeerListenerOptions;
  /** Serve the API over https with this certificate (`--api-tls`), swapped when its files change; else plain http. */
  readonly tls?: ApiTlsFiles;
}

export interface PeerListenerOptions {
  readonly listen: ListenAddress;
  readonly files: PeerTlsFiles;
  /** This agent's region: relayed views are taken from its own region's certificates only. */
  readonly region: string;
}

/** Which listener a request came in on. */
type Listener = { readonly kind: 'api'; readonly peerAt?: string } | { readonly kind: 'peer'; readonly region: string };

export interface ApiServer {
  readonly host: string;
  readonly port: number;
  /** Where the peer listener is bound, when there is one. */
  readonly peer?: ListenAddress;
  close(): Promise<void>;
}

export async function startApiServer(listen: ListenAddress, handlers: ApiHandlers, logger: Logger, options: ApiServerOptions = {}): Promise<ApiServer> {
  const allowed = new Set(options.hostNames ?? hostNames([listen.host]));
  const access = options.access ?? new AccessControl(undefined, logger);
  const limits = { ...API_LIMITS, ...options.limits };
  const serve = (listener: Listener) => (req: IncomingMessage, res: ServerResponse) => {
    route(req, res, handlers, allowed, access, listener).catch((err: unknown) => {
      logger.error({ err, url: req.url }, 'api handler failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  };
  // The peer listener first: the API's refusals name where it is bound.
  let peer: { server: Server | HttpsServer; bound: ListenAddress } | undefined;
  if (options.peer) {
    const server = createPeerServer(options.peer.files, limits, logger, serve({ kind: 'peer', region: options.peer.region }));
    const bound = await listenOrExplain('the agent peer listener', options.peer.listen, (host, port, cb) => server.listen(port, host, cb), server);
    peer = { server, bound };
  }
  const handler = serve({ kind: 'api', ...(peer ? { peerAt: hostPort(peer.bound) } : {}) });
  const server = options.tls ? createApiTlsServer(options.tls, limits, logger, handler) : createServer(apiServerOptions(limits), handler);
  limitApiConnections(server, limits, logger);
  let bound: ListenAddress;
  try {
    bound = await listenOrExplain('the agent API', listen, (host, port, cb) => server.listen(port, host, cb), server);
  } catch (err) {
    if (peer) await closeServer(peer.server);
    throw err;
  }
  return {
    ...bound,
    ...(peer ? { peer: peer.bound } : {}),
    close: async () => {
      await Promise.all([closeServer(server), peer ? closeServer(peer.server) : undefined]);
    },
  };
}

async function route(
  req: IncomingMessage, res: ServerResponse, handlers: ApiHandlers, allowed: ReadonlySet<string>, access: AccessControl, listener: Listener,
): Promise<void> {
  const method = req.method ?? 'GET';
  const refusal = refuseUnsafe({
    method,
    host: req.headers.host,
    contentType: req.headers['content-type'],
    contentLength: req.headers['content-length'],
    transferEncoding: req.headers['transfer-encoding'],
    localAddress: req.socket.localAddress,
  }, allowed);
  // Closed after the answer: the body of a refused request is not read.
  if (refusal) return send(res, refusal.status, { error: refusal.error }, { connection: 'close' });
  const path = requestPath(req.url);
  if (path === undefined) return send(res, 400, { error: 'the request path is not a valid URL path (percent-encoding included)' });
  const peerRoute = routeAccess(method, path).kind === 'peer';
  let peer: PeerCaller = { kind: 'plain' };
  if (listener.kind === 'peer') {
    if (!peerRoute) return send(res, 404, { error: `the peer listener serves the peer routes only (POST /v1/view, POST /v1/stores/<store>/local/*), not ${method} ${path}: use the API` }, { connection: 'close' });
    const named = callerRegion(req);
    if (named.kind === 'none') return send(res, 403, { error: named.reason }, { connection: 'close' });
    peer = { kind: 'mtls', region: named.region };
  } else if (peerRoute && listener.peerAt !== undefined) {
    return send(res, 403, { error: `${method} ${path} is served on the peer listener only (mutual TLS, ${listener.peerAt}; regions[].agent.peer)` }, { connection: 'close' });
  }
  const checked = access.check(req, res, path);
  // Closed after a refusal too: its body is not read.
  if (checked.kind === 'denied') return send(res, checked.denial.status, { error: checked.denial.error }, { ...denialHeaders(checked.denial), connection: 'close' });
  if (path === '/healthz' && method === 'GET') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  if (path === '/status' && method === 'GET') return send(res, 200, handlers.status());
  if (path === '/v1/view' && method === 'GET') return send(res, 200, handlers.view());
  if (path === '/v1/view' && method === 'POST') return receive(req, res, handlers, listener, peer);
  if (handlers.extra && (await handlers.extra(req, res, checked.auth, peer))) return;
  if (['/healthz', '/status', '/v1/view'].includes(path)) return send(res, 405, { error: `${method} not allowed on ${path}` });
  send(res, 404, { error: `no route ${path}` });
}

function hostPort(at: ListenAddress): string {
  return at.host.includes(':') ? `[${at.host}]:${at.port}` : `${at.host}:${at.port}`;
}

/** The decoded-checked path, or undefined for a target no route can read (routes decode their parts). */
function requestPath(url: string | undefined): string | undefined {
  try {
    const path = new URL(url ?? '/', 'http://agent').pathname;
    decodeURIComponent(path);
    return path;
  } catch {
    return undefined;
  }
}

async function receive(req: IncomingMessage, res: ServerResponse, handlers: ApiHandlers, listener: Listener, peer: PeerCaller): Promise<void> {
  let text: string;
  try {
    // The guard checked the declared length; the reader enforces it again while reading.
    text = await readBody(req, MAX_POST_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return send(res, 413, { error: `body over ${MAX_POST_BYTES} bytes` }, { connection: 'close' });
    throw err;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return send(res, 400, { error: `body is not JSON: ${err instanceof Error ? err.message : String(err)}` });
  }
  const parsed = parseView(body);
  if ('error' in parsed) return send(res, 400, { error: parsed.error });
  const relayed = req.headers[RELAYED_HEADER] !== undefined;
  if (listener.kind === 'peer') {
    // Closed by default: on the peer listener a view needs the region of a verified certificate.
    const verdict = peer.kind === 'mtls'
      ? authorizeView({ certRegion: peer.region, vantage: parsed.view.vantage, relayed, self: listener.region })
      : { kind: 'refused' as const, reason: 'no verified client certificate' };
    if (verdict.kind === 'refused') return send(res, 403, { error: verdict.reason });
  }
  const outcome = handlers.receiveView(parsed.view, relayed);
  if (outcome === 'unknownPeer') return send(res, 403, { error: `'${parsed.view.vantage}' is not a peer of this agent` });
  // An older view is not an error of the sender's transport: it was simply overtaken.
  send(res, 200, { outcome });
}


function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
}

function closeServer(server: Server | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
