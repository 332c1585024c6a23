/**
 * The approval decision (failover/approval.ts), table-tested: which plans wait for an operator,
 * which records each tick writes, and every transition of a run (raised, approved and used,
 * rejected and held back, expired, not needed); and the operator's answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answerRun, gateApproval, reconcile,
  type ApprovalMode, type ApprovalRun, type GateDecision, type GateInput, type Plan,
} from '../../../src/failover/index.ts';
import { NOW, member, primaryDown, storeState } from './fixtures.ts';

const EXPIRY = 600_000;
const healthy = storeState([member('eu-west', { role: 'primary', upstream: null }), member('us-east'), member('ap-south')]);
/** The primary's region is down and its lease has expired: the reconciler's first failover plan (fence, freezes). */
const lost = storeState([primaryDown(), member('us-east'), member('ap-south')], { lease: { kind: 'expired' } });
const lostPlan = reconcile(lost, NOW);
const GO: GateDecision = { execute: true };
const LEASE_HELD: GateDecision = { execute: false, code: 'lease-held', why: 'no failover: the primary lease of eu-west is still held' };

function run(over: Partial<ApprovalRun> = {}): ApprovalRun {
  return {
    id: 'orders-abc', store: 'orders', situation: 'eu-west@7', subject: 'eu-west', summary: 'fail over orders away from eu-west',
    why: 'region eu-west is down by quorum', steps: [{ id: 'freeze:us-east', kind: 'freeze', reason: 'r' }],
    detectedAtMs: NOW - 1000, expiresAtMs: NOW - 1000 + EXPIRY, state: 'pending', ...over,
  };
}

function gate(over: Partial<GateInput> & { mode?: ApprovalMode } = {}) {
  const plan: Plan = over.plan ?? lostPlan;
  return gateApproval({
    mode: 'manual', expiryMs: EXPIRY, nowMs: NOW, plan, state: lost, current: null,
    plannedSteps: () => [{ id: 'freeze:us-east', kind: 'freeze', reason: 'planned' }],
    ...(plan.kind === 'run' ? { decision: GO } : {}),
    ...over,
  });
}

describe('approval: which plans wait for an operator', () => {
  it('the failover plan is a new runbook away from the primary (the premise of the table)', () => {
    assert.equal(lostPlan.kind, 'run');
    assert.ok(lostPlan.kind === 'run' && lostPlan.steps.some((s) => s.kind === 'freeze'));
  });

  const cases: { name: string; input: Parameters<typeof gate>[0]; execute: boolean; code?: string; writes: string[] }[] = [
    { name: 'automatic: the failover runs, nothing is recorded', input: { mode: 'automatic' }, execute: true, writes: [] },
    { name: 'manual: the failover waits, a pending run is raised', input: {}, execute: false, code: 'approval', writes: ['pending'] },
    { name: 'off: the failover waits, nothing is recorded', input: { mode: 'off' }, execute: false, code: 'approval-off', writes: [] },
    { name: 'manual, the lease still held: the other rule stands, no run is raised', input: { decision: LEASE_HELD }, execute: false, code: 'lease-held', writes: [] },
    { name: 'off, paused: the pause is the reason', input: { mode: 'off', decision: { execute: false, code: 'paused', why: 'paused' } }, execute: false, code: 'paused', writes: [] },
    {
      name: 'manual, the runbook is already open (approved earlier, continued): runs without asking again',
      input: { state: { ...lost, runbook: { runbookId: lostPlan.kind === 'run' ? lostPlan.runbookId : '', kind: 'failover', subject: 'eu-west', completed: [] } } },
      execute: true, writes: [],
    },
    {
      name: 'manual, a healthy store brought in line (repoint, rebuild): never waits',
      input: { state: healthy, plan: { kind: 'run', runbook: 'failover', runbookId: 'orders/failover/eu-west/1', subject: 'eu-west', token: 9n, summary: 'bring orders in line', steps: [{ kind: 'repoint', id: 'repoint:us-east', region: 'us-east', to: 'eu-west', reason: 'r' }] } },
      execute: true, writes: [],
    },
    {
      name: 'off, the recorded primary re-promoted (its promotion did not finish): not a failover, runs',
      input: { mode: 'off', state: healthy, plan: { kind: 'run', runbook: 'failover', runbookId: 'orders/failover/eu-west/1', subject: 'eu-west', token: 9n, summary: 'finish', steps: [{ kind: 'promote', id: 'promote:eu-west', region: 'eu-west', sync: null, reason: 'r' }] } },
      execute: true, writes: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = gate(c.input);
      assert.equal(out.decision?.execute, c.execute, JSON.stringify(out.decision));
      if (c.code) assert.equal(out.decision && !out.decision.execute ? out.decision.code : undefined, c.code);
      assert.deepEqual(out.writes.map((w) => w.state), c.writes);
    });
  }

  it('off says "approval: off" in its reason', () => {
    const out = gate({ mode: 'off' });
    assert.match(out.decision && !out.decision.execute ? out.decision.why : '', /^no failover: approval: off/);
  });
});

