/**
 * ORCHESTRATION test of the region-outage drill, not of the GSLB: the DrillEnvironment here is a
 * loopback stand-in whose cut/heal stop/start a region's HTTP server, silence its DNS responder
 * and, after a fixed "detection" delay, flip the surviving responder's answer. It checks that the
 * drill runs its phases, always heals, and that the report's numbers match what the stand-in
 * did. The real drill against the lab's agents is the integrator's end-to-end test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckFailed, InputError } from '../../../src/common/errors.ts';
import { runRegionOutageDrill, type DrillEnvironment, type RegionOutageOptions } from '../../../src/drill/index.ts';
import { startDnsResponder, startRegionServers, type DnsResponder, type RegionServer } from './loopback.ts';

const EU = '127.0.0.2';
const US = '127.0.0.3';
const DETECT_MS = 300;
let eu: RegionServer;
let us: RegionServer;
let port = 0;
let euDns: DnsResponder;
let usDns: DnsResponder;
const timers = new Set<NodeJS.Timeout>();

before(async () => {
  const started = await startRegionServers([{ region: 'eu-west', address: EU }, { region: 'us-east', address: US }]);
  [eu, us] = started.servers as [RegionServer, RegionServer];
  port = started.port;
  euDns = await startDnsResponder([EU], 1);
  usDns = await startDnsResponder([EU], 1);
});

after(async () => {
  for (const t of timers) clearTimeout(t);
  await Promise.all([eu.stop(), us.stop(), euDns.close(), usDns.close()]);
});

function later(fn: () => void, ms: number): void {
  const t = setTimeout(() => {
    timers.delete(t);
    fn();
  }, ms);
  timers.add(t);
}

/** Failover policy eu-west → us-east, as the agents would apply it DETECT_MS after a change. */
function fakeLab(opts: { detects?: boolean; cutFails?: boolean } = {}) {
  const calls: string[] = [];
  const env: DrillEnvironment = {
    fqdn: 'web.global.test',
    port,
    nameservers: [
      { region: 'eu-west', address: '127.0.0.1', port: euDns.port },
      { region: 'us-east', address: '127.0.0.1', port: usDns.port },
    ],
    endpoints: [
      { region: 'eu-west', addresses: [EU] },
      { region: 'us-east', addresses: [US] },
    ],
    cut: async (region) => {
      calls.push(`cut ${region}`);
      if (opts.cutFails) throw new Error('ip: RTNETLINK answers: Operation not permitted');
      await eu.stop();
      euDns.mode = 'silent';
      if (opts.detects !== false) later(() => (usDns.addresses = [US]), DETECT_MS);
    },
    heal: async (region) => {
      calls.push(`heal ${region}`);
      await eu.start();
      euDns.mode = 'answer';
      later(() => (usDns.addresses = [EU]), DETECT_MS);
    },
  };
  return { env, calls };
}

const FAST: Omit<RegionOutageOptions, 'region'> = {
  warmupMs: 800,
  settleMs: 600,
  maxShiftWaitMs: 5000,
  holdMs: 200,
  maxReturnWaitMs: 5000,
  afterHealMs: 400,
  rate: 20,
  requestTimeoutMs: 500,
  dnsTimeoutMs: 200,
};

