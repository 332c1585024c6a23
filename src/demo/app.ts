/**
 * The demo web service the lab runs in every region: who answered (region, service, instance,
 * address) and a health URL. Routes are a table of small handler functions, so a new endpoint
 * (e.g. `POST /orders`) is one more entry, passed to `startDemoApp` or `createDemoHandler`.
 * It logs nothing per request: drills send thousands. It counts them (request-counter.ts): GET
 * /metrics serves the count for Prometheus, whatever routes were passed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { InfraError } from '../common/errors.ts';
import { formatListen, type ListenAddress } from './listen.ts';
import { RequestCounter } from './request-counter.ts';

export interface DemoIdentity {
  readonly region: string;
  readonly service: string;
  readonly instance: number;
}

export interface DemoContext {
  readonly identity: DemoIdentity;
  readonly now: () => Date;
}

/** Values of `:name` segments in the route's path. */
export type RouteParams = Readonly<Record<string, string>>;

export type DemoHandler = (req: IncomingMessage, res: ServerResponse, ctx: DemoContext, params: RouteParams) => void | Promise<void>;

/** Keyed by `METHOD /path`, e.g. `GET /healthz`; a segment `:name` matches any one segment (`GET /orders/:id`). */
export type DemoRoutes = Readonly<Record<string, DemoHandler>>;

export const whoAmI: DemoHandler = (req, res, ctx) => {
  const { region, service, instance } = ctx.identity;
  const address = formatListen({ host: req.socket.localAddress ?? '', port: req.socket.localPort ?? 0 });
  sendJson(res, 200, { region, service, instance, address, time: ctx.now().toISOString() });
};

export const healthz: DemoHandler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
};

export const DEFAULT_ROUTES: DemoRoutes = { 'GET /': whoAmI, 'GET /healthz': healthz };

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Pure: the handler for a request and its path parameters; exact routes win over parameterized ones. */
export function matchRoute(routes: DemoRoutes, method: string, path: string): { handler: DemoHandler; params: RouteParams } | undefined {
  const exact = routes[`${method} ${path}`];
  if (exact) return { handler: exact, params: {} };
  const segments = path.split('/');
  for (const [key, handler] of Object.entries(routes)) {
    const [m, pattern] = key.split(' ');
    const parts = pattern?.split('/') ?? [];
    if (m !== method || parts.length !== segments.length || !parts.some((p) => p.startsWith(':'))) continue;
    const params: Record<string, string> = {};
    const matches = parts.every((p, i) => {
      const segment = segments[i] ?? '';
      if (!p.startsWith(':')) return p === segment;
      if (segment === '') return false;
      try {
        params[p.slice(1)] = decodeURIComponent(segment);
        return true;
      } catch {
        return false; // A malformed %-escape matches nothing: 404.
      }
    });
    if (matches) return { handler, params };
  }
  return undefined;
}

export function createDemoHandler(ctx: DemoContext, routes: DemoRoutes = DEFAULT_ROUTES, counter = new RequestCounter()) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    counter.observe(path);
    if (req.method === 'GET' && path === '/metrics') {
      return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(counter.exposition(ctx.identity));
    }
    const route = matchRoute(routes, req.method ?? 'GET', path);
    if (!route) return void sendJson(res, 404, { error: 'not found' });
    Promise.resolve()
      .then(() => route.handler(req, res, ctx, route.params))
      .catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
        else res.destroy();
      });
  };
}

export interface DemoApp {
  /** The addresses actually bound (port resolved when 0 was asked). */
  readonly addresses: readonly ListenAddress[];
  close(): Promise<void>;
}

export interface DemoAppOptions {
  readonly identity: DemoIdentity;
  readonly listen: readonly ListenAddress[];
  readonly routes?: DemoRoutes;
  readonly now?: () => Date;
}

export async function startDemoApp(opts: DemoAppOptions): Promise<DemoApp> {
  const handler = createDemoHandler({ identity: opts.identity, now: opts.now ?? (() => new Date()) }, opts.routes);
  const servers: Server[] = [];
  const close = async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    })));
  };
  try {
    for (const address of opts.listen) servers.push(await listen(handler, address));
  } catch (err) {
    await close();
    throw err;
  }
  const addresses = servers.map((s) => {
    const a = s.address();
    if (!a || typeof a === 'string') throw new Error('a TCP server has an address');
    return { host: a.address, port: a.port };
  });
  return { addresses, close };
}

function listen(handler: ReturnType<typeof createDemoHandler>, address: ListenAddress): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    const onError = (err: Error) => reject(new InfraError(`cannot listen on ${formatListen(address)}`, { cause: err }));
    server.once('error', onError);
    // ipv6Only: an IPv6 address must not also claim the IPv4 wildcard.
    server.listen({ host: address.host, port: address.port, ipv6Only: address.host.includes(':') }, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}