describe('approval: a run through its life (manual)', () => {
  it('raised: an id, the store, the planned steps, the detection, detected-at and expires-at; the reason names it', () => {
    const out = gate();
    const raised = out.writes[0]!;
    assert.equal(raised.id, `orders-${NOW.toString(36)}`);
    assert.equal(raised.state, 'pending');
    assert.equal(raised.situation, 'eu-west@7');
    assert.deepEqual(raised.steps.map((s) => s.id), ['freeze:us-east']);
    assert.match(raised.why, /region eu-west is down by quorum; its primary lease has expired/);
    assert.equal(raised.detectedAtMs, NOW);
    assert.equal(raised.expiresAtMs, NOW + EXPIRY);
    assert.equal(out.decision?.execute, false);
    assert.equal(out.decision && !out.decision.execute && out.decision.why,
      `no failover: waiting for approval of run ${raised.id} (expires at ${new Date(NOW + EXPIRY).toISOString()}): meridian approve ${raised.id}, or meridian reject ${raised.id}`);
  });

  it('pending: the next ticks wait for it and write nothing', () => {
    const out = gate({ current: run(), nowMs: NOW + 5000 });
    assert.deepEqual(out.writes, []);
    assert.equal(out.decision && !out.decision.execute && out.decision.code, 'approval');
  });

  it('approved: the tick runs the failover and records the run as running, naming the runbook', () => {
    const out = gate({ current: run({ state: 'approved', decidedBy: 'alice', decidedAtMs: NOW - 10 }) });
    assert.deepEqual(out.decision, { execute: true });
    assert.equal(out.writes.length, 1);
    assert.equal(out.writes[0]!.state, 'running');
    assert.equal(out.writes[0]!.runbookId, lostPlan.kind === 'run' ? lostPlan.runbookId : '');
  });

  it('approved, but another rule holds it (paused): waits, the approval is kept', () => {
    const out = gate({ current: run({ state: 'approved' }), decision: { execute: false, code: 'paused', why: 'paused' } });
    assert.deepEqual(out.writes, []);
    assert.equal(out.decision && !out.decision.execute && out.decision.code, 'paused');
  });

  it('approved, the store healed meanwhile: closed as not needed, saying why; nothing runs', () => {
    const noop = reconcile(healthy, NOW);
    assert.equal(noop.kind, 'noop');
    const out = gate({ current: run({ state: 'approved' }), plan: noop, state: healthy });
    assert.equal(out.decision, undefined);
    assert.deepEqual(out.writes.map((w) => w.state), ['not-needed']);
    assert.match(out.writes[0]!.note ?? '', /^the store no longer needs it: eu-west is the primary/);
  });

  it('pending, the plan blocked (no candidate): the primary is still down, the run stays', () => {
    const out = gate({ current: run(), plan: { kind: 'blocked', reason: 'no failover: no candidate', code: 'no-candidate' } });
    assert.deepEqual(out.writes, []);
  });

  it('pending, a new situation (the primary came back with a new token, then was lost again): the old run is not needed, a new one is raised', () => {
    const out = gate({ current: run({ situation: 'eu-west@5' }) });
    assert.deepEqual(out.writes.map((w) => w.state), ['not-needed', 'pending']);
    assert.notEqual(out.writes[1]!.id, 'orders-abc');
  });

  it('pending past its expiry: recorded expired, and a new run raised at once while the failure persists', () => {
    const out = gate({ current: run(), nowMs: NOW - 1000 + EXPIRY });
    assert.deepEqual(out.writes.map((w) => w.state), ['expired', 'pending']);
    assert.match(out.writes[0]!.note ?? '', /^not approved by /);
    assert.equal(out.writes[1]!.expiresAtMs, NOW - 1000 + 2 * EXPIRY);
  });

  it('pending past its expiry and the store healthy: expired, nothing raised', () => {
    const out = gate({ current: run(), nowMs: NOW + EXPIRY, plan: reconcile(healthy, NOW + EXPIRY), state: healthy });
    assert.deepEqual(out.writes.map((w) => w.state), ['expired']);
  });

  it('rejected: the same situation raises no new run while the rejection holds; the reason says who and until when', () => {
    const rejected = run({ state: 'rejected', decidedBy: 'bob', decidedAtMs: NOW - 500, note: 'eu-west is being fixed' });
    for (const at of [NOW, NOW + EXPIRY - 501]) {
      const out = gate({ current: rejected, nowMs: at });
      assert.deepEqual(out.writes, [], `at +${at - NOW} ms`);
      assert.equal(out.decision && !out.decision.execute && out.decision.code, 'rejected');
      assert.match(out.decision && !out.decision.execute ? out.decision.why : '', /run orders-abc was rejected by bob \(eu-west is being fixed\); no new run for this situation before/);
    }
  });

  it('rejected, once the hold is over: a new run is raised if the failure persists', () => {
    const out = gate({ current: run({ state: 'rejected', decidedBy: 'bob', decidedAtMs: NOW - EXPIRY }) });
    assert.deepEqual(out.writes.map((w) => w.state), ['pending']);
  });

  it('rejected, a different situation: a new run is raised at once', () => {
    const out = gate({ current: run({ state: 'rejected', decidedBy: 'bob', decidedAtMs: NOW, situation: 'us-east@3' }) });
    assert.deepEqual(out.writes.map((w) => w.state), ['pending']);
  });

  it('a run left pending, the mode now automatic: closed as not needed, the failover runs', () => {
    const out = gate({ mode: 'automatic', current: run() });
    assert.deepEqual(out.decision, { execute: true });
    assert.deepEqual(out.writes.map((w) => [w.state, w.note]), [['not-needed', 'failover.approval is automatic now']]);
  });
});

