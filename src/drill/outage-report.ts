/**
 * The region-outage report: a pure function of the recorded history (ops, resolver exchanges,
 * watcher samples, fault timeline). It never looks at a stopwatch, so a saved history always
 * gives the same report. See docs/drills.md for what each number means.
 */
import {
  clientErrorWindow,
  clientShift,
  countByPhase,
  latencyByPhase,
  nameserverShift,
  requestsPerRegion,
  timeToReturn,
  type AddressRegions,
  type ClientErrorWindow,
  type ClientShift,
  type LatencySummary,
  type Phase,
  type NameserverShift,
  type PhaseCounts,
  type TimeToReturn,
} from './outage-metrics.ts';
import { serverKey, type FaultTimeline, type LoadOp, type Nameserver, type RegionEndpoints, type ResolverExchange, type WatcherSample } from './types.ts';

/** How one of the orchestrator's bounded waits ended. */
export type WaitResult =
  | { readonly outcome: 'settled'; readonly afterMs: number }
  | { readonly outcome: 'timedOut'; readonly afterMs: number; readonly detail: string };

export interface OutageHistory {
  readonly region: string;
  readonly fqdn: string;
  readonly nameservers: readonly Nameserver[];
  readonly endpoints: readonly RegionEndpoints[];
  readonly timeline: FaultTimeline;
  readonly ops: readonly LoadOp[];
  readonly resolverLog: readonly ResolverExchange[];
  readonly watcherLog: readonly WatcherSample[];
  /** Load-client ticks skipped because too many requests were in flight. */
  readonly clientSkipped?: number;
  readonly waits?: { readonly shift: WaitResult; readonly return: WaitResult };
}

