/**
 * agent/traffic: the operators' traffic controls on one agent. It reads the controls in force from
 * etcd (reader.ts) for the answer table, and serves the operators' requests (routes.ts →
 * requests.ts), whichever agent they reach.
 *
 * A caller must: pass the agent's CoordinationStore when the topology has etcd members (without
 * one, /status says so and every request is refused with that line), rebuild its answer table on
 * `onChange`, `start()` before serving and `close()` on shutdown (it does not close the store).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../common/log.ts';
import type { CoordinationStore } from '../../coord/index.ts';
import type { LoadReadings } from '../../capacity/index.ts';
import { NO_CONTROLS, type TrafficControls, type TrafficRequest } from '../../gslb/index.ts';
import type { HealthSnapshot } from '../../health/index.ts';
import type { NewEvent } from '../../observe/index.ts';
import type { Topology } from '../../spec/index.ts';
import { TrafficReader } from './reader.ts';
import { serveTrafficRequest, type TrafficAnswer } from './requests.ts';
import type { RequestAuth } from '../auth/index.ts';
import { handleDrainPlanRoute } from './plan-route.ts';
import { handleTrafficRoute } from './routes.ts';
import type { TrafficStatus } from './status.ts';

export type { TrafficStatus } from './status.ts';
export type { TrafficOutcome } from './requests.ts';

export interface TrafficControlsInput {
  readonly topology: Topology;
  readonly region: string;
  /** Undefined: the topology has no etcd members (or `noEtcdReason` says why there is no client). */
  readonly coord: CoordinationStore | undefined;
  readonly noEtcdReason?: string | undefined;
  /** This region's own etcd member, to watch through. */
  readonly watchVia?: string;
  readonly periodMs: number;
  readonly health: () => HealthSnapshot;
  /** The measured load, for the capacity rule of drains and their plans (src/capacity). @default none */
  readonly loads?: () => LoadReadings;
  readonly onChange: (controls: TrafficControls) => void;
  /** The agent's timeline: every request judged here is an operator action. */
  readonly record: (event: NewEvent) => void;
  readonly logger: Logger;
}

export interface TrafficControlsHandle {
  controls(): TrafficControls;
  status(): TrafficStatus;
  handle(req: IncomingMessage, res: ServerResponse, auth: RequestAuth): Promise<boolean>;
  start(): Promise<void>;
  close(): void;
}

export const NO_ETCD = 'traffic controls need etcd: the topology has no etcd members (regions[].etcd.client)';

export function createTrafficControls(input: TrafficControlsInput): TrafficControlsHandle {
  const { coord } = input;
  if (!coord) {
    const reason = input.noEtcdReason ?? NO_ETCD;
    const refuse = async () => ({ status: 409, body: { outcome: 'blocked', detail: reason, handledBy: input.region } });
    return {
      controls: () => NO_CONTROLS,
      status: () => ({ source: 'none', ok: false, reason, controls: NO_CONTROLS, revision: null, readAt: null }),
      handle: async (req, res, auth) => (await handleDrainPlanRoute(req, res, { ...input, coord: undefined, noEtcd: reason })) || handleTrafficRoute(req, res, refuse, auth),
      start: async () => {},
      close: () => {},
    };
  }
  const log = input.logger.child({ component: 'traffic' });
  const reader = new TrafficReader({ coord, periodMs: input.periodMs, log, onChange: input.onChange, ...(input.watchVia ? { via: input.watchVia } : {}) });
  const serve = async (request: TrafficRequest): Promise<TrafficAnswer> => {
    const answer = await serveTrafficRequest({ coord, topology: input.topology, region: input.region, health: input.health, ...(input.loads ? { loads: input.loads } : {}) }, request);
    log.info({ event: 'traffic.request', request, outcome: answer.body.outcome, detail: answer.body.detail }, `traffic ${request.kind} by ${request.by}: ${answer.body.outcome}`);
    if (answer.body.outcome !== 'invalid') input.record(operatorEvent(input.region, request, answer));
    // Apply it here at once; the other agents follow through their watch (or within a period).
    if (answer.body.outcome === 'applied') await reader.refresh();
    return answer;
  };
  return {
    controls: () => reader.current(),
    status: () => reader.status(),
    handle: async (req, res, auth) => (await handleDrainPlanRoute(req, res, { ...input, coord, noEtcd: NO_ETCD })) || handleTrafficRoute(req, res, serve, auth),
    start: () => reader.start(),
    close: () => reader.close(),
  };
}

function operatorEvent(region: string, request: TrafficRequest, answer: TrafficAnswer): NewEvent {
  const target = request.kind === 'weight'
    ? `${request.service}/${request.region} weight ${request.weight ?? 'reset'}`
    : `${request.region}${request.service ? ` for ${request.service}` : ''}`;
  return {
    kind: 'operator.action',
    summary: `traffic ${request.kind} ${target} by ${request.by}: ${answer.body.outcome} - ${answer.body.detail}`,
    details: { action: `traffic.${request.kind}`, request, outcome: answer.body.outcome, detail: answer.body.detail, handledBy: region },
  };
}