describe('approval: the operator\'s answers', () => {
  const approve = (id: string) => ({ kind: 'approve' as const, id, by: 'alice' });
  const reject = (id: string) => ({ kind: 'reject' as const, id, by: 'bob', reason: 'not now' });

  it('approve a pending run: approved, by whom, a fresh expiry', () => {
    const out = answerRun(run(), approve('orders-abc'), NOW, EXPIRY);
    assert.equal(out.kind, 'recorded');
    assert.ok(out.kind === 'recorded');
    assert.equal(out.run.state, 'approved');
    assert.equal(out.run.decidedBy, 'alice');
    assert.equal(out.run.expiresAtMs, NOW + EXPIRY);
  });

  it('reject a pending run: rejected, by whom, with the reason', () => {
    const out = answerRun(run(), reject('orders-abc'), NOW, EXPIRY);
    assert.ok(out.kind === 'recorded');
    assert.deepEqual([out.run.state, out.run.decidedBy, out.run.note], ['rejected', 'bob', 'not now']);
    assert.match(out.says, /nothing changes/);
  });

  it('approve a rejected run: takes the rejection back', () => {
    const out = answerRun(run({ state: 'rejected', decidedBy: 'bob' }), approve('orders-abc'), NOW, EXPIRY);
    assert.ok(out.kind === 'recorded' && out.run.state === 'approved');
  });

  const refusals: { name: string; current: ApprovalRun | null; answer: ReturnType<typeof approve> | ReturnType<typeof reject>; status: number; says: RegExp }[] = [
    { name: 'no run at all', current: null, answer: approve('orders-abc'), status: 404, says: /^no run orders-abc to approve \(the store has no run\)/ },
    { name: 'another id', current: run(), answer: approve('orders-zzz'), status: 404, says: /the store's current run is orders-abc, pending/ },
    { name: 'expired (not yet recorded)', current: run(), answer: approve('orders-abc'), status: 409, says: /^run orders-abc is expired/ },
    { name: 'reject a rejected run', current: run({ state: 'rejected', decidedBy: 'bob' }), answer: reject('orders-abc'), status: 409, says: /is rejected \(by bob\): it can no longer be rejected/ },
    { name: 'approve a running one', current: run({ state: 'running' }), answer: approve('orders-abc'), status: 409, says: /is running/ },
  ];
  for (const r of refusals) {
    it(`refused: ${r.name}`, () => {
      const at = r.name.startsWith('expired') ? NOW + EXPIRY : NOW;
      const out = answerRun(r.current, r.answer, at, EXPIRY);
      assert.ok(out.kind === 'refused', JSON.stringify(out));
      assert.equal(out.status, r.status);
      assert.match(out.says, r.says);
    });
  }
});



