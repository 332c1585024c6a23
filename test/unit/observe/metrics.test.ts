import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeResult, ProbeTarget } from '../../../src/health/index.ts';
import { AgentMetrics, METRIC_LIST, probeResultClass, type AgentState } from '../../../src/observe/index.ts';
import { findSamples, parsePrometheusText, sampleValue } from '../../../src/observe/prom-text.ts';
import { KEYS, TOPOLOGY, stateOf, view } from './fixtures.ts';

function metricsFor(state: () => AgentState): AgentMetrics {
  return new AgentMetrics({ topology: TOPOLOGY, region: 'ra', bootId: 'b1', state, defaultMetrics: false });
}
const scrape = async (m: AgentMetrics) => parsePrometheusText(await m.exposition());
const allUp = Object.fromEntries(KEYS.map((k) => [k, 'up' as const]));

test('catalog names follow the Prometheus conventions', () => {
  const names = new Set<string>();
  for (const spec of METRIC_LIST) {
    assert.match(spec.name, /^meridian_[a-z0-9_]+$/, spec.name);
    assert.ok(!names.has(spec.name), `${spec.name} twice`);
    names.add(spec.name);
    assert.equal(spec.name.endsWith('_total'), spec.type === 'counter', `${spec.name}: _total iff counter`);
    assert.ok(!/_(ms|milliseconds|kb|mb)(_|$)/.test(spec.name), `${spec.name}: base units only`);
    if (spec.type === 'histogram') assert.ok(spec.buckets && spec.buckets.length > 0 && spec.name.endsWith('_seconds'));
    if (spec.status === 'reserved') assert.ok(spec.labels.length > 0, `${spec.name}: reserved metrics need labels so they stay empty until fed`);
  }
});

for (const [name, result, expected] of [
  ['ok', { kind: 'ok', latencyMs: 1 }, 'ok'],
  ['timeout', { kind: 'failed', reason: 'timeout', latencyMs: 400 }, 'timeout'],
  ['refused', { kind: 'failed', reason: 'refused', latencyMs: 1 }, 'refused'],
  ['reset', { kind: 'failed', reason: 'reset', latencyMs: 1 }, 'reset'],
  ['unreachable', { kind: 'failed', reason: 'unreachable', latencyMs: 1 }, 'unreachable'],
  ['a 503', { kind: 'failed', reason: 'status 503', latencyMs: 1 }, 'http_error'],
  ['another socket error', { kind: 'failed', reason: 'EPROTO', latencyMs: 1 }, 'error'],
] as const satisfies readonly (readonly [string, ProbeResult, string])[]) {
  test(`probe result class: ${name}`, () => assert.equal(probeResultClass(result), expected));
}

test('every metric of the catalog is registered; store and reserved ones expose no sample until fed', async () => {
  const m = metricsFor(() => stateOf(view('ra', allUp)));
  const e = await scrape(m);
  for (const spec of METRIC_LIST) assert.equal(e.types.get(spec.name), spec.type, spec.name);
  const fedLater = METRIC_LIST.filter((s) => s.status === 'reserved' || /^meridian_(coordinator|store_primary|store_replication|split_brain|runbook)/.test(s.name));
  assert.equal(fedLater.length, 10);
  for (const spec of fedLater) {
    assert.equal(e.samples.filter((s) => s.name.startsWith(spec.name)).length, 0, `${spec.name} has samples before it is fed`);
  }
  assert.equal(sampleValue(e, 'meridian_store_rpo_seconds', { store: 'orders' }), 5);
  assert.equal(sampleValue(e, 'meridian_store_rto_seconds', { store: 'orders' }), 30);
});

test('reserved metrics take what the data layer will feed', async () => {
  const m = metricsFor(() => stateOf(view('ra', allUp)));
  m.setReplicationLag('orders', 'ra', { bytes: 4096, seconds: 0.25 });
  m.recordSplitBrainGuardTrip('orders');
  m.setRunbookRunning('orders', 'failover', true);
  m.recordRunbookStep('orders', 'failover', 'promote', 'ok', 1.5);
  const e = await scrape(m);
  assert.equal(sampleValue(e, 'meridian_store_replication_lag_bytes', { store: 'orders', region: 'ra' }), 4096);
  assert.equal(sampleValue(e, 'meridian_store_replication_lag_seconds', { store: 'orders', region: 'ra' }), 0.25);
  assert.equal(sampleValue(e, 'meridian_split_brain_guard_trips_total', { store: 'orders' }), 1);
  assert.equal(sampleValue(e, 'meridian_runbook_running', { runbook: 'failover' }), 1);
  assert.equal(sampleValue(e, 'meridian_runbook_steps_total', { step: 'promote', result: 'ok' }), 1);
  assert.equal(sampleValue(e, 'meridian_runbook_step_duration_seconds_count', { step: 'promote' }), 1);
});

