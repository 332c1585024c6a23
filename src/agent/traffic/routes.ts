/**
 * The traffic routes of the agent API (any agent serves them; see requests.ts):
 *   POST /v1/traffic/drain     {region, service?, reason?, by, force?}
 *   POST /v1/traffic/undrain   {region, service?, by}
 *   POST /v1/traffic/weight    {service, region, weight (0-1000, or null: back to the topology's), reason?, by, force?}
 * The request guard (request-guard.ts) has already checked Host, content type and size, and the
 * access control role operator (../auth); a forced drain or weight needs role admin (checked
 * here), and `by` becomes the token's name, whatever the body said. Answers
 * are JSON with an `outcome`: 200 applied/unchanged, 400 invalid, 409 refused (a safety rule,
 * named), blocked or conflict, 503 etcd unavailable.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BodyTooLargeError, readBody } from '../../common/http-body.ts';
import type { TrafficRequest } from '../../gslb/index.ts';
import { FORCED_ROLE, type RequestAuth } from '../auth/index.ts';
import { MAX_POST_BYTES } from '../request-guard.ts';

const by = z.string().trim().min(1).max(200);
const name = z.string().min(1).max(64);
const reason = z.string().max(500);

const SCHEMAS = {
  drain: z.strictObject({ region: name, service: name.optional(), reason: reason.optional(), by, force: z.boolean().optional() }),
  undrain: z.strictObject({ region: name, service: name.optional(), by }),
  weight: z.strictObject({ service: name, region: name, weight: z.number().int().min(0).max(1000).nullable(), reason: reason.optional(), by, force: z.boolean().optional() }),
} as const;

const ROUTE = /^\/v1\/traffic\/(drain|undrain|weight)$/;

export interface TrafficRouteAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Serves the route if it is one of ours; resolves false otherwise. */
export async function handleTrafficRoute(
  req: IncomingMessage,
  res: ServerResponse,
  serve: (request: TrafficRequest) => Promise<TrafficRouteAnswer>,
  auth: RequestAuth,
): Promise<boolean> {
  const match = ROUTE.exec(new URL(req.url ?? '/', 'http://agent').pathname);
  if (!match) return false;
  if (req.method !== 'POST') {
    send(res, { status: 405, body: { error: `${req.method ?? 'GET'} not allowed; POST` } });
    return true;
  }
  const kind = match[1] as keyof typeof SCHEMAS;
  const parsed = await parseBody(req, kind);
  if ('error' in parsed) send(res, parsed.error);
  else send(res, forcedRefusal(parsed.request, auth) ?? await serve({ ...parsed.request, by: auth.principal(parsed.request.by) }));
  return true;
}

/** Overriding the safety rules (`force`) is an admin's call. */
function forcedRefusal(request: TrafficRequest, auth: RequestAuth): TrafficRouteAnswer | undefined {
  if (request.kind === 'undrain' || !request.force) return undefined;
  const denial = auth.need(FORCED_ROLE, `a forced ${request.kind} (--force)`);
  return denial ? { status: denial.status, body: { outcome: 'refused', detail: denial.error, error: denial.error } } : undefined;
}

async function parseBody(req: IncomingMessage, kind: keyof typeof SCHEMAS): Promise<{ request: TrafficRequest } | { error: TrafficRouteAnswer }> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req, MAX_POST_BYTES));
  } catch (err) {
    if (err instanceof BodyTooLargeError) return { error: { status: 413, body: { error: `body over ${MAX_POST_BYTES} bytes` } } };
    return { error: { status: 400, body: { error: `body is not JSON: ${(err as Error).message}` } } };
  }
  const checked = SCHEMAS[kind].safeParse(body);
  if (!checked.success) return { error: { status: 400, body: { error: z.prettifyError(checked.error).replace(/\n/g, '; ') } } };
  return { request: { kind, ...checked.data } as TrafficRequest };
}

function send(res: ServerResponse, answer: TrafficRouteAnswer): void {
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
}
