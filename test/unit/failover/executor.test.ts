import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  executePlan, jsonlAuditSink, readJsonlAudit, runbookProgress, teeAudit, type StepRecord,
} from '../../../src/failover/index.ts';
import { MemoryAudit } from '../../../src/failover/testing/index.ts';
import { TIMING, endState, planNow, reconciler, threeRegions } from './world.ts';

const planFailover = reconciler();
const trail = (records: readonly StepRecord[]) => records.map((r) => `${r.stepId} ${r.result}`);

/** eu-west's region is cut; the first plan (fence, freeze) has run; returns the promotion plan. */
async function failedOver() {
  const cluster = threeRegions();
  const audit = new MemoryAudit();
  cluster.failRegion('eu-west');
  cluster.newCoordinator();
  const freeze = planNow(cluster, audit, planFailover);
  if (freeze.kind !== 'run') throw new Error('unreachable');
  const deps = { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING };
  const faultAt = cluster.clock.nowMs();
  assert.equal((await executePlan(freeze, deps)).kind, 'completed');
  const plan = planNow(cluster, audit, planFailover);
  assert.equal(plan.kind, 'run');
  if (plan.kind !== 'run') throw new Error('unreachable');
  return { cluster, audit, plan, deps, faultAt, freeze };
}

describe('executePlan', () => {
  it('runs a full failover in two plans (fence and freeze, then choose): one primary, the best one, every step recorded', async () => {
    const { cluster, audit, plan, deps, faultAt, freeze } = await failedOver();
    assert.deepEqual(freeze.steps.map((s) => s.id), ['await-fence:eu-west@7', 'freeze:us-east', 'freeze:ap-south']);
    assert.equal(plan.runbookId, freeze.runbookId, 'one runbook across both plans');
    const outcome = await executePlan(plan, deps);
    assert.equal(outcome.kind, 'completed');
    assert.deepEqual(endState(cluster), {
      primary: 'us-east', writable: ['us-east'], dns: 'us-east', rejoin: ['eu-west'], following: ['ap-south<-us-east'],
    });
    assert.deepEqual(cluster.violations, []);
    // The fence waited for the old lease: at least the lease TTL of virtual time passed before the freeze.
    const freezeStart = audit.records.find((r) => r.stepId === 'freeze:us-east' && r.result === 'started')!;
    assert.ok(freezeStart.startedAtMs >= faultAt + cluster.leaseTtlMs, `freeze at +${freezeStart.startedAtMs - faultAt} ms`);
    assert.deepEqual(trail(audit.records), [
      'runbook started',
      ...freeze.steps.flatMap((s) => [`${s.id} started`, `${s.id} ok`]),
      'runbook pending',
      'runbook started',
      ...plan.steps.flatMap((s) => [`${s.id} started`, `${s.id} ok`]),
      'runbook ok',
    ]);
    for (const r of audit.records) assert.equal(r.token, plan.token);
    assert.equal(runbookProgress(audit.records), null, 'closed runbook');
  });

  it('stops at once when the coordinator loses its lease mid-run; the audit shows exactly what ran', async () => {
    const { cluster, audit, plan, deps } = await failedOver();
    const before = audit.records.length;
    audit.afterAppend = (r) => {
      if (r.stepId === 'promote:us-east' && r.result === 'ok') cluster.loseCoordinator();
    };
    const outcome = await executePlan(plan, deps);
    assert.equal(outcome.kind, 'stopped');
    assert.equal(outcome.kind === 'stopped' && outcome.stepId, 'repoint:ap-south->us-east');
    assert.deepEqual(trail(audit.records.slice(before)), [
      'runbook started',
      'promote:us-east started', 'promote:us-east ok',
      'repoint:ap-south->us-east skipped',
      'runbook failed',
    ]);
    assert.deepEqual(cluster.effects.map((e) => e.method), ['freeze', 'freeze', 'promote']);
    assert.equal(cluster.dnsTarget, 'eu-west', 'nothing after the loss');
  });

  it('a coordinator that loses its lease while waiting for the fence stops without freezing or promoting', async () => {
    const cluster = threeRegions();
    const audit = new MemoryAudit();
    cluster.failRegion('eu-west');
    cluster.newCoordinator();
    const plan = planNow(cluster, audit, planFailover);
    if (plan.kind !== 'run') throw new Error('unreachable');
    const deps = { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING };
    const lose = cluster.clock.nowMs() + 500;
    const clock = { nowMs: () => cluster.clock.nowMs(), sleep: async (ms: number) => {
      await cluster.clock.sleep(ms);
      if (cluster.clock.nowMs() >= lose) cluster.loseCoordinator();
    } };
    const outcome = await executePlan(plan, { ...deps, clock: { ...cluster.clock, nowMs: clock.nowMs, sleep: clock.sleep, after: cluster.clock.after.bind(cluster.clock) } });
    assert.equal(outcome.kind, 'stopped');
    assert.deepEqual(cluster.effects, []);
    assert.match(audit.records.at(-2)!.detail, /coordinator lease \(token \d+\) lost/);
  });

  it('a failing step that later steps do not depend on is recorded, and the rest still runs; the runbook stays open', async () => {
    const { cluster, audit, plan, deps } = await failedOver();
    cluster.failNext('switchDns', 'throw');
    const outcome = await executePlan(plan, deps);
    assert.equal(outcome.kind, 'failed');
    assert.equal(outcome.kind === 'failed' && outcome.stepId, 'switch-dns:primary.orders.db->us-east');
    const failed = audit.records.find((r) => r.result === 'failed' && r.kind === 'switch-dns')!;
    assert.match(failed.detail, /injected failure/);
    assert.equal(audit.records.at(-1)!.result, 'failed');
    assert.ok(audit.records.some((r) => r.stepId === 'validate-write:us-east' && r.result === 'ok'), 'the write check still ran');
    assert.ok(audit.records.some((r) => r.stepId === 'mark-rejoin:eu-west' && r.result === 'ok'));
    assert.ok(runbookProgress(audit.records), 'still open: the next tick plans the DNS step again');
    const next = planNow(cluster, audit, planFailover);
    assert.deepEqual(next.kind === 'run' && next.steps.map((s) => s.id), ['switch-dns:primary.orders.db->us-east']);
  });

  it('a refused gating step (the promotion) stops the run: nothing after it runs', async () => {
    const { cluster, audit, plan, deps } = await failedOver();
    cluster.failNext('promote', 'refuse');
    const outcome = await executePlan(plan, deps);
    assert.equal(outcome.kind, 'failed');
    assert.match(audit.records.find((r) => r.result === 'failed')!.detail, /^refused: /);
    assert.deepEqual(cluster.writablePrimaries(), []);
    assert.ok(!audit.records.some((r) => r.stepId === 'validate-write:us-east'));
  });

  it('a step whose effect is not observed yet is pending: the runbook closes pending and stays open', async () => {
    const { cluster, audit, plan, deps } = await failedOver();
    cluster.member('ap-south').lsn += 0x10000n; // WAL past the fork: it cannot stream from us-east
    const outcome = await executePlan(plan, deps);
    assert.equal(outcome.kind, 'pending');
    assert.equal(outcome.kind === 'pending' && outcome.stepId, 'repoint:ap-south->us-east');
    assert.equal(audit.records.at(-1)!.result, 'pending');
    assert.ok(runbookProgress(audit.records));
    const next = planNow(cluster, audit, planFailover);
    assert.deepEqual(next.kind === 'run' && next.steps.map((s) => s.id), ['mark-rejoin:ap-south', 'rejoin:ap-south<-us-east:rewind']);
  });

  it('a second coordinator re-plans from audit + state and finishes without repeating effects', async () => {
    const { cluster, audit, plan, deps } = await failedOver();
    cluster.failNext('repoint', 'throw');
    assert.equal((await executePlan(plan, deps)).kind, 'failed');
    cluster.newCoordinator();
    const second = planNow(cluster, audit, planFailover);
    assert.equal(second.kind, 'run');
    if (second.kind !== 'run') return;
    assert.equal(second.runbookId, plan.runbookId, 'same runbook');
    assert.deepEqual(second.steps.map((s) => s.id), ['repoint:ap-south->us-east']);
    const outcome = await executePlan(second, { ...deps });
    assert.equal(outcome.kind, 'completed');
    assert.deepEqual(cluster.effects.filter((e) => e.method === 'promote').length, 1);
    assert.deepEqual(endState(cluster).writable, ['us-east']);
    assert.equal(planNow(cluster, audit, planFailover).kind, 'noop');
  });

  it('promote twice is harmless: the second call changes nothing', async () => {
    const { cluster, plan, deps } = await failedOver();
    await executePlan(plan, deps);
    const before = cluster.effects.length;
    const again = await deps.replica.promote('us-east', plan.token, null);
    assert.equal(again.kind, 'done');
    assert.equal(cluster.effects.length, before);
    assert.equal(cluster.member('us-east').timeline, 2);
  });

  it('a record that cannot be stored stops the run before the step runs', async () => {
    const { cluster, audit, plan, deps } = await failedOver();
    audit.failWhen = (r) => r.stepId === 'promote:us-east' && r.result === 'started';
    const outcome = await executePlan(plan, deps);
    assert.equal(outcome.kind, 'unrecorded');
    assert.ok(!cluster.effects.some((e) => e.method === 'promote'), 'the unrecorded step did not run');
  });

  it('gives up waiting for a lease that is still held, and does not promote', async () => {
    const cluster = threeRegions();
    const audit = new MemoryAudit();
    cluster.failDatabase('eu-west');
    cluster.newCoordinator();
    const plan = planNow(cluster, audit, planFailover);
    if (plan.kind !== 'run') throw new Error(plan.reason);
    // The old primary's agent keeps renewing (e.g. it still sees its database as healthy).
    const lease = { ...cluster.ports().lease, primaryLease: async () => ({ kind: 'held' as const, token: 7n, validUntilMs: cluster.clock.nowMs() + 2000 }) };
    const outcome = await executePlan(plan, { ...cluster.ports(), lease, audit, clock: cluster.clock, timing: { ...TIMING, fenceTimeoutMs: 3000 } });
    assert.equal(outcome.kind, 'failed');
    assert.match(outcome.kind === 'failed' ? outcome.detail : '', /gave up after \d+ ms: eu-west's lease \(token 7\) still held/);
    assert.deepEqual(cluster.effects, [], 'nothing frozen, nothing promoted');
  });

  it('stops waiting for the fence at once when the old primary took the lease again under a newer token (it thawed): the next tick plans again', async () => {
    const cluster = threeRegions();
    const audit = new MemoryAudit();
    cluster.failDatabase('eu-west', 'frozen');
    cluster.newCoordinator();
    cluster.clock.advance(cluster.leaseTtlMs + 1);
    const plan = planNow(cluster, audit, planFailover);
    if (plan.kind !== 'run') throw new Error(plan.reason);
    assert.equal(plan.steps[0]?.kind, 'await-fence');
    // It thaws before the runbook runs; its agent re-acquires (the record still names it, no mark).
    cluster.restore('eu-west');
    cluster.agentsTick();
    assert.deepEqual(cluster.writablePrimaries(), ['eu-west']);
    const started = cluster.clock.nowMs();
    const outcome = await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
    assert.equal(outcome.kind, 'failed');
    assert.match(outcome.kind === 'failed' ? outcome.detail : '', /eu-west took the primary lease again under a newer token \d+ \(the plan fenced token 7\)/);
    assert.ok(cluster.clock.nowMs() - started < TIMING.pollMs, 'no waiting out the fence timeout');
    assert.deepEqual(cluster.effects, [], 'nothing frozen, nothing promoted');
    const next = planNow(cluster, audit, planFailover);
    assert.ok(next.kind !== 'run' || next.steps.every((s) => s.kind !== 'await-fence' && s.kind !== 'freeze' && s.kind !== 'promote'), 'the next tick keeps eu-west');
  });

  it('with teeAudit, the audit store and the JSONL file get the same records', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'meridian-failover-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const { audit, plan, deps } = await failedOver();
    const path = join(dir, 'audit.jsonl');
    const before = audit.records.length;
    const outcome = await executePlan(plan, { ...deps, audit: teeAudit(audit, jsonlAuditSink(path)) });
    assert.equal(outcome.kind, 'completed');
    const file = await readJsonlAudit(path);
    assert.deepEqual(file.records, audit.records.slice(before));
    assert.equal(file.records.length, 2 + 2 * plan.steps.length);
  });
});
