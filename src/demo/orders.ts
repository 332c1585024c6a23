/**
 * The demo app's write path over HTTP: `POST /orders` {id, payload?} → 201 {id, servedBy} only
 * after the database acknowledged the COMMIT, 409 for an id that exists, 503 with the reason when
 * no primary took the write in time; `GET /orders/:id` and `GET /orders?since=<ISO time>` read.
 * The handlers talk to an OrdersStore port (orders-pg.ts in the lab, a fake in unit tests).
 */
import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, readBody } from '../common/http-body.ts';
import { sendJson, type DemoRoutes } from './app.ts';

/** Which database server took the write: the drill's history checker groups acks by it. */
export interface ServedBy {
  /** The server's region (its cluster_name in the lab), or its address when it has none. */
  readonly region: string;
  readonly address: string | null;
  readonly timeline: number;
  /** pg_control_system().system_identifier, as text (it exceeds 2^53). */
  readonly systemId: string;
}

export interface Order {
  readonly id: string;
  readonly createdAt: string;
  /** Region of the app instance that wrote it. */
  readonly region: string;
  readonly payload: unknown;
}

export type InsertOutcome =
  | { readonly kind: 'created'; readonly createdAt: string; readonly servedBy: ServedBy }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type ReadOutcome<T> = { readonly kind: 'found'; readonly value: T } | { readonly kind: 'notFound' } | { readonly kind: 'unavailable'; readonly reason: string };

/** The port the routes use. Every call is bounded in time and never throws for an outage. */
export interface OrdersStore {
  insert(order: { readonly id: string; readonly payload: unknown; readonly region: string }): Promise<InsertOutcome>;
  get(id: string): Promise<ReadOutcome<Order>>;
  since(after: Date, limit: number): Promise<ReadOutcome<readonly Order[]>>;
  close(): Promise<void>;
}

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_ID_LENGTH = 200;
export const SINCE_LIMIT = 1000;

export type OrderRequest = { readonly id: string; readonly payload: unknown } | { readonly error: string };

/** Pure: a POST body → the order to insert, or why it is rejected (400). */
export function parseOrderRequest(body: string): OrderRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { error: 'the body must be JSON: {"id": "...", "payload": ...}' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { error: 'the body must be a JSON object with an "id"' };
  const { id, payload } = parsed as { id?: unknown; payload?: unknown };
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    return { error: `"id" must be a non-empty string of at most ${MAX_ID_LENGTH} characters` };
  }
  return { id, payload: payload ?? null };
}

/** Pure: `since` query parameter → a time, or undefined when it is not an ISO-8601 time. */
export function parseSince(text: string | null): Date | undefined {
  if (!text || !/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export function orderRoutes(store: OrdersStore): DemoRoutes {
  return {
    'POST /orders': async (req, res, ctx) => {
      const body = await orderBody(req);
      if (body === undefined) return sendJson(res, 413, { error: `the body exceeds ${MAX_BODY_BYTES} bytes` });
      const request = parseOrderRequest(body);
      if ('error' in request) return sendJson(res, 400, { error: request.error });
      const outcome = await store.insert({ id: request.id, payload: request.payload, region: ctx.identity.region });
      if (outcome.kind === 'created') return sendJson(res, 201, { id: request.id, createdAt: outcome.createdAt, servedBy: outcome.servedBy });
      if (outcome.kind === 'duplicate') return sendJson(res, 409, { error: `order ${request.id} already exists` });
      sendJson(res, 503, { error: outcome.reason });
    },
    'GET /orders/:id': async (_req, res, _ctx, params) => {
      const outcome = await store.get(params.id ?? '');
      if (outcome.kind === 'found') return sendJson(res, 200, outcome.value);
      if (outcome.kind === 'notFound') return sendJson(res, 404, { error: `no order ${params.id}` });
      sendJson(res, 503, { error: outcome.reason });
    },
    'GET /orders': async (req, res) => {
      const since = parseSince(new URL(req.url ?? '/', 'http://x').searchParams.get('since'));
      if (!since) return sendJson(res, 400, { error: 'give ?since=<ISO-8601 time>, e.g. ?since=2026-01-01T00:00:00Z' });
      const outcome = await store.since(since, SINCE_LIMIT);
      if (outcome.kind === 'unavailable') return sendJson(res, 503, { error: outcome.reason });
      sendJson(res, 200, { orders: outcome.kind === 'found' ? outcome.value : [] });
    },
  };
}

/** The body as text, or undefined when it is larger than MAX_BODY_BYTES. */
async function orderBody(req: IncomingMessage): Promise<string | undefined> {
  try {
    return await readBody(req, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return undefined;
    throw err;
  }
}
