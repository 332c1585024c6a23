/**
 * The region-outage drill: run a real client and a DNS watcher, cut one region, wait until
 * traffic has left it, heal it, wait until it is back, then compute the report from the recorded
 * history. The region is ALWAYS healed before this returns or throws (errors, Ctrl-C via the
 * signal): a drill must never leave a region cut.
 */
import { CheckFailed, InfraError, InputError, describeError } from '../common/errors.ts';
import { systemClock, type Clock } from './clock.ts';
import { DnsWatcher } from './dns-watcher.ts';
import { LoadClient } from './load-client.ts';
import { returnProgress, shiftProgress, type Progress } from './outage-progress.ts';
import { addressRegions, buildOutageReport, type OutageHistory, type OutageReport, type WaitResult } from './outage-report.ts';
import { StubResolver } from './stub-resolver.ts';
import { serverKey, type DrillEnvironment, type LoadOp } from './types.ts';

export interface RegionOutageOptions {
  readonly region: string;
  /** Load before the cut, to have a baseline. @default 3000 */
  readonly warmupMs?: number;
  /** How long answers and requests must stay off the region before the shift counts. @default 2000 */
  readonly settleMs?: number;
  /** Bound on waiting for the shift; the drill then heals and fails. @default 30000 */
  readonly maxShiftWaitMs?: number;
  /** Outage kept after the shift settled. @default 1000 */
  readonly holdMs?: number;
  /** Bound on waiting for the region to come back after the heal. @default 30000 */
  readonly maxReturnWaitMs?: number;
  /** Load kept after the region came back. @default 3000 */
  readonly afterHealMs?: number;
  /** Client requests per second. @default 20 */
  readonly rate?: number;
  /** @default 1000 */
  readonly requestTimeoutMs?: number;
  /** Stub resolver's per-server timeout. @default 500 */
  readonly dnsTimeoutMs?: number;
  /** Watcher interval per nameserver. @default 100 */
  readonly watchIntervalMs?: number;
  /** Aborting (Ctrl-C) heals the region, stops the load and rejects. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: DrillEvent) => void;
}

export interface DrillEvent {
  readonly step: 'warmup' | 'cut' | 'shifted' | 'shiftTimedOut' | 'healed' | 'returned' | 'returnTimedOut' | 'done';
  readonly atMs: number;
  readonly detail: string;
}

export interface RegionOutageResult {
  readonly report: OutageReport;
  readonly history: OutageHistory;
}

const POLL_MS = 100;

export function validateDrillTarget(env: DrillEnvironment, region: string): void {
  const regions = [...new Set(env.nameservers.map((n) => n.region))];
  if (!regions.includes(region)) throw new InputError(`unknown region '${region}'; regions: ${regions.join(', ')}`);
  if (regions.length < 2) throw new InputError(`a region-outage drill needs at least two regions; only ${region} serves DNS`);
  const endpoints = env.endpoints.find((e) => e.region === region)?.addresses ?? [];
  if (endpoints.length === 0) throw new InputError(`${env.fqdn} has no endpoints in ${region}: cutting it would measure nothing`);
}

export async function runRegionOutageDrill(env: DrillEnvironment, options: RegionOutageOptions, clock: Clock = systemClock): Promise<RegionOutageResult> {
  const { region, signal } = options;
  validateDrillTarget(env, region);
  const o = withDefaults(options);
  const emit = (step: DrillEvent['step'], detail: string) => options.onEvent?.({ step, atMs: clock.nowMs(), detail });
  const regions = addressRegions(env.endpoints);
  const survivors = env.nameservers.filter((n) => n.region !== region).map(serverKey);
  const resolver = new StubResolver({ nameservers: env.nameservers, timeoutMs: o.dnsTimeoutMs, clock });
  const watcher = new DnsWatcher({ fqdn: env.fqdn, nameservers: env.nameservers, intervalMs: o.watchIntervalMs, clock });
  const bound = o.warmupMs + o.maxShiftWaitMs + o.holdMs + o.maxReturnWaitMs + o.afterHealMs + 10_000;
  const client = new LoadClient({ fqdn: env.fqdn, port: env.port, resolver, rate: o.rate, requestTimeoutMs: o.requestTimeoutMs, maxDurationMs: bound, clock });

  const startMs = clock.nowMs();
  let cutAtMs: number | undefined;
  let healAtMs: number | undefined;
  let restoredAtMs: number | undefined;
  let shift: WaitResult | undefined;
  let back: WaitResult | undefined;
  const waitUntil = async (decide: () => Progress, from: number, maxMs: number): Promise<WaitResult> => {
    for (;;) {
      const progress = decide();
      const afterMs = clock.nowMs() - from;
      if (progress.done) return { outcome: 'settled', afterMs };
      if (afterMs >= maxMs) return { outcome: 'timedOut', afterMs, detail: `still waiting for ${progress.waitingFor}` };
      await clock.sleep(POLL_MS, signal);
    }
  };

  watcher.start();
  client.start();
  try {
    try {
      emit('warmup', `load at ${o.rate}/s on ${env.fqdn}, watching ${env.nameservers.length} nameservers`);
      await clock.sleep(o.warmupMs, signal);
      requireBaseline(client.ops, region);
      cutAtMs = clock.nowMs();
      await env.cut(region);
      emit('cut', `${region} cut`);
      const cut = cutAtMs;
      shift = await waitUntil(
        () => shiftProgress({ region, regions, survivors, samples: watcher.samples, ops: client.ops, cutAtMs: cut, nowMs: clock.nowMs(), settleMs: o.settleMs }),
        cut,
        o.maxShiftWaitMs,
      );
      emit(shift.outcome === 'settled' ? 'shifted' : 'shiftTimedOut', describeWait(shift, 'after the cut'));
      await clock.sleep(o.holdMs, signal);
    } finally {
      if (cutAtMs !== undefined) healAtMs = await healOrThrow(env, region, clock);
    }
    emit('healed', `${region} healed`);
    const heal = healAtMs!;
    back = await waitUntil(() => returnProgress({ region, regions, survivors, samples: watcher.samples, ops: client.ops, healAtMs: heal }), heal, o.maxReturnWaitMs);
    if (back.outcome === 'settled') restoredAtMs = heal + back.afterMs;
    emit(back.outcome === 'settled' ? 'returned' : 'returnTimedOut', describeWait(back, 'after the heal'));
    await clock.sleep(o.afterHealMs, signal);
  } catch (err) {
    if (signal?.aborted && err === signal.reason) {
      throw new CheckFailed(`drill interrupted before it finished${cutAtMs === undefined ? '' : `; ${region} was healed`}`, { cause: err });
    }
    throw err;
  } finally {
    await Promise.all([client.stop(), watcher.stop()]);
  }

  const history: OutageHistory = {
    region,
    fqdn: env.fqdn,
    nameservers: env.nameservers,
    endpoints: env.endpoints,
    timeline: { startMs, cutAtMs: cutAtMs!, healAtMs: healAtMs!, ...(restoredAtMs === undefined ? {} : { restoredAtMs }), endMs: clock.nowMs() },
    ops: [...client.ops].sort((a, b) => a.startMs - b.startMs),
    resolverLog: [...resolver.exchanges],
    watcherLog: [...watcher.samples],
    clientSkipped: client.skipped,
    waits: { shift: shift!, return: back! },
  };
  const report = buildOutageReport(history);
  emit('done', report.pass ? 'all checks passed' : `${report.reasons.length} checks failed`);
  return { report, history };
}

/** Cutting a region that serves nothing measures nothing (and its return would never come). */
function requireBaseline(ops: readonly LoadOp[], region: string): void {
  if (ops.some((o) => o.ok && o.region === region)) return;
  const served = [...new Set(ops.filter((o) => o.ok).map((o) => o.region ?? 'unknown'))];
  throw new CheckFailed(
    `${region} served no request during the warm-up (${ops.length} requests; served by: ${served.join(', ') || 'nobody'}): ` +
      'the policy does not route to it, so cutting it would measure nothing; nothing was cut',
  );
}

/** Heals, retrying a few times: leaving a region cut is the one outcome a drill must avoid. */
async function healOrThrow(env: DrillEnvironment, region: string, clock: Clock): Promise<number> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const atMs = clock.nowMs();
    try {
      await env.heal(region);
      return atMs;
    } catch (err) {
      lastError = err;
      await clock.sleep(200 * attempt);
    }
  }
  throw new InfraError(`could not heal ${region} after the drill (${describeError(lastError)}); heal it by hand: meridian lab heal ${region}`, { cause: lastError });
}

function describeWait(wait: WaitResult, relativeTo: string): string {
  if (wait.outcome === 'settled') return `settled ${wait.afterMs} ms ${relativeTo}`;
  return `not settled ${wait.afterMs} ms ${relativeTo}: ${wait.detail}`;
}

function withDefaults(o: RegionOutageOptions) {
  return {
    warmupMs: o.warmupMs ?? 3000,
    settleMs: o.settleMs ?? 2000,
    maxShiftWaitMs: o.maxShiftWaitMs ?? 30_000,
    holdMs: o.holdMs ?? 1000,
    maxReturnWaitMs: o.maxReturnWaitMs ?? 30_000,
    afterHealMs: o.afterHealMs ?? 3000,
    rate: o.rate ?? 20,
    requestTimeoutMs: o.requestTimeoutMs ?? 1000,
    dnsTimeoutMs: o.dnsTimeoutMs ?? 500,
    watchIntervalMs: o.watchIntervalMs ?? 100,
  };
}
