import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentMetrics, AgentObserver } from '../../../src/observe/index.ts';
import { findSamples, parsePrometheusText, sampleValue } from '../../../src/observe/prom-text.ts';
import { storeChanges, type StoreReading, type StoresReading } from '../../../src/observe/stores.ts';
import { TOPOLOGY, stateOf, view } from './fixtures.ts';

const store = (over: Partial<StoreReading> = {}): StoreReading => ({
  store: 'orders',
  supervised: true,
  etcd: { ok: true },
  primary: { region: 'ra', token: '3' },
  coordinator: { holder: 'ra', token: '11', self: true },
  local: { role: 'primary', fenced: false, reason: 'holds the lease' },
  lastRunbook: null,
  ...over,
});
const reading = (...stores: StoreReading[]): StoresReading => ({ supervised: true, stores });

const runbook = {
  runbookId: 'rb-1',
  kind: 'failover',
  summary: 'promote rb',
  outcome: 'completed',
  steps: [
    { stepId: 's1', kind: 'fence', result: 'ok', detail: '', startedAt: '2025-01-01T12:00:00.000Z', endedAt: '2025-01-01T12:00:00.250Z' },
    { stepId: 's2', kind: 'promote', result: 'ok', detail: 'timeline 4', startedAt: '2025-01-01T12:00:00.250Z', endedAt: '2025-01-01T12:00:01.750Z' },
  ],
};

test('no change, nothing recorded', () => {
  const r = reading(store());
  assert.deepEqual(storeChanges('ra', r, r, new Set()), { events: [], steps: [], fenceTrips: [], running: [] });
});

test('the first reading names the primary; a move names both regions and the term', () => {
  const first = storeChanges('ra', undefined, reading(store()), new Set());
  assert.deepEqual(first.events.map((e) => e.summary), ['orders: primary is ra (term 3), as ra reads it']);
  const moved = storeChanges('ra', reading(store()), reading(store({ primary: { region: 'rb', token: '4' } })), new Set());
  assert.deepEqual(moved.events.map((e) => e.summary), ['orders: primary moved from ra to rb (term 4), as ra reads it']);
});

test('fencing is a guard trip, once per transition', () => {
  const fenced = store({ local: { role: 'primary', fenced: true, reason: 'lost the primary lease' } });
  const c = storeChanges('ra', reading(store()), reading(fenced), new Set());
  assert.deepEqual(c.fenceTrips, ['orders']);
  assert.deepEqual(c.events.map((e) => e.summary), ["orders: ra's database fenced (lost the primary lease)"]);
  assert.deepEqual(storeChanges('ra', reading(fenced), reading(fenced), new Set()).fenceTrips, []);
});

test('a finished runbook: each step once, dated by its end, with its duration', () => {
  const seen = new Set<string>();
  const after = reading(store({ lastRunbook: runbook }));
  const c = storeChanges('ra', reading(store()), after, seen);
  assert.deepEqual(c.steps, [
    { store: 'orders', runbook: 'failover', step: 'fence', result: 'ok', seconds: 0.25 },
    { store: 'orders', runbook: 'failover', step: 'promote', result: 'ok', seconds: 1.5 },
  ]);
  assert.deepEqual(c.events.map((e) => [e.atMs, e.summary]), [
    [Date.parse('2025-01-01T12:00:00.250Z'), 'orders: failover step s1 ok'],
    [Date.parse('2025-01-01T12:00:01.750Z'), 'orders: failover step s2 ok: timeline 4'],
    [Date.parse('2025-01-01T12:00:01.750Z'), 'orders: failover runbook completed (promote rb)'],
  ]);
  assert.deepEqual(storeChanges('ra', after, after, seen), { events: [], steps: [], fenceTrips: [], running: [] }, 'reported once');
});

