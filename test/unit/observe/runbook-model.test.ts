/**
 * The dashboard's runbook model (src/observe/dashboard/runbook-model.js): the running runbook with
 * its current and pending steps, the last one after it ended, which agent's report wins, the
 * plan line; and the same file inlined into the page still defines the functions the client calls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { foldRunbookSteps, runbookPanels, runbookProgressText, type RunbookAgentReading } from '../../../src/observe/dashboard/runbook-model.js';
import { asClassicScript, dashboardHtml } from '../../../src/observe/dashboard/page.ts';
import type { RunbookStatus, StoreStatus } from '../../../src/agent/store/index.ts';

const T = Date.parse('2025-01-01T12:00:00.000Z');
const iso = (ms: number) => new Date(T + ms).toISOString();
type Step = RunbookStatus['steps'][number];

/** Audit records as the executor writes them: the runbook opens, each step starts then ends. */
const opened: Step = { stepId: 'runbook', kind: 'runbook', result: 'started', detail: 'promote rb; 3 step(s): s1, s2, s3', token: '4', startedAt: iso(0) };
const s1 = [
  { stepId: 's1', kind: 'fence-old', result: 'started', detail: 'ra lost its lease', token: '4', startedAt: iso(10) },
  { stepId: 's1', kind: 'fence-old', result: 'ok', detail: 'fenced by lease expiry', token: '4', startedAt: iso(10), endedAt: iso(210) },
] satisfies Step[];
const s2Started: Step = { stepId: 's2', kind: 'promote', result: 'started', detail: 'rb is the most caught-up replica', token: '4', startedAt: iso(220) };
const s2Failed: Step = { ...s2Started, result: 'failed', detail: 'pg_ctl promote timed out', endedAt: iso(5_220) };
const closedFailed: Step = { stepId: 'runbook', kind: 'runbook', result: 'failed', detail: 'stopped at s2', token: '4', startedAt: iso(0), endedAt: iso(5_230) };

const running: RunbookStatus = { runbookId: 'orders/failover/4', kind: 'failover', summary: 'promote rb', outcome: 'running', steps: [opened, ...s1, s2Started] };
const failed: RunbookStatus = { ...running, outcome: 'failed', detail: 's2: pg_ctl promote timed out', steps: [opened, ...s1, s2Failed, closedFailed] };
const runPlan = { at: iso(0), kind: 'run' as const, reason: 'promote rb', executed: true, runbookId: 'orders/failover/4', steps: ['s1', 's2', 's3'] };

/** A store as an agent's /status reports it (the agent's own type, so the fixture follows it). */
function store(over: Partial<StoreStatus>): StoreStatus {
  return {
    store: 'orders', supervised: true, etcd: { ok: true }, primary: null, lease: null, marks: { rejoin: [], blocked: [] }, dns: {},
    coordinator: { holder: 'ra', token: '4', self: false }, local: null, replication: [], lastPlan: null, lastRunbook: null, runningRunbook: null,
    ...over,
  };
}
const agent = (region: string, ...stores: StoreStatus[]): RunbookAgentReading => ({ region, status: { stores: { supervised: true, stores } } });
const coordinator = { holder: 'ra', token: '4', self: true };

test('a running runbook: steps folded one row each, the current step, the plan\'s steps still to run', () => {
  const [panel, ...rest] = runbookPanels([agent('ra', store({ coordinator, lastPlan: runPlan, runningRunbook: running }))], T + 1_220);
  assert.deepEqual(rest, []);
  assert.equal(panel?.state, 'running');
  assert.equal(panel?.plan, null, 'the plan that started it is the runbook shown');
  const rb = panel?.runbook ?? assert.fail('no runbook');
  assert.deepEqual(rb.steps.map((s) => [s.stepId, s.kind, s.state, s.tookMs, s.detail]), [
    ['s1', 'fence-old', 'ok', 200, 'fenced by lease expiry'],
    ['s2', 'promote', 'running', 1_000, 'rb is the most caught-up replica'],
    ['s3', null, 'pending', null, ''],
  ]);
  assert.equal(rb.current?.stepId, 's2');
  assert.deepEqual([rb.coordinator, rb.startedAtMs, rb.endedAtMs, rb.tookMs], ['ra', T, null, 1_220]);
  assert.equal(runbookProgressText(rb), '1/3 steps');
});

test('after it ended: the last runbook with its steps and outcome, nothing current or pending', () => {
  const [panel] = runbookPanels([agent('ra', store({ coordinator, lastPlan: runPlan, lastRunbook: failed }))], T + 60_000);
  assert.equal(panel?.state, 'ended');
  const rb = panel?.runbook ?? assert.fail('no runbook');
  assert.deepEqual([rb.outcome, rb.detail, rb.current, rb.endedAtMs, rb.tookMs], ['failed', 's2: pg_ctl promote timed out', null, T + 5_230, 5_230]);
  assert.deepEqual(rb.steps.map((s) => [s.stepId, s.state, s.tookMs, s.detail]), [
    ['s1', 'ok', 200, 'fenced by lease expiry'],
    ['s2', 'failed', 5_000, 'pg_ctl promote timed out'],
  ]);
});

test('a step started and never ended in a runbook that ended is interrupted, not running', () => {
  const rows = foldRunbookSteps([opened, ...s1, s2Started], { running: false, planned: ['s1', 's2', 's3'], nowMs: T + 9_000 });
  assert.deepEqual(rows.map((s) => [s.stepId, s.state, s.tookMs]), [['s1', 'ok', 200], ['s2', 'interrupted', null]]);
});