test('orchestration: warm-up, cut, shift, heal, return; the report matches what the stand-in did', async () => {
  const { env, calls } = fakeLab();
  const steps: string[] = [];
  const { report, history } = await runRegionOutageDrill(env, { ...FAST, region: 'eu-west', onEvent: (e) => steps.push(e.step) });
  assert.deepEqual(calls, ['cut eu-west', 'heal eu-west']);
  assert.deepEqual(steps, ['warmup', 'cut', 'shifted', 'healed', 'returned', 'done']);
  assert.equal(report.pass, true, report.reasons.join('; '));
  // The surviving responder flipped DETECT_MS after the cut; the watcher asks every 100 ms.
  const shift = report.cutToLastDeadAnswerMs.maxMs!;
  assert.ok(shift >= DETECT_MS - 120 && shift <= DETECT_MS + 300, `cut → last answer with eu-west: ${shift} ms`);
  const euNs = report.cutToLastDeadAnswerMs.perNameserver.find((n) => n.cutRegion);
  assert.equal(euNs?.answersDuringCut, 0);
  assert.ok((euNs?.failuresDuringCut ?? 0) > 0, 'the cut region’s silent nameserver was recorded');
  const perRegion = report.requestsPerRegion;
  assert.ok(perRegion['eu-west']!.before > 0 && perRegion['eu-west']!.during === 0 && perRegion['eu-west']!.after > 0);
  assert.ok(perRegion['us-east']!.during > 0);
  assert.ok(report.timeToReturnMs.dnsMs! >= DETECT_MS - 120, `return in DNS after ${report.timeToReturnMs.dnsMs} ms`);
  assert.ok(report.timeToReturnMs.clientMs! >= report.timeToReturnMs.dnsMs! - 100);
  // Client errors cannot outlast the TTL (1 s) of its last answer with eu-west plus one request.
  if (report.clientErrorWindow.lastErrorMs !== null) {
    assert.ok(report.clientErrorWindow.lastErrorMs <= report.clientShift.cachedUntilMs! + 50);
  }
  assert.equal(history.ops.length, report.totals.ops);
  assert.ok(history.timeline.restoredAtMs! >= history.timeline.healAtMs);
});

test('orchestration: DNS that never shifts is bounded, healed, and fails with reasons', async () => {
  usDns.addresses = [EU];
  const { env, calls } = fakeLab({ detects: false });
  const { report } = await runRegionOutageDrill(env, { ...FAST, region: 'eu-west', maxShiftWaitMs: 1500 });
  assert.deepEqual(calls, ['cut eu-west', 'heal eu-west']);
  assert.equal(report.pass, false);
  const failed = report.checks.filter((c) => !c.pass).map((c) => c.name);
  assert.ok(failed.includes('dnsShifted') && failed.includes('shiftSettled'), failed.join(', '));
  assert.equal(report.waits?.shift.outcome, 'timedOut');
});

test('orchestration: Ctrl-C during the outage heals the region and stops the load', async () => {
  usDns.addresses = [EU];
  const { env, calls } = fakeLab();
  const controller = new AbortController();
  const run = runRegionOutageDrill(env, {
    ...FAST,
    region: 'eu-west',
    signal: controller.signal,
    onEvent: (e) => e.step === 'cut' && later(() => controller.abort(new Error('interrupted')), 200),
  });
  await assert.rejects(run, (err: unknown) => err instanceof CheckFailed && /interrupted.*eu-west was healed/.test(err.message));
  assert.deepEqual(calls, ['cut eu-west', 'heal eu-west']);
});

test('orchestration: a cut that throws is still healed, and the error surfaces', async () => {
  const { env, calls } = fakeLab({ cutFails: true });
  await assert.rejects(runRegionOutageDrill(env, { ...FAST, region: 'eu-west', warmupMs: 100 }), /Operation not permitted/);
  assert.deepEqual(calls, ['cut eu-west', 'heal eu-west']);
});

test('an unknown region is bad input listing the regions, before anything is cut', async () => {
  const { env, calls } = fakeLab();
  await assert.rejects(
    runRegionOutageDrill(env, { ...FAST, region: 'mars' }),
    (err: unknown) => err instanceof InputError && err.message === "unknown region 'mars'; regions: eu-west, us-east",
  );
  assert.deepEqual(calls, []);
});

test('orchestration: a region that served nothing during the warm-up is not cut', async () => {
  usDns.addresses = [US];
  const { env, calls } = fakeLab();
  // Both agents route to us-east only: eu-west is idle, its loss would measure nothing.
  euDns.addresses = [US];
  try {
    await assert.rejects(
      runRegionOutageDrill(env, { ...FAST, region: 'eu-west', warmupMs: 500 }),
      (err: unknown) => err instanceof CheckFailed && /eu-west served no request during the warm-up .*served by: us-east.*nothing was cut/.test(err.message),
    );
    assert.deepEqual(calls, []);
  } finally {
    euDns.addresses = [EU];
    usDns.addresses = [EU];
  }
});