test('a running runbook: each audit record as it appears, then only the outcome when it has ended', () => {
  const seen = new Set<string>();
  const started = { stepId: 's1', kind: 'fence', result: 'started', detail: 'fence ra', startedAt: '2025-01-01T12:00:00.000Z' };
  const fenced = { ...started, result: 'ok', detail: '', endedAt: '2025-01-01T12:00:00.250Z' };
  const running = (...steps: (typeof started)[]) => reading(store({ runningRunbook: { ...runbook, outcome: 'running', steps } }));
  const first = storeChanges('ra', reading(store()), running(started), seen);
  assert.deepEqual(first.events.map((e) => e.summary), ['orders: failover step s1 started: fence ra']);
  assert.deepEqual(first.steps, [], 'nothing counted before a step ends');
  assert.deepEqual(first.running, [{ store: 'orders', runbook: 'failover', running: true }]);
  const second = storeChanges('ra', running(started), running(started, fenced), seen);
  assert.deepEqual(second.events.map((e) => [e.atMs, e.summary]), [[Date.parse('2025-01-01T12:00:00.250Z'), 'orders: failover step s1 ok']]);
  assert.deepEqual(second.steps, [{ store: 'orders', runbook: 'failover', step: 'fence', result: 'ok', seconds: 0.25 }]);
  const ended = reading(store({ lastRunbook: { ...runbook, steps: [started, fenced, ...runbook.steps.slice(1)] } }));
  const last = storeChanges('ra', running(started, fenced), ended, seen);
  assert.deepEqual(last.events.map((e) => e.summary), [
    'orders: failover step s2 ok: timeline 4',
    'orders: failover runbook completed (promote rb)',
  ], 'steps already reported while running are not repeated');
  assert.deepEqual(last.steps.map((st) => st.step), ['promote']);
  assert.deepEqual(last.running, [{ store: 'orders', runbook: 'failover', running: false }]);
});

test('store gauges come from the supervision status at scrape time; absent without supervision', async () => {
  let stores: StoresReading | undefined = { supervised: false, reason: 'no stores', stores: [] };
  const m = new AgentMetrics({ topology: TOPOLOGY, region: 'ra', bootId: 'b', defaultMetrics: false, state: () => ({ ...stateOf(view('ra', {})), ...(stores ? { stores } : {}) }) });
  let e = parsePrometheusText(await m.exposition());
  assert.equal(findSamples(e, 'meridian_coordinator_reachable').length, 0);
  stores = reading(store({ coordinator: { holder: 'rb', token: '12', self: false }, etcd: { ok: false, reason: 'no quorum' } }));
  e = parsePrometheusText(await m.exposition());
  assert.equal(sampleValue(e, 'meridian_coordinator_reachable', { backend: 'etcd' }), 0);
  assert.equal(sampleValue(e, 'meridian_coordinator_lease_held', { store: 'orders' }), 0);
  assert.equal(sampleValue(e, 'meridian_coordinator_term', { store: 'orders' }), 3);
  assert.deepEqual(findSamples(e, 'meridian_store_primary').map((s) => [s.labels.region, s.value]), [['ra', 1], ['rb', 0]]);
  m.recordFinishedSteps(storeChanges('ra', undefined, reading(store({ lastRunbook: runbook })), new Set()).steps);
  e = parsePrometheusText(await m.exposition());
  assert.equal(sampleValue(e, 'meridian_runbook_steps_total', { step: 'promote', result: 'ok' }), 1);
  assert.equal(sampleValue(e, 'meridian_runbook_step_duration_seconds_sum', { step: 'promote' }), 1.5);
});

test('replication lag: the observer feeds the lag gauges from the status rows, and drops series that left', async () => {
  let stores: StoresReading = reading(store({
    replication: [
      { region: 'rb', lagBytes: 8192, lagSeconds: 0.125, state: 'streaming', syncState: 'async' },
      { region: 'rc', lagBytes: null, lagSeconds: null, state: 'startup', syncState: 'async' },
    ],
  }));
  const observer = new AgentObserver({ topology: TOPOLOGY, region: 'ra', bootId: 'b', defaultMetrics: false, state: () => ({ ...stateOf(view('ra', {})), stores }) });
  let e = parsePrometheusText(await observer.metrics.exposition());
  assert.equal(findSamples(e, 'meridian_store_replication_lag_bytes').length, 0, 'nothing before the first merge tick');
  observer.storesObserved();
  e = parsePrometheusText(await observer.metrics.exposition());
  assert.equal(sampleValue(e, 'meridian_store_replication_lag_bytes', { store: 'orders', region: 'rb' }), 8192);
  assert.equal(sampleValue(e, 'meridian_store_replication_lag_seconds', { store: 'orders', region: 'rb' }), 0.125);
  assert.deepEqual(findSamples(e, 'meridian_store_replication_lag_bytes').map((s) => s.labels.region), ['rb'], 'no replay position: no bytes series');
  assert.deepEqual(findSamples(e, 'meridian_store_replication_lag_seconds').map((s) => s.labels.region), ['rb']);
  assert.deepEqual(findSamples(e, 'meridian_store_replica_synchronous').map((s) => [s.labels.region, s.value]), [['rb', 0], ['rc', 0]], 'async and starting: neither confirms commits');
  stores = reading(store({ replication: [{ region: 'rb', lagBytes: 512, lagSeconds: 0, state: 'streaming', syncState: 'quorum' }] }));
  observer.storesObserved();
  e = parsePrometheusText(await observer.metrics.exposition());
  assert.deepEqual(findSamples(e, 'meridian_store_replica_synchronous').map((s) => [s.labels.region, s.value]), [['rb', 1]], 'a quorum standby (ANY 1) confirms commits; rc left, so did its series');
  // The primary stopped answering: the rows are gone, and so are the series (no stale lag).
  stores = reading(store({ replication: [] }));
  observer.storesObserved();
  e = parsePrometheusText(await observer.metrics.exposition());
  assert.equal(findSamples(e, 'meridian_store_replication_lag_bytes').length, 0);
  assert.equal(findSamples(e, 'meridian_store_replication_lag_seconds').length, 0);
  assert.equal(findSamples(e, 'meridian_store_replica_synchronous').length, 0);
});