export interface Check {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export interface OutageReport {
  readonly kind: 'region-outage';
  readonly region: string;
  readonly fqdn: string;
  readonly timeline: {
    readonly startedAt: string;
    readonly cutAt: string;
    readonly warmupMs: number;
    readonly outageMs: number;
    readonly restoredAfterHealMs: number | null;
    readonly totalMs: number;
  };
  readonly cutToLastDeadAnswerMs: { readonly maxMs: number | null; readonly perNameserver: readonly NameserverShift[] };
  readonly clientErrorWindow: ClientErrorWindow;
  readonly clientShift: ClientShift;
  readonly requestsPerRegion: Record<string, PhaseCounts>;
  readonly failedRequests: PhaseCounts;
  readonly latencyMs: Record<Phase, LatencySummary | null>;
  readonly timeToReturnMs: TimeToReturn;
  readonly totals: {
    readonly ops: number;
    readonly ok: number;
    readonly failed: number;
    /** ok / ops over the whole run, 4 decimals; null with no ops. */
    readonly successRatio: number | null;
    readonly clientSkipped: number;
    readonly resolverQueries: number;
    readonly resolverFailures: number;
    readonly watcherSamples: number;
  };
  readonly waits: OutageHistory['waits'] | null;
  readonly checks: readonly Check[];
  readonly pass: boolean;
  /** The detail of every failed check. */
  readonly reasons: readonly string[];
}

export function addressRegions(endpoints: readonly RegionEndpoints[]): AddressRegions {
  return Object.fromEntries(endpoints.flatMap((e) => e.addresses.map((a) => [a, e.region] as const)));
}

export function buildOutageReport(h: OutageHistory): OutageReport {
  const t = h.timeline;
  const regions = addressRegions(h.endpoints);
  const perNameserver = h.nameservers.map((ns) =>
    nameserverShift({ server: serverKey(ns), region: ns.region }, h.watcherLog, h.region, t, regions),
  );
  const survivors = perNameserver.filter((n) => !n.cutRegion);
  const allShifted = survivors.length > 0 && survivors.every((n) => n.shifted);
  const maxMs = allShifted ? Math.max(...survivors.map((n) => n.lastAnswerWithRegionMs ?? 0)) : null;
  const client = clientShift(h.ops, h.resolverLog, h.region, t, regions);
  const perRegion = requestsPerRegion(h.ops, t, [...new Set(h.endpoints.map((e) => e.region))]);
  const returned = timeToReturn(h.ops, h.watcherLog, h.region, t, regions);
  const ok = h.ops.filter((o) => o.ok).length;
  const checks = [
    servedBeforeCut(h.region, perRegion),
    dnsShifted(h.region, survivors),
    trafficMoved(h, client),
    nothingAfterShift(h, client),
    regionReturned(h.region, returned),
    ...waitChecks(h.waits),
  ];
  return {
    kind: 'region-outage',
    region: h.region,
    fqdn: h.fqdn,
    timeline: {
      startedAt: new Date(t.startMs).toISOString(),
      cutAt: new Date(t.cutAtMs).toISOString(),
      warmupMs: t.cutAtMs - t.startMs,
      outageMs: t.healAtMs - t.cutAtMs,
      restoredAfterHealMs: t.restoredAtMs === undefined ? null : t.restoredAtMs - t.healAtMs,
      totalMs: t.endMs - t.startMs,
    },
    cutToLastDeadAnswerMs: { maxMs, perNameserver },
    clientErrorWindow: clientErrorWindow(h.ops, t),
    clientShift: client,
    requestsPerRegion: perRegion,
    failedRequests: countByPhase(h.ops, t, (o) => !o.ok),
    latencyMs: latencyByPhase(h.ops, t),
    timeToReturnMs: returned,
    totals: {
      ops: h.ops.length,
      ok,
      failed: h.ops.length - ok,
      successRatio: h.ops.length === 0 ? null : Math.round((ok / h.ops.length) * 10_000) / 10_000,
      clientSkipped: h.clientSkipped ?? 0,
      resolverQueries: h.resolverLog.length,
      resolverFailures: h.resolverLog.filter((e) => e.rcode !== 'NOERROR' && e.rcode !== 'NXDOMAIN').length,
      watcherSamples: h.watcherLog.length,
    },
    waits: h.waits ?? null,
    checks,
    pass: checks.every((c) => c.pass),
    reasons: checks.filter((c) => !c.pass).map((c) => c.detail),
  };
}

const check = (name: string, pass: boolean, detail: string): Check => ({ name, pass, detail });

function servedBeforeCut(region: string, perRegion: Record<string, PhaseCounts>): Check {
  const before = perRegion[region]?.before ?? 0;
  return before > 0
    ? check('regionServedBeforeCut', true, `${region} served ${before} requests before the cut`)
    : check('regionServedBeforeCut', false, `${region} served no request before the cut: traffic was not routed to it, so its loss measures nothing (pick a region that serves)`);
}

function dnsShifted(region: string, survivors: readonly NameserverShift[]): Check {
  if (survivors.length === 0) return check('dnsShifted', false, `no nameserver outside ${region}: nobody could answer during the outage`);
  const silent = survivors.filter((n) => n.answersDuringCut === 0);
  if (silent.length > 0) {
    return check('dnsShifted', false, `no answer during the cut from ${silent.map((n) => `${n.server} (${n.region})`).join(', ')}`);
  }
  const stuck = survivors.filter((n) => !n.shifted);
  if (stuck.length > 0) {
    return check('dnsShifted', false, `still answering with ${region} when it was healed: ${stuck.map((n) => `${n.server} (${n.region})`).join(', ')}`);
  }
  return check('dnsShifted', true, `every surviving nameserver stopped answering with ${region}`);
}

function trafficMoved(h: OutageHistory, client: ClientShift): Check {
  const t = h.timeline;
  const since = t.cutAtMs + (client.lastRequestToRegionMs ?? 0);
  const elsewhere = h.ops.filter((o) => o.ok && o.region !== h.region && o.startMs > since && o.startMs < t.healAtMs);
  if (elsewhere.length > 0) {
    return check('trafficMoved', true, `${elsewhere.length} requests served by other regions after the client's last request to ${h.region}`);
  }
  return client.lastRequestToRegionMs === null
    ? check('trafficMoved', false, `no request succeeded on another region during the cut`)
    : check('trafficMoved', false, `the client was still sending requests to ${h.region} until the heal (last ${client.lastRequestToRegionMs} ms after the cut), with none served elsewhere after that`);
}

/** After the client's last cached answer containing the region expired, nothing may go there. */
function nothingAfterShift(h: OutageHistory, client: ClientShift): Check {
  const t = h.timeline;
  const shiftAt = t.cutAtMs + (client.cachedUntilMs ?? 0);
  const regions = addressRegions(h.endpoints);
  const late = h.ops.filter(
    (o) => o.startMs > shiftAt && o.startMs < t.healAtMs && ((o.ok && o.region === h.region) || (o.address !== undefined && regions[o.address] === h.region)),
  );
  return late.length === 0
    ? check('noRequestsToRegionAfterShift', true, `no request went to ${h.region} after the shift (${shiftAt - t.cutAtMs} ms after the cut)`)
    : check('noRequestsToRegionAfterShift', false, `${late.length} requests went to ${h.region} after the shift (${shiftAt - t.cutAtMs} ms after the cut), first ${late[0]!.startMs - t.cutAtMs} ms after the cut`);
}

function regionReturned(region: string, r: TimeToReturn): Check {
  if (r.dnsMs === null) return check('regionReturned', false, `${region} never came back in the surviving nameservers' answers after the heal`);
  if (r.clientMs === null) return check('regionReturned', false, `${region} came back in DNS ${r.dnsMs} ms after the heal but served no request afterwards`);
  return check('regionReturned', true, `${region} back in DNS ${r.dnsMs} ms and serving ${r.clientMs} ms after the heal`);
}

function waitChecks(waits: OutageHistory['waits']): Check[] {
  if (!waits) return [];
  const out: Check[] = [];
  if (waits.shift.outcome === 'timedOut') out.push(check('shiftSettled', false, `traffic did not settle off the region within ${waits.shift.afterMs} ms: ${waits.shift.detail}`));
  if (waits.return.outcome === 'timedOut') out.push(check('returnSettled', false, `the region was not back within ${waits.return.afterMs} ms: ${waits.return.detail}`));
  return out;
}
