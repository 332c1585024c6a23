/**
 * Hand-made drill histories for the report's table tests: three regions, a cut at +3 s and a
 * heal at +10 s. Each scenario says, as functions of time, what every nameserver answered and
 * what each client request met; the builder turns that into the records a real run produces.
 */
import type { FaultTimeline, LoadOp, Nameserver, OutageHistory, RegionEndpoints, ResolverExchange, WatcherSample } from '../../../src/drill/index.ts';

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
export const CUT = T0 + 3000;
export const HEAL = T0 + 10_000;
export const END = T0 + 14_000;

export const EU = ['10.0.1.11', '10.0.1.12'];
export const US = ['10.0.2.11'];
export const AP = ['10.0.3.11'];
export const ENDPOINTS: RegionEndpoints[] = [
  { region: 'eu-west', addresses: EU },
  { region: 'us-east', addresses: US },
  { region: 'ap-south', addresses: AP },
];
export const NAMESERVERS: Nameserver[] = [
  { region: 'eu-west', address: '10.0.1.1', port: 53 },
  { region: 'us-east', address: '10.0.2.1', port: 53 },
  { region: 'ap-south', address: '10.0.3.1', port: 53 },
];

/** What a nameserver answered to a query sent at t: addresses, or an error such as 'timeout'. */
export type Answerer = (server: Nameserver, t: number) => readonly string[] | 'timeout';
/** What a request started at t met: the address it went to and whether that region served it. */
export type Requester = (t: number) => { address?: string; ok: boolean; region?: string; error?: string };

/** eu-west first (failover policy): the survivors drop it `shiftMs` after the cut and take it back `returnMs` after the heal. */
export function failoverAnswers(shiftMs: number, returnMs: number): Answerer {
  return (server, t) => {
    const cutOff = t >= CUT && t < HEAL;
    if (server.region === 'eu-west' && cutOff) return 'timeout';
    if (t >= CUT + shiftMs && t < HEAL + returnMs) return US;
    return EU;
  };
}

/** The client follows DNS with a TTL lag: to eu-west (failing while cut) until `clientShiftMs`, then us-east, back to eu-west `clientReturnMs` after the heal. */
export function failoverRequests(clientShiftMs: number, clientReturnMs: number): Requester {
  return (t) => {
    if (t >= CUT + clientShiftMs && t < HEAL + clientReturnMs) return { address: US[0], ok: true, region: 'us-east' };
    if (t >= CUT && t < HEAL) return { address: EU[0], ok: false, error: 'timeout after 1000 ms' };
    return { address: EU[0], ok: true, region: 'eu-west' };
  };
}

export interface ScenarioSpec {
  readonly answers: Answerer;
  readonly requests: Requester;
  /** Client resolver answers: times (relative to T0) and what they said, TTL 2 s. */
  readonly resolver?: readonly { at: number; addresses: readonly string[] }[];
  readonly timeline?: Partial<FaultTimeline>;
  readonly waits?: OutageHistory['waits'];
  readonly extraOps?: readonly LoadOp[];
}

export function buildHistory(spec: ScenarioSpec): OutageHistory {
  const timeline: FaultTimeline = { startMs: T0, cutAtMs: CUT, healAtMs: HEAL, restoredAtMs: HEAL + 1000, endMs: END, ...spec.timeline };
  const watcherLog: WatcherSample[] = [];
  for (let t = T0; t < END; t += 100) {
    for (const ns of NAMESERVERS) {
      const answer = spec.answers(ns, t);
      const server = `${ns.address}:${ns.port}`;
      watcherLog.push(
        answer === 'timeout'
          ? { sentAtMs: t, atMs: t + 300, server, region: ns.region, error: 'timeout' }
          : { sentAtMs: t, atMs: t + 2, server, region: ns.region, addresses: answer },
      );
    }
  }
  const ops: LoadOp[] = [];
  let id = 1;
  for (let t = T0; t < END; t += 50) {
    const r = spec.requests(t);
    ops.push({ id: id++, startMs: t, endMs: t + (r.ok ? 5 : 1000), ...r });
  }
  ops.push(...(spec.extraOps ?? []));
  const resolverLog: ResolverExchange[] = (spec.resolver ?? []).map((e) => ({
    atMs: T0 + e.at,
    server: '10.0.2.1:53',
    region: 'us-east',
    rcode: 'NOERROR',
    transport: 'udp',
    addresses: e.addresses,
    ttl: 2,
  }));
  return {
    region: 'eu-west',
    fqdn: 'web.global.test',
    nameservers: NAMESERVERS,
    endpoints: ENDPOINTS,
    timeline,
    ops,
    resolverLog,
    watcherLog: watcherLog.sort((a, b) => a.atMs - b.atMs),
    ...(spec.waits ? { waits: spec.waits } : {}),
  };
}