test('running wins over ended; among ended runbooks the newest; the current coordinator first', () => {
  const older: RunbookStatus = { ...failed, runbookId: 'orders/failover/3', steps: failed.steps.map((s) => ({ ...s, startedAt: iso(-60_000), ...(s.endedAt ? { endedAt: iso(-55_000) } : {}) })) };
  const ended = runbookPanels([agent('rb', store({ lastRunbook: older })), agent('ra', store({ coordinator, lastRunbook: failed }))], T + 60_000);
  assert.deepEqual(ended.map((p) => [p.state, p.runbook?.runbookId, p.runbook?.coordinator]), [['ended', 'orders/failover/4', 'ra']]);

  const both = runbookPanels([
    agent('rb', store({ runningRunbook: { ...running, runbookId: 'stale' } })), // a coordinator that has not noticed it lost its lease
    agent('ra', store({ coordinator, lastRunbook: older, runningRunbook: running })),
  ], T + 1_000);
  assert.deepEqual(both.map((p) => [p.state, p.runbook?.runbookId, p.runbook?.coordinator, p.alsoRunning]), [['running', 'orders/failover/4', 'ra', ['rb']]]);
});

test('the coordinator stops answering mid-runbook: its runbook is shown as unknown, not an older one as the latest', () => {
  const older: RunbookStatus = { ...failed, runbookId: 'orders/failover/3', steps: failed.steps.map((s) => ({ ...s, startedAt: iso(-60_000), ...(s.endedAt ? { endedAt: iso(-55_000) } : {}) })) };
  const lostRa = { ...agent('ra', store({ coordinator, lastPlan: runPlan, runningRunbook: running })), lostSinceMs: T + 1_000 };
  const [panel] = runbookPanels([agent('rb', store({ lastRunbook: older }))], T + 30_000, [lostRa]);
  assert.equal(panel?.state, 'unknown');
  assert.equal(panel?.runbook?.runbookId, 'orders/failover/4');
  assert.equal(panel?.runbook?.outcome, 'unknown');
  assert.match(panel?.runbook?.detail ?? '', /^ra stopped answering while it ran this runbook/);
  assert.deepEqual(panel?.runbook?.steps.map((st) => [st.stepId, st.state]), [['s1', 'ok'], ['s2', 'unknown'], ['s3', 'pending']]);
  assert.equal(panel?.runbook?.steps[1]?.tookMs, 780, 'the step\'s time stops when ra was last seen');
  assert.equal(panel?.runbook?.current?.stepId, 's2');
  // Once an answering agent reports a newer runbook (the next coordinator's), that one is shown.
  const newer: RunbookStatus = { ...failed, runbookId: 'orders/failover/5', steps: failed.steps.map((s) => ({ ...s, startedAt: iso(20_000), ...(s.endedAt ? { endedAt: iso(25_000) } : {}) })) };
  const [after] = runbookPanels([agent('rb', store({ lastRunbook: newer }))], T + 30_000, [lostRa]);
  assert.deepEqual([after?.state, after?.runbook?.runbookId], ['ended', 'orders/failover/5']);
  // An answering agent's running runbook always wins.
  const [live] = runbookPanels([agent('rb', store({ runningRunbook: { ...running, runbookId: 'orders/failover/6' } }))], T + 30_000, [lostRa]);
  assert.deepEqual([live?.state, live?.runbook?.runbookId], ['running', 'orders/failover/6']);
});

test('the coordinator\'s plan is shown when it did not run; a noop plan and stores without runbooks are not', () => {
  const blocked = { at: iso(70_000), kind: 'blocked' as const, reason: 'no replica is eligible', executed: false };
  const [panel] = runbookPanels([agent('ra', store({ coordinator, lastPlan: blocked, lastRunbook: failed }))], T + 80_000);
  assert.deepEqual(panel?.plan, { at: iso(70_000), kind: 'blocked', reason: 'no replica is eligible', notExecuted: null, by: 'ra' });
  const [idle] = runbookPanels([agent('ra', store({ coordinator, lastPlan: blocked }))], T);
  assert.deepEqual([idle?.state, idle?.runbook], ['idle', null]);
  // A plan read by an agent that is not the coordinator is not its plan.
  assert.deepEqual(runbookPanels([agent('rb', store({ lastPlan: blocked }))], T), []);
  assert.deepEqual(runbookPanels([agent('ra', store({ coordinator, lastPlan: { ...blocked, kind: 'noop' } }))], T), []);
  assert.deepEqual(runbookPanels([{ region: 'ra', status: { stores: { supervised: false, stores: [] } } }, { region: 'rb', status: null }], T), []);
});

test('the page inlines the model as a classic script that defines what the client calls', () => {
  const script = asClassicScript(readFileSync(new URL('../../../src/observe/dashboard/runbook-model.js', import.meta.url), 'utf8'));
  assert.doesNotMatch(script, /^\s*(export|import)\b/m);
  const context: Record<string, unknown> = {};
  runInNewContext(script, context);
  const inPage = context.runbookPanels as typeof runbookPanels;
  const readings = [agent('ra', store({ coordinator, lastPlan: runPlan, runningRunbook: running }))];
  assert.deepEqual(JSON.parse(JSON.stringify(inPage(readings, T + 1_220))), JSON.parse(JSON.stringify(runbookPanels(readings, T + 1_220))));
  assert.ok(dashboardHtml().includes(script), 'the page carries the same script');
  assert.throws(() => asClassicScript("import { x } from './x.js';\nexport function f() {}\n"), /must not import/);
});
