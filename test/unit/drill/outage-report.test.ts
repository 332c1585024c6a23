import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOutageReport, type OutageReport } from '../../../src/drill/index.ts';
import { AP, CUT, EU, HEAL, T0, US, buildHistory, failoverAnswers, failoverRequests, type ScenarioSpec } from './scenario.ts';

/** The client's resolver: eu-west just before the cut, eu-west once more during it, then us-east. */
const RESOLVER = [
  { at: 2900, addresses: EU },
  { at: 4400, addresses: EU },
  { at: 6400, addresses: US },
];
const clean: ScenarioSpec = { answers: failoverAnswers(1500, 800), requests: failoverRequests(3400, 1000), resolver: RESOLVER };
const failed = (r: OutageReport) => r.checks.filter((c) => !c.pass).map((c) => c.name);

test('clean failover: every measure from the history', () => {
  const r = buildOutageReport(buildHistory(clean));
  assert.equal(r.pass, true, r.reasons.join('; '));
  assert.deepEqual(r.reasons, []);
  // Survivors' last answer with eu-west was sent at cut+1400 and arrived 2 ms later.
  assert.equal(r.cutToLastDeadAnswerMs.maxMs, 1402);
  const byRegion = Object.fromEntries(r.cutToLastDeadAnswerMs.perNameserver.map((n) => [n.region, n]));
  assert.equal(byRegion['us-east']?.lastAnswerWithRegionMs, 1402);
  assert.equal(byRegion['us-east']?.shifted, true);
  assert.equal(byRegion['eu-west']?.cutRegion, true);
  assert.equal(byRegion['eu-west']?.answersDuringCut, 0);
  assert.equal(byRegion['eu-west']?.failuresDuringCut, 70);
  assert.deepEqual(r.clientErrorWindow, { firstErrorMs: 0, lastErrorMs: 3350, durationMs: 3350, failedOps: 68 });
  assert.deepEqual(r.clientShift, { lastAnswerWithRegionMs: 1400, cachedUntilMs: 3400, lastRequestToRegionMs: 3350, requestsToRegion: 68 });
  assert.deepEqual(r.requestsPerRegion, {
    'ap-south': { before: 0, during: 0, after: 0 },
    'eu-west': { before: 60, during: 0, after: 60 },
    'us-east': { before: 0, during: 72, after: 20 },
  });
  assert.deepEqual(r.failedRequests, { before: 0, during: 68, after: 0 });
  assert.deepEqual(r.timeToReturnMs, { dnsMs: 802, clientMs: 1000 });
  assert.deepEqual(r.latencyMs, { before: { p50: 5, p99: 5, max: 5 }, during: { p50: 5, p99: 5, max: 5 }, after: { p50: 5, p99: 5, max: 5 } });
  assert.equal(r.totals.ops, 280);
  assert.equal(r.totals.ok, 212);
  assert.equal(r.totals.successRatio, 0.7571);
  assert.deepEqual(r.timeline, {
    startedAt: new Date(T0).toISOString(),
    cutAt: new Date(CUT).toISOString(),
    warmupMs: 3000,
    outageMs: 7000,
    restoredAfterHealMs: 1000,
    totalMs: 14_000,
  });
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(r)));
});

test('no client error at all: the window is empty, the drill passes', () => {
  // The client's last eu-west answer expired at the cut and the region was left instantly.
  const r = buildOutageReport(buildHistory({ answers: failoverAnswers(0, 500), requests: failoverRequests(0, 600) }));
  assert.deepEqual(r.clientErrorWindow, { firstErrorMs: null, lastErrorMs: null, durationMs: 0, failedOps: 0 });
  assert.equal(r.cutToLastDeadAnswerMs.maxMs, 0);
  assert.equal(r.pass, true, r.reasons.join('; '));
});

test('a request in flight at the cut opens the window at the cut, not before it', () => {
  const inFlight = { id: 999, startMs: CUT - 400, endMs: CUT + 600, ok: false, address: EU[0], error: 'timeout' };
  const r = buildOutageReport(buildHistory({ ...clean, extraOps: [inFlight] }));
  assert.equal(r.clientErrorWindow.firstErrorMs, 0);
  assert.equal(r.clientErrorWindow.failedOps, 69);
  assert.deepEqual(r.failedRequests, { before: 1, during: 68, after: 0 });
});

test('the dead region never left the answers: DNS and traffic checks fail', () => {
  const resolver = [2900, 4900, 6900, 8900].map((at) => ({ at, addresses: EU }));
  const r = buildOutageReport(buildHistory({ answers: failoverAnswers(60_000, 0), requests: failoverRequests(60_000, 0), resolver }));
  assert.equal(r.pass, false);
  assert.equal(r.cutToLastDeadAnswerMs.maxMs, null);
  assert.deepEqual(failed(r), ['dnsShifted', 'trafficMoved']);
  assert.match(r.reasons[0]!, /still answering with eu-west when it was healed: 10\.0\.2\.1:53 \(us-east\), 10\.0\.3\.1:53 \(ap-south\)/);
  assert.match(r.reasons[1]!, /still sending requests to eu-west until the heal/);
});

test('one surviving nameserver lags: the worst one is the measure', () => {
  const base = failoverAnswers(1500, 800);
  const answers: ScenarioSpec['answers'] = (ns, t) => (ns.region === 'ap-south' && t >= CUT && t < CUT + 4000 ? EU : base(ns, t));
  const r = buildOutageReport(buildHistory({ ...clean, answers }));
  assert.equal(r.cutToLastDeadAnswerMs.maxMs, 3902);
  const ap = r.cutToLastDeadAnswerMs.perNameserver.find((n) => n.region === 'ap-south');
  assert.equal(ap?.lastAnswerWithRegionMs, 3902);
});