test('state gauges are read at scrape time: votes, routing, vantage views, peers', async () => {
  let state = stateOf(view('ra', allUp), { view: view('rb', allUp), fresh: true });
  const m = metricsFor(() => state);
  let e = await scrape(m);
  assert.equal(sampleValue(e, 'meridian_endpoint_voters', { endpoint: '10.0.2.11' }), 2);
  assert.equal(sampleValue(e, 'meridian_peer_view_age_seconds', { peer: 'rb' }), 0.2);
  // Both vantage points see rb down: drained, and the answer loses rb.
  const rbDown = { ...allUp, 'web/rb/10.0.2.11': 'down' as const };
  state = stateOf(view('ra', rbDown), { view: view('rb', rbDown), fresh: true });
  e = await scrape(m);
  assert.equal(sampleValue(e, 'meridian_endpoint_routed_up', { endpoint: '10.0.2.11' }), 0);
  assert.equal(sampleValue(e, 'meridian_endpoint_down_votes', { endpoint: '10.0.2.11' }), 2);
  assert.deepEqual(findSamples(e, 'meridian_endpoint_seen_up', { endpoint: '10.0.2.11' }).map((s) => [s.labels.vantage, s.value]), [['ra', 0], ['rb', 0]]);
  assert.equal(sampleValue(e, 'meridian_answer_region', { region: 'rb' }), 0);
  assert.equal(sampleValue(e, 'meridian_answer_share_ratio', { region: 'ra' }), 1);
  // rb's view goes stale: it no longer votes and its view is no longer reported; unknown is not reported either.
  state = stateOf(view('ra', { ...rbDown, 'web/ra/10.0.1.12': 'unknown' }), { view: view('rb', rbDown), fresh: false });
  e = await scrape(m);
  assert.equal(findSamples(e, 'meridian_endpoint_seen_up', { vantage: 'rb' }).length, 0);
  assert.equal(findSamples(e, 'meridian_endpoint_seen_up', { endpoint: '10.0.1.12' }).length, 0);
  assert.equal(sampleValue(e, 'meridian_peer_view_fresh', { peer: 'rb' }), 0);
  assert.equal(sampleValue(e, 'meridian_endpoint_voters', { endpoint: '10.0.2.11' }), 1);
});

test('instrumentProbe counts and times every result of the endpoints it knows, and passes results through', async () => {
  const m = metricsFor(() => stateOf(view('ra', allUp)));
  const results: ProbeResult[] = [{ kind: 'ok', latencyMs: 3 }, { kind: 'failed', reason: 'timeout', latencyMs: 400 }];
  let i = 0;
  const probe = m.instrumentProbe(async () => results[i++ % results.length] as ProbeResult);
  const target = (address: string): ProbeTarget => ({ address, port: 80, path: '/healthz', hostname: 'web.global.test', timeoutMs: 400 });
  assert.deepEqual(await probe(target('10.0.1.11'), {}), results[0]);
  assert.deepEqual(await probe(target('10.0.1.11'), {}), results[1]);
  await probe(target('192.0.2.1'), {}); // not an endpoint of the topology: passed through, not counted
  const e = await scrape(m);
  const labels = { service: 'web', region: 'ra', endpoint: '10.0.1.11', vantage: 'ra' };
  assert.equal(sampleValue(e, 'meridian_probe_results_total', { ...labels, result: 'ok' }), 1);
  assert.equal(sampleValue(e, 'meridian_probe_results_total', { ...labels, result: 'timeout' }), 1);
  assert.equal(sampleValue(e, 'meridian_probe_duration_seconds_sum', labels), 0.403);
  assert.equal(sampleValue(e, 'meridian_probe_duration_seconds_count', { ...labels, endpoint: '10.0.1.12' }), 0);
  assert.equal(findSamples(e, 'meridian_probe_results_total', { endpoint: '192.0.2.1' }).length, 0);
});

test('DNS queries: bounded qtype and rcode labels', async () => {
  const m = metricsFor(() => stateOf(view('ra', allUp)));
  for (const q of [
    { qtype: 'A', rcode: 'NOERROR', transport: 'udp' },
    { qtype: 'A', rcode: 'NOERROR', transport: 'udp' },
    { qtype: 'TYPE65280', rcode: 'NOERROR', transport: 'udp' },
    { qtype: '', rcode: 'RCODE11', transport: 'tcp' },
  ] as const) m.recordDnsQuery(q);
  const e = await scrape(m);
  assert.equal(sampleValue(e, 'meridian_dns_queries_total', { qtype: 'A', rcode: 'NOERROR', transport: 'udp' }), 2);
  assert.equal(sampleValue(e, 'meridian_dns_queries_total', { qtype: 'OTHER', rcode: 'NOERROR', transport: 'udp' }), 1);
  assert.equal(sampleValue(e, 'meridian_dns_queries_total', { qtype: 'OTHER', rcode: 'OTHER', transport: 'tcp' }), 1);
});

test('two agents in one process keep separate registries', async () => {
  const a = metricsFor(() => stateOf(view('ra', allUp)));
  const b = new AgentMetrics({ topology: TOPOLOGY, region: 'rb', bootId: 'b2', state: () => stateOf(view('ra', allUp)) });
  a.recordDnsQuery({ qtype: 'A', rcode: 'NOERROR', transport: 'udp' });
  assert.equal(findSamples(await scrape(b), 'meridian_dns_queries_total').length, 0);
  assert.equal(sampleValue(await scrape(b), 'meridian_agent_info', { region: 'rb' }), 1);
  assert.equal(findSamples(await scrape(b), 'nodejs_active_handles_total').length, 0, 'gauges named like counters are removed');
  assert.ok(findSamples(await scrape(b), 'process_cpu_user_seconds_total').length === 1);
});
