import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsperfResult } from '../dns/dnsperf.ts';
import { ratios, renderTable, summarizeServer, type Measurement } from '../dns/report.ts';

function measurement(server: string, round: number, qps: number, serverCpu = 100): Measurement {
  const result: DnsperfResult = {
    dnsperfVersion: '2.10.0', qps, sent: qps * 5, completed: qps * 5, lost: 0, avgLatencyMs: 0.5, maxLatencyMs: 2,
    latencyStdDevMs: 0.1, avgResponseBytes: 76, rcodes: { NOERROR: 95, NXDOMAIN: 5 },
  };
  return { round, server, result, cpu: { serverProcess: serverCpu, serverCore: 100, dnsperfCore: 90 } };
}

const MEASUREMENTS = [
  measurement('meridian', 1, 100, 100), measurement('bind9', 1, 200, 100), measurement('knot', 1, 400, 100),
  // Round 2: something else took half the core from bind9; per CPU-second it did as well as before.
  measurement('meridian', 2, 110, 100), measurement('bind9', 2, 100, 50), measurement('knot', 2, 380, 100),
  measurement('meridian', 3, 90, 100), measurement('bind9', 3, 180, 100), measurement('knot', 3, 420, 100),
];

test('median qps with min and max over the rounds', () => {
  const s = summarizeServer('bind9', 'BIND 9', MEASUREMENTS);
  assert.deepEqual(s.qps, { median: 180, min: 100, max: 200, perRound: [200, 100, 180] });
  assert.deepEqual(s.qpsPerCpuSecond.perRound, [200, 200, 180]);
  assert.equal(s.lost.total, 0);
});

test('ratios divide measurements of the same round, then take the median', () => {
  const servers = ['meridian', 'bind9', 'knot'].map((name) => summarizeServer(name, name, MEASUREMENTS));
  const list = ratios(servers);
  const vsBind = list.find((r) => r.metric === 'qps' && r.server === 'meridian' && r.reference === 'bind9');
  assert.deepEqual(vsBind?.perRound, [0.5, 1.1, 0.5]);
  assert.equal(vsBind?.median, 0.5);
  const perCpu = list.find((r) => r.metric === 'qpsPerCpuSecond' && r.server === 'meridian' && r.reference === 'bind9');
  assert.deepEqual(perCpu?.perRound, [0.5, 0.55, 0.5]);
  assert.equal(list.some((r) => r.server === r.reference), false);
  const text = renderTable(servers, list);
  assert.match(text, /meridian\/knot\s+0\.25, 0\.29, 0\.21 {2}→ median 0\.25/);
  assert.match(text, /knot\/bind9/);
  assert.doesNotMatch(text, /bind9\/knot/, 'each pair of references once');
});

test('without Meridian, bind9 and Knot are still compared with each other', () => {
  const servers = ['bind9', 'knot'].map((name) => summarizeServer(name, name, MEASUREMENTS));
  assert.deepEqual(ratios(servers).map((r) => `${r.metric} ${r.server}/${r.reference}`), [
    'qps bind9/knot', 'qps knot/bind9', 'qpsPerCpuSecond bind9/knot', 'qpsPerCpuSecond knot/bind9',
  ]);
});
