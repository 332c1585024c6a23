import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  executePlan, jsonlAuditSink, planFailover, readJsonlAudit, runbookProgress, teeAudit, type StepRecord,
} from '../../../src/failover/index.ts';
import { MemoryAudit } from '../../../src/failover/testing/index.ts';
import { TIMING, endState, planNow, threeRegions } from './world.ts';

const trail = (records: readonly StepRecord[]) => records.map((r) => `${r.stepId} ${r.result}`);

function failedOver() {
  const cluster = threeRegions();
  const audit = new MemoryAudit();
  cluster.failRegion('eu-west');
  cluster.newCoordinator();
  const plan = planNow(cluster, audit, planFailover);
  assert.equal(plan.kind, 'run');
  if (plan.kind !== 'run') throw new Error('unreachable');
  const deps = { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING };
  return { cluster, audit, plan, deps };
}

describe('executePlan', () => {
  it('runs a full failover: one primary, the best one, DNS at it, old primary marked, every step recorded', async () => {
    const { cluster, audit, plan, deps } = failedOver();
    const faultAt = cluster.clock.nowMs();
    const outcome = await executePlan(plan, deps);
    assert.equal(outcome.kind, 'completed');
    assert.deepEqual(endState(cluster), {
      primary: 'us-east', writable: ['us-east'], dns: 'us-east', rejoin: ['eu-west'], following: ['ap-south<-us-east'],
    });
    assert.deepEqual(cluster.violations, []);
    // Promotion waited for the old lease: at least the lease TTL of virtual time passed first.
    const promoteStart = audit.records.find((r) => r.stepId === 'promote:us-east' && r.result === 'started')!;
    assert.ok(promoteStart.startedAtMs >= faultAt + cluster.leaseTtlMs, `promote at +${promoteStart.startedAtMs - faultAt} ms`);
    assert.deepEqual(trail(audit.records), [
      'runbook started',
      ...plan.steps.flatMap((s) => [`${s.id} started`, `${s.id} ok`]),
      'runbook ok',
    ]);
    for (const r of audit.records) assert.equal(r.token, plan.token);
    assert.equal(runbookProgress(audit.records), null, 'closed runbook');
  });

  it('stops at once when the coordinator loses its lease mid-run; the audit shows exactly what ran', async () => {
    const { cluster, audit, plan, deps } = failedOver();
    audit.afterAppend = (r) => {
      if (r.stepId === 'promote:us-east' && r.result === 'ok') cluster.loseCoordinator();
    };
    const outcome = await executePlan(plan, deps);
    assert.equal(outcome.kind, 'stopped');
    assert.equal(outcome.kind === 'stopped' && outcome.stepId, 'repoint:ap-south->us-east');
    assert.deepEqual(trail(audit.records), [
      'runbook started',
      'shift-traffic:eu-west started', 'shift-traffic:eu-west ok',
      'await-fence:eu-west@7 started', 'await-fence:eu-west@7 ok',
      'promote:us-east started', 'promote:us-east ok',
      'repoint:ap-south->us-east skipped',
      'runbook failed',
    ]);
    assert.deepEqual(cluster.effects.map((e) => e.method), ['shiftTraffic', 'promote']);
    assert.equal(cluster.dnsTarget, 'eu-west', 'nothing after the loss');
  });

  it('a coordinator that loses its lease while waiting for the fence stops without promoting', async () => {
    const { cluster, audit, plan, deps } = failedOver();
    const lose = cluster.clock.nowMs() + 500;
    const clock = { nowMs: () => cluster.clock.nowMs(), sleep: async (ms: number) => {
      await cluster.clock.sleep(ms);
      if (cluster.clock.nowMs() >= lose) cluster.loseCoordinator();
    } };
    const outcome = await executePlan(plan, { ...deps, clock });
    assert.equal(outcome.kind, 'stopped');
    assert.ok(!cluster.effects.some((e) => e.method === 'promote'));
    assert.match(audit.records.at(-2)!.detail, /coordinator lease \(token \d+\) lost/);
  });

  it('a failing step stops the runbook with a record; nothing after it runs', async () => {
    const { cluster, audit, plan, deps } = failedOver();
    cluster.failNext('switchDns', 'throw');
    const outcome = await executePlan(plan, deps);
    assert.equal(outcome.kind, 'failed');
    assert.equal(outcome.kind === 'failed' && outcome.stepId, 'switch-dns:primary.orders.db->us-east');
    const failed = audit.records.find((r) => r.result === 'failed' && r.kind === 'switch-dns')!;
    assert.match(failed.detail, /injected failure/);
    assert.equal(audit.records.at(-1)!.result, 'failed');
    assert.ok(!audit.records.some((r) => r.stepId === 'validate-write:us-east'));
    assert.deepEqual(runbookProgress(audit.records)?.completed, [
      'shift-traffic:eu-west', 'await-fence:eu-west@7', 'promote:us-east', 'repoint:ap-south->us-east',
    ]);
  });

  it('a refused step is a failed step', async () => {
    const { cluster, audit, plan, deps } = failedOver();
    cluster.failNext('promote', 'refuse');
    const outcome = await executePlan(plan, deps);
    assert.equal(outcome.kind, 'failed');
    assert.match(audit.records.find((r) => r.result === 'failed')!.detail, /^refused: /);
    assert.deepEqual(cluster.writablePrimaries(), []);
  });

  it('a second coordinator re-plans from audit + state and finishes without repeating effects', async () => {
    const { cluster, audit, plan, deps } = failedOver();
    cluster.failNext('repoint', 'throw');
    assert.equal((await executePlan(plan, deps)).kind, 'failed');
    cluster.newCoordinator();
    const second = planNow(cluster, audit, planFailover);
    assert.equal(second.kind, 'run');
    if (second.kind !== 'run') return;
    assert.equal(second.runbookId, plan.runbookId, 'same runbook');
    assert.deepEqual(second.steps.map((s) => s.id), [
      'repoint:ap-south->us-east', 'switch-dns:primary.orders.db->us-east', 'validate-write:us-east', 'mark-rejoin:eu-west',
    ]);
    const outcome = await executePlan(second, { ...deps });
    assert.equal(outcome.kind, 'completed');
    assert.deepEqual(cluster.effects.filter((e) => e.method === 'promote').length, 1);
    assert.deepEqual(endState(cluster).writable, ['us-east']);
    assert.equal(planNow(cluster, audit, planFailover).kind, 'noop');
  });

  it('promote twice is harmless: the second call changes nothing', async () => {
    const { cluster, plan, deps } = failedOver();
    await executePlan(plan, deps);
    const before = cluster.effects.length;
    const again = await deps.replica.promote('us-east', plan.token);
    assert.equal(again.kind, 'done');
    assert.equal(cluster.effects.length, before);
    assert.equal(cluster.member('us-east').timeline, 2);
  });

  it('a record that cannot be stored stops the run before the step runs', async () => {
    const { cluster, audit, plan, deps } = failedOver();
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
    assert.ok(!cluster.effects.some((e) => e.method === 'promote'));
  });

  it('with teeAudit, the audit store and the JSONL file get the same records', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'meridian-failover-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const { audit, plan, deps } = failedOver();
    const path = join(dir, 'audit.jsonl');
    const outcome = await executePlan(plan, { ...deps, audit: teeAudit(audit, jsonlAuditSink(path)) });
    assert.equal(outcome.kind, 'completed');
    const file = await readJsonlAudit(path);
    assert.deepEqual(file.records, audit.records);
    assert.equal(file.records.length, 2 + 2 * plan.steps.length);
  });
});
