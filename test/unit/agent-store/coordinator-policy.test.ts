/** Which planner the coordinator calls and whether it executes the plan (coordinator-policy.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choosePlan, shouldExecute } from '../../../src/agent/store/index.ts';
import type { Plan, RunPlan } from '../../../src/failover/index.ts';
import { LSN, NOW, frozen, member, storeState } from '../failover/fixtures.ts';

const AUTO = { automatic: true, autoRejoin: true };
const primary = member('eu-west', { role: 'primary', upstream: null, replayLsn: LSN('0/3000100') });
const healthy = [primary, member('us-east'), member('ap-south')];
const dbDown = [{ ...primary, reachable: false }, member('us-east', { replayLsn: LSN('0/3000080') }), member('ap-south')];

function asRun(plan: Plan): RunPlan {
  assert.equal(plan.kind, 'run', plan.kind !== 'run' ? plan.reason : '');
  return plan as RunPlan;
}

test('a healthy store: noop', () => {
  assert.equal(choosePlan(storeState(healthy), NOW, AUTO).kind, 'noop');
});

test('primary database down and its lease still held: failover planned, NOT executed', () => {
  const state = storeState(dbDown);
  const plan = asRun(choosePlan(state, NOW, AUTO));
  const decision = shouldExecute(plan, state, { ...AUTO, operator: false });
  assert.equal(decision.execute, false);
  assert.match(decision.execute ? '' : decision.why, /still held/);
});

test('primary database down and its lease expired: the standbys are frozen, then the failover is executed', () => {
  const state = storeState(dbDown, { lease: { kind: 'expired' } });
  const freeze = asRun(choosePlan(state, NOW, AUTO));
  assert.deepEqual(freeze.steps.map((s) => s.kind), ['await-fence', 'freeze', 'freeze']);
  assert.deepEqual(shouldExecute(freeze, state, { ...AUTO, operator: false }), { execute: true });
  const frozenState = storeState([dbDown[0]!, frozen('us-east', { replayLsn: LSN('0/3000080') }), frozen('ap-south')], { lease: { kind: 'expired' } });
  const plan = asRun(choosePlan(frozenState, NOW, AUTO));
  assert.ok(plan.steps.some((s) => s.kind === 'promote' && s.region === 'us-east'));
  assert.deepEqual(shouldExecute(plan, frozenState, { ...AUTO, operator: false }), { execute: true });
});

test('paused: nothing runs by itself, and the reason names who paused and how to resume', () => {
  const state = storeState(dbDown, { lease: { kind: 'expired' }, paused: { by: 'alice', reason: 'maintenance', at: '2026-12-07T10:00:00Z' } });
  const plan = asRun(choosePlan(state, NOW, AUTO));
  const decision = shouldExecute(plan, state, { ...AUTO, operator: false });
  assert.equal(decision.execute, false);
  assert.match(decision.execute ? '' : decision.why, /paused by alice .*maintenance.*meridian resume --store orders/);
  assert.equal(shouldExecute(plan, state, { ...AUTO, operator: true }).execute, true, "an operator's own request runs");
});

test('failover.automatic=false: reported only, unless an operator asked', () => {
  const state = storeState(dbDown, { lease: { kind: 'expired' } });
  const plan = asRun(choosePlan(state, NOW, AUTO));
  assert.equal(shouldExecute(plan, state, { automatic: false, operator: false }).execute, false);
  assert.equal(shouldExecute(plan, state, { automatic: false, operator: true }).execute, true);
});

test('converging steps (repoint a standby) run while the lease is held', () => {
  const state = storeState([primary, member('us-east', { upstream: null }), member('ap-south')]);
  const plan = asRun(choosePlan(state, NOW, AUTO));
  assert.deepEqual(plan.steps.map((s) => s.kind), ['repoint']);
  assert.deepEqual(shouldExecute(plan, state, { ...AUTO, operator: false }), { execute: true });
});

test('an unfinished switchover is continued by the switchover planner', () => {
  const runbook = { runbookId: 'orders/switchover/us-east/1', kind: 'switchover' as const, subject: 'us-east', completed: [] };
  const plan = asRun(choosePlan(storeState(healthy, { runbook }), NOW, AUTO));
  assert.equal(plan.runbook, 'switchover');
  assert.equal(plan.runbookId, runbook.runbookId);
});

test('an unfinished switchover whose primary died falls back to a failover', () => {
  const runbook = { runbookId: 'orders/switchover/us-east/1', kind: 'switchover' as const, subject: 'us-east', completed: [] };
  const plan = asRun(choosePlan(storeState(dbDown, { runbook, lease: { kind: 'expired' } }), NOW, AUTO));
  assert.equal(plan.runbook, 'failover');
});

test('autoRejoin (the default): a reachable member marked for rejoin is rebuilt by the reconciler; off: left to an operator', () => {
  const members = [primary, member('us-east'), member('ap-south', { role: 'primary', upstream: null, needsRejoin: true, writable: false })];
  const plan = asRun(choosePlan(storeState(members), NOW, AUTO));
  assert.deepEqual(plan.steps.map((s) => s.id), ['rejoin:ap-south<-eu-west:rewind']);
  const off = choosePlan(storeState(members), NOW, { automatic: true, autoRejoin: false });
  assert.equal(off.kind, 'noop');
  assert.match(off.reason, /meridian db rejoin --store orders --region ap-south/);
});
