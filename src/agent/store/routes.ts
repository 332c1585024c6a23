/**
 * The store routes of the agent API:
 *   POST /v1/stores/<store>/switchover     {to, by?}                        operator: planned switchover (coordinator only)
 *   POST /v1/stores/<store>/rejoin         {region, method?, force?, by?}   operator: rejoin a member (coordinator only)
 *   POST /v1/stores/<store>/pause          {reason?, by}                    operator: maintenance mode, no automatic action
 *   POST /v1/stores/<store>/resume         {by}                             operator: end the pause
 *   POST /v1/stores/<store>/abort          {by}                             operator: close the open runbook (`aborted`)
 *   POST /v1/stores/<store>/approve        {id, reason?, by}                operator: let a pending failover run start (coordinator only)
 *   POST /v1/stores/<store>/reject         {id, reason?, by}                operator: close a pending failover run, nothing changes (coordinator only)
 *   GET  /v1/stores/<store>/runs                                           viewer: the current and past failover runs and runbooks (any agent)
 *   GET  /v1/stores/<store>/plan[?to=R]                                     operator: dry run, a failover (or switchover to R) planned from a fresh snapshot, nothing done (coordinator only)
 *   POST /v1/stores/<store>/local/demote   {token, to}             coordinator → the member's own agent
 *   POST /v1/stores/<store>/local/rejoin   {token, from, method}   coordinator → the member's own agent
 * Answers are JSON. 404 for an unknown store, 400 for a bad body, 409 when this agent is not the
 * coordinator (the answer names the one that is) or a token is not the coordinator's.
 * The operator routes need role operator (checked before the body is read, ../auth), a forced
 * rejoin role admin (checked here); `by` becomes the token's name, whatever the body said.
 * The local routes are the coordinator's (peer routes: no role; over mutual TLS only the coordinator's region, ../tls).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody } from '../../common/http-body.ts';
import { FORCED_ROLE, type RequestAuth } from '../auth/index.ts';

/** Who asked: replaced by the token's name (RequestAuth.principal) before a handler sees it. */
const by = z.string().min(1).max(200);

export const OperatorRequestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('switchover'), to: z.string().min(1), by: by.optional() }),
  z.strictObject({
    kind: z.literal('rejoin'), region: z.string().min(1), method: z.enum(['rewind', 'base-backup']).optional(),
    force: z.boolean().optional(), by: by.optional(),
  }),
  z.strictObject({ kind: z.literal('pause'), reason: z.string().max(500).optional(), by }),
  z.strictObject({ kind: z.literal('resume'), by }),
  z.strictObject({ kind: z.literal('abort'), by }),
  z.strictObject({ kind: z.literal('approve'), id: z.string().min(1).max(100), reason: z.string().max(500).optional(), by }),
  z.strictObject({ kind: z.literal('reject'), id: z.string().min(1).max(100), reason: z.string().max(500).optional(), by }),
]);
export type OperatorRequest = z.infer<typeof OperatorRequestSchema>;

export const LocalRequestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('demote'), token: z.string().regex(/^\d{1,19}$/), to: z.string().min(1) }),
  z.strictObject({ kind: z.literal('rejoin'), token: z.string().regex(/^\d{1,19}$/), from: z.string().min(1), method: z.enum(['rewind', 'base-backup']) }),
]);
export type LocalRequest = z.infer<typeof LocalRequestSchema>;

export interface RouteAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface StoreRouteHandlers {
  operator(store: string, request: OperatorRequest): Promise<RouteAnswer>;
  /** Read-only: what a failover (or a switchover to `to`) would do now. Absent: no such route. */
  plan?(store: string, to: string | undefined): Promise<RouteAnswer>;
  /** Read-only: the store's failover runs (approval) and past runbooks. Absent: no such route. */
  runs?(store: string): Promise<RouteAnswer>;
  local(store: string, request: LocalRequest): Promise<RouteAnswer>;
}

const ROUTE = /^\/v1\/stores\/([^/]+)\/(switchover|rejoin|pause|resume|abort|approve|reject|local\/demote|local\/rejoin)$/;
const RUNS_ROUTE = /^\/v1\/stores\/([^/]+)\/runs$/;
const PLAN_ROUTE = /^\/v1\/stores\/([^/]+)\/plan$/;
const MAX_BODY_BYTES = 64 * 1024;

/** Serves the route if it is one of ours; resolves false otherwise. */
export async function handleStoreRoute(req: IncomingMessage, res: ServerResponse, handlers: StoreRouteHandlers, auth: RequestAuth): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://agent');
  const plan = PLAN_ROUTE.exec(url.pathname);
  if (plan && handlers.plan) {
    if (req.method !== 'GET') send(res, { status: 405, body: { error: `${req.method ?? 'POST'} not allowed; GET` } });
    else send(res, await handlers.plan(decodeURIComponent(plan[1] ?? ''), url.searchParams.get('to') || undefined));
    return true;
  }
  const runs = RUNS_ROUTE.exec(url.pathname);
  if (runs && handlers.runs) {
    if (req.method !== 'GET') send(res, { status: 405, body: { error: `${req.method ?? 'POST'} not allowed; GET` } });
    else send(res, await handlers.runs(decodeURIComponent(runs[1] ?? '')));
    return true;
  }
  const match = ROUTE.exec(url.pathname);
  if (!match) return false;
  if (req.method !== 'POST') {
    send(res, { status: 405, body: { error: `${req.method ?? 'GET'} not allowed; POST` } });
    return true;
  }
  const store = decodeURIComponent(match[1] ?? '');
  const op = match[2] ?? '';
  let body: Record<string, unknown>;
  try {
    body = JSON.parse((await readBody(req, MAX_BODY_BYTES)) || '{}') as Record<string, unknown>;
  } catch (err) {
    send(res, { status: 400, body: { error: `unreadable body: ${(err as Error).message}` } });
    return true;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || 'kind' in body) {
    send(res, { status: 400, body: { error: 'the body must be a JSON object of the request\'s fields (the path names the operation; no "kind")' } });
    return true;
  }
  if (op.startsWith('local/')) {
    const parsed = LocalRequestSchema.safeParse({ ...body, kind: op.slice('local/'.length) });
    send(res, parsed.success ? await handlers.local(store, parsed.data) : badBody(parsed.error));
  } else {
    const parsed = OperatorRequestSchema.safeParse({ ...body, kind: op });
    if (!parsed.success) send(res, badBody(parsed.error));
    else send(res, forcedRefusal(parsed.data, auth) ?? await handlers.operator(store, { ...parsed.data, by: auth.principal(parsed.data.by) }));
  }
  return true;
}

/** A forced rejoin acts on a member whose database does not answer: an admin's call. */
function forcedRefusal(request: OperatorRequest, auth: RequestAuth): RouteAnswer | undefined {
  if (request.kind !== 'rejoin' || !request.force) return undefined;
  const denial = auth.need(FORCED_ROLE, 'a forced rejoin (--force)');
  return denial ? { status: denial.status, body: { error: denial.error } } : undefined;
}

function badBody(error: z.ZodError): RouteAnswer {
  return { status: 400, body: { error: z.prettifyError(error).replace(/\n/g, '; ') } };
}

function send(res: ServerResponse, answer: RouteAnswer): void {
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
}