test('a surviving nameserver that never answered during the cut fails the DNS check', () => {
  const base = failoverAnswers(1500, 800);
  const answers: ScenarioSpec['answers'] = (ns, t) => (ns.region === 'ap-south' && t >= CUT && t < HEAL ? 'timeout' : base(ns, t));
  const r = buildOutageReport(buildHistory({ ...clean, answers }));
  assert.deepEqual(failed(r), ['dnsShifted']);
  assert.match(r.reasons[0]!, /no answer during the cut from 10\.0\.3\.1:53 \(ap-south\)/);
});

test('the region never came back after the heal: fail', () => {
  const r = buildOutageReport(buildHistory({ ...clean, answers: failoverAnswers(1500, 60_000), requests: failoverRequests(3400, 60_000) }));
  assert.deepEqual(r.timeToReturnMs, { dnsMs: null, clientMs: null });
  assert.deepEqual(failed(r), ['regionReturned']);
  assert.match(r.reasons[0]!, /eu-west never came back/);
});

test('back in DNS but serving nothing: fail with its own reason', () => {
  const requests = failoverRequests(3400, 60_000);
  const r = buildOutageReport(buildHistory({ ...clean, requests }));
  assert.deepEqual(failed(r), ['regionReturned']);
  assert.match(r.reasons[0]!, /came back in DNS 802 ms after the heal but served no request/);
});

test('the cut region served nothing before the cut: the drill measured nothing', () => {
  const answers: ScenarioSpec['answers'] = () => US;
  const requests: ScenarioSpec['requests'] = () => ({ address: US[0], ok: true, region: 'us-east' });
  const r = buildOutageReport(buildHistory({ answers, requests }));
  assert.ok(failed(r).includes('regionServedBeforeCut'));
  assert.match(r.reasons[0]!, /served no request before the cut/);
});

test('a request served by the cut region after the shift (the cut did not isolate it): fail', () => {
  const late = { id: 998, startMs: CUT + 5000, endMs: CUT + 5005, ok: true, address: EU[1], region: 'eu-west' };
  const r = buildOutageReport(buildHistory({ ...clean, extraOps: [late] }));
  assert.deepEqual(failed(r), ['noRequestsToRegionAfterShift']);
  assert.match(r.reasons[0]!, /1 requests went to eu-west after the shift \(3400 ms after the cut\), first 5000 ms after the cut/);
});

test('a request sent to the cut region while its cached answer was still valid is not a violation', () => {
  const cached = { id: 997, startMs: CUT + 3390, endMs: CUT + 4390, ok: false, address: EU[1], error: 'timeout' };
  const r = buildOutageReport(buildHistory({ ...clean, extraOps: [cached] }));
  assert.equal(r.pass, true, r.reasons.join('; '));
});

test('an answer cached before the cut still covers requests just after it', () => {
  // Only one resolver answer, 100 ms before the cut: its TTL covers the first 1.9 s of the outage.
  const r = buildOutageReport(buildHistory({ ...clean, resolver: [{ at: 2900, addresses: EU }], requests: failoverRequests(1900, 1000) }));
  assert.equal(r.clientShift.lastAnswerWithRegionMs, null);
  assert.equal(r.clientShift.cachedUntilMs, 1900);
  assert.equal(r.pass, true, r.reasons.join('; '));
});

test('orchestrator waits that timed out fail with their detail', () => {
  const waits = {
    shift: { outcome: 'timedOut' as const, afterMs: 30_000, detail: 'still waiting for nameserver 10.0.2.1:53' },
    return: { outcome: 'settled' as const, afterMs: 900 },
  };
  const r = buildOutageReport(buildHistory({ ...clean, waits }));
  assert.deepEqual(failed(r), ['shiftSettled']);
  assert.match(r.reasons[0]!, /did not settle off the region within 30000 ms: still waiting for nameserver/);
});

test('requests whose body named no region are counted as unknown', () => {
  const requests: ScenarioSpec['requests'] = (t) => (t < CUT ? { address: AP[0], ok: true } : failoverRequests(3400, 1000)(t));
  const r = buildOutageReport(buildHistory({ ...clean, requests }));
  assert.equal(r.requestsPerRegion['unknown']?.before, 60);
  assert.ok(failed(r).includes('regionServedBeforeCut'));
});

test('latency percentiles per phase are nearest-rank over successful requests only', () => {
  // 100 served requests during the cut taking 1..100 ms, plus one failed request of 5 s.
  const slow = Array.from({ length: 100 }, (_, i) => ({ id: 2000 + i, startMs: CUT + 10 + i, endMs: CUT + 10 + i + (i + 1), ok: true, address: US[0], region: 'us-east' }));
  const failedOp = { id: 3000, startMs: CUT + 5, endMs: CUT + 5005, ok: false, address: EU[0], error: 'timeout' };
  const none = () => ({ ok: false, error: 'x' });
  const r = buildOutageReport(buildHistory({ answers: failoverAnswers(0, 0), requests: none, extraOps: [...slow, failedOp] }));
  assert.deepEqual(r.latencyMs, { before: null, during: { p50: 50, p99: 99, max: 100 }, after: null });
});
