/**
 *   GET /v1/traffic/plan/drain?region=R[&service=S]   a drain as a dry run (any agent; nothing written)
 * Judged as POST /v1/traffic/drain would judge it on this agent: the controls read from etcd now,
 * this agent's health snapshot, the same rules (gslb/traffic-preview.ts). 200 with the preview,
 * 400 for names the topology does not have, 503 when etcd cannot be read (a drain would fail too).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CoordinationStore } from '../../coord/index.ts';
import { previewDrain } from '../../gslb/index.ts';
import { NO_LOADS, type LoadReadings } from '../../capacity/index.ts';
import type { HealthSnapshot } from '../../health/index.ts';
import type { Topology } from '../../spec/index.ts';
import { readControls } from './etcd-controls.ts';

const ROUTE = '/v1/traffic/plan/drain';

export interface DrainPlanContext {
  readonly topology: Topology;
  readonly region: string;
  readonly health: () => HealthSnapshot;
  /** The measured load: each service's capacity check. @default none */
  readonly loads?: () => LoadReadings;
  /** Undefined: no etcd; `noEtcd` says why. */
  readonly coord: CoordinationStore | undefined;
  readonly noEtcd: string;
}

/** Serves the route if it is ours; resolves false otherwise. */
export async function handleDrainPlanRoute(req: IncomingMessage, res: ServerResponse, ctx: DrainPlanContext): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://agent');
  if (url.pathname !== ROUTE) return false;
  if (req.method !== 'GET') return send(res, 405, { error: `${req.method ?? 'POST'} not allowed; GET` });
  const region = url.searchParams.get('region') ?? '';
  const service = url.searchParams.get('service') || undefined;
  if (!ctx.coord) return send(res, 503, { error: ctx.noEtcd });
  const read = await readControls(ctx.coord);
  if (read.kind === 'unavailable') return send(res, 503, { error: `${read.reason}: the traffic controls in force cannot be read (a drain would fail too)` });
  if (read.kind === 'unreadable') return send(res, 503, { error: `the stored traffic controls (revision ${read.revision}) do not parse (a drain would be blocked too)` });
  const preview = previewDrain(ctx.topology, ctx.health(), read.controls, region, service, ctx.loads?.() ?? NO_LOADS, Date.now());
  if (preview.kind === 'invalid') return send(res, 400, { error: preview.detail });
  return send(res, 200, { ...preview, region, ...(service ? { service } : {}), revision: read.revision.toString(), judgedBy: ctx.region });
}

function send(res: ServerResponse, status: number, body: unknown): true {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
  return true;
}