test('meridian_runbook_running: 1 while this agent runs a runbook of that kind, 0 after; absent before one ran here', async () => {
  const running = { ...runbook, outcome: 'running', steps: runbook.steps.slice(0, 1) };
  let stores: StoresReading = reading(store());
  const observer = new AgentObserver({ topology: TOPOLOGY, region: 'ra', bootId: 'b', defaultMetrics: false, state: () => ({ ...stateOf(view('ra', {})), stores }) });
  const series = async () => findSamples(parsePrometheusText(await observer.metrics.exposition()), 'meridian_runbook_running').map((s) => [s.labels.store, s.labels.runbook, s.value]);
  observer.storesObserved();
  assert.deepEqual(await series(), []);
  stores = reading(store({ runningRunbook: running }));
  observer.storesObserved();
  assert.deepEqual(await series(), [['orders', 'failover', 1]]);
  observer.storesObserved();
  assert.deepEqual(await series(), [['orders', 'failover', 1]], 'no change while it runs');
  stores = reading(store({ lastRunbook: runbook, runningRunbook: null }));
  observer.storesObserved();
  assert.deepEqual(await series(), [['orders', 'failover', 0]]);
  stores = reading(store({ lastRunbook: runbook, runningRunbook: { ...running, kind: 'rejoin' } }));
  observer.storesObserved();
  assert.deepEqual((await series()).sort(), [['orders', 'failover', 0], ['orders', 'rejoin', 1]]);
});

test('the reason the reconciler waits is a timeline event when it starts and when it clears, and a metric label', async () => {
  const waiting = store({ lastPlan: { kind: 'run', reason: 'fail over orders', notExecuted: 'no failover: the primary lease of ra is still held (token 3)', waiting: 'lease-held' } });
  const acting = store({ lastPlan: { kind: 'run', reason: 'fail over orders' } });
  const started = storeChanges('rb', reading(acting), reading(waiting), new Set());
  assert.deepEqual(started.events.map((e) => e.summary), ['orders: the reconciler waits (lease-held): no failover: the primary lease of ra is still held (token 3)']);
  assert.deepEqual(storeChanges('rb', reading(waiting), reading(waiting), new Set()).events, [], 'once per change');
  const cleared = storeChanges('rb', reading(waiting), reading(acting), new Set());
  assert.deepEqual(cleared.events.map((e) => e.summary), ['orders: the reconciler no longer waits (lease-held cleared): fail over orders']);

  const paused = store({ paused: { by: 'alice', reason: 'upgrade', at: '2026-01-01T00:00:00Z' }, lastPlan: { kind: 'run', reason: 'r', waiting: 'paused' } });
  const m = new AgentMetrics({ topology: TOPOLOGY, region: 'ra', bootId: 'b', defaultMetrics: false, state: () => ({ ...stateOf(view('ra', {})), stores: reading(paused) }) });
  const samples = parsePrometheusText(await m.exposition());
  assert.equal(sampleValue(samples, 'meridian_store_waiting', { store: 'orders', why: 'paused' }), 1);
  assert.equal(sampleValue(samples, 'meridian_store_paused', { store: 'orders' }), 1);
});
