import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOutageReport, serverKey } from '../../../src/drill/index.ts';
import {
  answerRuns, bucketWidthMs, escapeXml, niceStep, quantile, renderOutageReportHtml, requestBuckets, stripChart, valueChart,
} from '../../../src/observe/report/index.ts';
import { CUT, END, HEAL, T0, syntheticHistory } from './drill-history.ts';

for (const [span, expected] of [[20_000, 500], [60_000, 1_000], [1_000, 20], [90, 1]] as const) {
  test(`bucket width for a ${span} ms run: ${expected} ms`, () => assert.equal(bucketWidthMs(span), expected));
}

for (const [max, count, expected] of [[100, 4, 25 * 2], [1, 4, 0.5], [7, 4, 2], [0, 4, 1]] as const) {
  test(`niceStep(${max}, ${count}) = ${expected}`, () => assert.equal(niceStep(max, count), expected));
}

test('nearest-rank quantiles', () => {
  assert.equal(quantile([], 0.5), null);
  assert.equal(quantile([5], 0.99), 5);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2);
  assert.equal(quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99), 99);
});

test('request buckets: by start time, served per region, failures, latency of served requests only', () => {
  const h = syntheticHistory();
  const buckets = requestBuckets(h.ops, T0, END, 1_000);
  assert.equal(buckets.length, 20);
  assert.equal(buckets.reduce((s, b) => s + b.total, 0), h.ops.length);
  const cutBucket = buckets[5]!; // [CUT, CUT + 1 s): a third of the requests go to eu-west's two addresses... and fail
  assert.ok(cutBucket.failed > 0 && cutBucket.ok > 0);
  assert.equal(cutBucket.perRegion['eu-west'], undefined);
  assert.ok((cutBucket.p99Ms ?? Infinity) < 1_000, 'failed requests (1 s timeouts) do not count in the latency of served ones');
  const away = buckets[10]!;
  assert.deepEqual(Object.keys(away.perRegion).sort(), ['ap-south', 'us-east']);
  assert.equal(away.failed, 0);
});

test('answer runs: one segment per run of identical answers, errors labelled, in nameserver order', () => {
  const h = syntheticHistory();
  const runs = answerRuns(h.watcherLog, h.nameservers, h.endpoints, END);
  assert.deepEqual(runs.map((r) => r.nameserver.region), ['eu-west', 'us-east', 'ap-south']);
  assert.deepEqual(runs[0]!.runs.map((r) => [r.label, r.fromMs - T0, r.toMs - T0]), [
    ['ap-south+eu-west+us-east', 0, 5_000],
    ['error: timeout', 5_000, 15_000],
    ['ap-south+us-east', 15_000, 15_900],
    ['ap-south+eu-west+us-east', 15_900, 19_901],
  ]);
  assert.deepEqual(runs[1]!.runs.map((r) => [r.label, r.fromMs - T0, r.toMs - T0]), [
    ['ap-south+eu-west+us-east', 0, CUT + 700 - T0],
    ['ap-south+us-east', CUT + 700 - T0, HEAL + 900 - T0],
    ['ap-south+eu-west+us-east', HEAL + 900 - T0, 19_901],
  ]);
});

test('answer runs find an IPv6 nameserver by the key the drill records it under', () => {
  const ns = { region: 'eu-west', address: 'fd00::53', port: 5353 };
  const sample = { atMs: 10, sentAtMs: 5, server: serverKey(ns), region: 'eu-west', addresses: ['fd00::1'] };
  const [lane] = answerRuns([sample], [ns], [{ region: 'eu-west', addresses: ['fd00::1'] }], 100);
  assert.deepEqual(lane!.runs.map((r) => r.label), ['eu-west']);
});

test('escaping: text never becomes markup', () => {
  assert.equal(escapeXml(`<script>"a" & 'b'</script>`), '&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;');
  const svg = valueChart({
    title: '<b>t</b>',
    axis: { startMs: 0, endMs: 10_000, zeroMs: 2_000, zeroLabel: 'cut', marks: [{ atMs: 2_000, label: 'cut <x>', color: 'red" onload="x' }] },
    yLabel: 'y',
    lines: [{ name: 'a&b', color: '#123456', points: [{ atMs: 0, value: 1 }, { atMs: 5_000, value: null }, { atMs: 9_000, value: 2 }] }],
  });
  assert.doesNotMatch(svg, /<b>|<x>|onload/);
  assert.match(svg, /stroke="#888888"/, 'an unexpected color becomes grey');
  assert.match(svg, /d="M[\d.]+,[\d.]+ M[\d.]+,[\d.]+"/, 'a null value breaks the line');
});

test('a strip chart has one row of segments per series', () => {
  const svg = stripChart({
    title: 'strips',
    axis: { startMs: 0, endMs: 10_000, zeroMs: 0, zeroLabel: 'cut', marks: [] },
    rows: [{ label: 'a', segments: [{ fromMs: 0, toMs: 5_000, label: 'x', color: '#111111' }, { fromMs: 5_000, toMs: 10_000, label: 'y', color: '#222222' }] }, { label: 'b', segments: [] }],
  });
  assert.equal((svg.match(/class="segment"/g) ?? []).length, 2);
  assert.match(svg, /<title>a: x from 0 s to 5 s<\/title>/);
});

test('the report page is self-contained: four charts, every check, no script, nothing fetched', () => {
  const history = syntheticHistory();
  const report = buildOutageReport(history);
  const html = renderOutageReportHtml({ report, history });
  assert.equal((html.match(/<svg /g) ?? []).length, 4);
  assert.equal((html.match(/class="axis-label">seconds from the cut</g) ?? []).length, 4, 'the region-outage drill is a cut');
  assert.doesNotMatch(html, /<script|\bsrc=|\bhref=|@import|url\(/i);
  assert.deepEqual([...html.matchAll(/https?:\/\/[^\s"']+/g)].map((m) => m[0]), ['http://www.w3.org/2000/svg', 'http://www.w3.org/2000/svg', 'http://www.w3.org/2000/svg', 'http://www.w3.org/2000/svg']);
  for (const c of report.checks) assert.ok(html.includes(escapeXml(c.detail)), c.name);
  assert.match(html, /<span class="verdict (pass|fail)">/);
});

test('database drills add replication lag (with the RPO) and runbook steps', () => {
  const history = syntheticHistory();
  const html = renderOutageReportHtml({
    report: buildOutageReport(history),
    history,
    dataStore: {
      rpoMs: 2_000,
      replicationLag: [0, 5, 6, 7, 9, 12].map((s, i) => ({ atMs: T0 + s * 1_000, store: 'orders', region: 'us-east', seconds: i * 0.5 })),
      runbookSteps: [
        { runbook: 'failover', step: 'acquire-lease', result: 'ok', startedAtMs: CUT + 800, endedAtMs: CUT + 900 },
        { runbook: 'failover', step: 'promote', result: 'failed', startedAtMs: CUT + 900, endedAtMs: CUT + 2_000, detail: 'timeout' },
        { runbook: 'failover', step: 'repoint', result: 'started', startedAtMs: CUT + 2_000 },
        { runbook: 'failover', step: 'never-started', result: 'skipped' },
      ],
    },
  });
  assert.equal((html.match(/<svg /g) ?? []).length, 6);
  assert.match(html, /<title>RPO<\/title>/);
  assert.match(html, /<title>promote: failed from 0\.9 s to 2 s \(timeout\)<\/title>/);
  assert.match(html, /<figcaption>Runbook steps \(failover\)<\/figcaption>/);
  assert.doesNotMatch(html, /never-started/, 'a step that never started has no span');
});
