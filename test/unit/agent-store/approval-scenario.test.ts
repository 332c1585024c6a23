/**
 * Approval mode `manual` on the agent's real Coordinator and StoreCoordinator (in-memory quorum,
 * manual clock, a fake cluster behind the ports), the set-up of plan-scenario.test.ts: the primary's
 * region is lost and the coordinator records a pending run instead of failing over; approving it
 * lets the failover complete; rejecting it changes nothing and raises no new run for the same
 * situation; an unanswered run expires and a new one is raised; a store that heals closes its run
 * as not needed; `off` never fails over, and rebuilds still run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ApprovalKeeper, approvalStream, decodeRun, readCurrentRun, readStoreRuns } from '../../../src/agent/store/approval-records.ts';
import { Coordinator } from '../../../src/agent/store/coordinator.ts';
import { StoreCoordinator } from '../../../src/agent/store/store-coordinator.ts';
import { ManualClock, MemoryQuorum, coordKeys, type CoordinationStore } from '../../../src/coord/index.ts';
import { coordAuditSink, storeKeys } from '../../../src/failover/adapters/index.ts';
import { reconcile, teeAudit, type ApprovalMode, type ApprovalRun } from '../../../src/failover/index.ts';
import { FakeCluster, MemoryAudit } from '../../../src/failover/testing/index.ts';
import { renderRuns } from '../../../src/cli/runs-client.ts';
import { LSN } from '../failover/fixtures.ts';
import { fakeSnapshots, stopCoordinatorAfterEach } from './coordinator-world.ts';

const log = pino({ level: 'silent' });
const TTL = 2000;
const EXPIRY = 60_000;

const stopsAfterTest = stopCoordinatorAfterEach();

async function world(mode: ApprovalMode) {
  const clock = new ManualClock(1_000_000);
  const coord = new MemoryQuorum(clock).connect('us-east');
  const stores = new Map<string, StoreCoordinator>();
  const coordinator = new Coordinator({ coord, self: 'us-east', leaseTtlMs: TTL, periodMs: 1000, stores, log, clock });
  const cluster = new FakeCluster({
    clock, store: 'orders', mode: 'async', leaseTtlMs: TTL, primaryToken: 7n,
    members: [
      { region: 'eu-west', role: 'primary', lsn: LSN('0/3000100') },
      { region: 'us-east', role: 'standby', lsn: LSN('0/3000060') },
      { region: 'ap-south', role: 'standby', lsn: LSN('0/3000010') },
    ],
  });
  cluster.coordinatorIs = (token) => coordinator.heldLease()?.token === token;
  const audit = new MemoryAudit();
  stores.set('orders', new StoreCoordinator({
    store: 'orders', coord, ports: cluster.ports(), snapshots: fakeSnapshots(cluster, coord), audit: teeAudit(coordAuditSink(coord, 'orders', 'us-east'), audit),
    settings: { automatic: true, autoRejoin: true }, leaseTtlMs: TTL, leaseKey: coordKeys.primaryLease('orders'),
    coordinatorLease: () => coordinator.heldLease(), regions: ['eu-west', 'us-east', 'ap-south'], log, clock,
    approval: { mode, expiryMs: EXPIRY }, self: 'us-east',
  }));
  stopsAfterTest(coordinator, clock);
  coordinator.start();
  const run = async (ms: number, until: () => boolean | Promise<boolean> = () => false) => {
    for (let t = 0; t < ms && !(await until()); t += 50) await clock.advance(50);
  };
  await run(2000, () => coordinator.heldLease() !== undefined);
  const store = stores.get('orders')!;
  return {
    clock, coord, cluster, audit, coordinator, store, run,
    current: () => currentRun(coord),
    ask: (request: { kind: 'approve' | 'reject'; id: string; by: string; reason?: string }) => coordinator.request('orders', request),
  };
}

async function currentRun(coord: CoordinationStore): Promise<ApprovalRun | null> {
  const read = await readCurrentRun(coord, 'orders');
  assert.equal(read.kind, 'read');
  return read.kind === 'read' ? read.run : null;
}

/** Every transition in the approvals audit stream: [id, state, actor]. */
async function transitions(coord: CoordinationStore): Promise<[string, string, string][]> {
  const read = await coord.readAudit(approvalStream('orders'));
  assert.equal(read.kind, 'read');
  return read.kind === 'read' ? read.entries.map((e) => { const r = decodeRun(e.record.details?.run)!; return [r.id, r.state, e.record.actor]; }) : [];
}

/** The steps the coordinator took, in the order it started them. */
const taken = (audit: MemoryAudit): string[] => audit.records.filter((r) => r.kind !== 'runbook' && r.result === 'started').map((r) => r.stepId);
const closedOk = (audit: MemoryAudit) => audit.records.some((r) => r.kind === 'runbook' && r.result === 'ok');

describe('approval mode manual: the coordinator asks before it fails over', () => {
  it('the primary\'s region is lost: a pending run is recorded, nothing is promoted, the wait names the run', async () => {
    const w = await world('manual');
    w.cluster.failRegion('eu-west');
    await w.run(10_000, async () => (await w.current()) !== null);
    await w.run(5_000); // and some more ticks
    const run = await w.current();
    assert.ok(run, 'a pending run is recorded');
    assert.equal(run.state, 'pending');
    assert.equal(run.store, 'orders');
    assert.equal(run.subject, 'eu-west');
    assert.match(run.why, /region eu-west is down by quorum; its primary lease has expired/);
    assert.deepEqual(run.steps.map((s) => s.kind), ['await-fence', 'freeze', 'freeze', 'promote', 'repoint', 'switch-dns', 'validate-write', 'mark-rejoin']);
    assert.equal(run.expiresAtMs - run.detectedAtMs, EXPIRY);
    assert.deepEqual(w.cluster.record, { region: 'eu-west', token: 7n }, 'the primary record is untouched');
    assert.deepEqual(taken(w.audit), [], 'no step was taken, not even a freeze');
    assert.deepEqual(w.cluster.effects, []);
    assert.equal(w.store.lastPlan?.waiting, 'approval');
    assert.equal(w.store.lastPlan?.notExecuted, `no failover: waiting for approval of run ${run.id} (expires at ${new Date(run.expiresAtMs).toISOString()}): meridian approve ${run.id}, or meridian reject ${run.id}`);
    assert.deepEqual(await transitions(w.coord), [[run.id, 'pending', 'us-east']], 'one run, raised once, not every tick');
    const read = await readStoreRuns(w.coord, 'orders');
    assert.ok(read.kind === 'read');
    const text = renderRuns(read.runs, 'manual');
    assert.match(text, new RegExp(`^orders \\(approval: manual\\)\n  PENDING ${run.id}: fail over orders away from eu-west`));
    assert.match(text, /\n {4}4\. promote:us-east: /);
    assert.match(text, new RegExp(`answer: meridian approve ${run.id}   or   meridian reject ${run.id}`));
    // The dry run says the same: the failover would wait for an approval.
    const preview = (await w.coordinator.plan('orders', undefined)).body as { outcome: string; waits: { code: string }[] };
    assert.equal(preview.outcome, 'waits');
    assert.ok(preview.waits.some((x) => x.code === 'approval'), JSON.stringify(preview.waits));
  });

  it('approve: the failover runs on the next tick and completes; the run names its runbook and who approved it', async () => {
    const w = await world('manual');
    w.cluster.failRegion('eu-west');
    await w.run(10_000, async () => (await w.current()) !== null);
    const pending = (await w.current())!;
    const answer = await w.ask({ kind: 'approve', id: pending.id, by: 'alice@ops' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.match((answer.body as { reason: string }).reason, new RegExp(`^run ${pending.id} approved by alice@ops`));
    await w.run(20_000, () => closedOk(w.audit));
    assert.ok(closedOk(w.audit), 'the failover runbook completed');
    assert.notEqual(w.cluster.record.region, 'eu-west');
    assert.deepEqual(taken(w.audit), pending.steps.map((s) => s.id), 'the steps taken are the steps the pending run showed');
    assert.deepEqual(w.cluster.violations, []);
    const after = (await w.current())!;
    assert.equal(after.state, 'running');
    assert.equal(after.runbookId, w.audit.records.find((r) => r.kind === 'runbook')?.runbookId);
    assert.deepEqual(await transitions(w.coord), [[pending.id, 'pending', 'us-east'], [pending.id, 'approved', 'alice@ops'], [pending.id, 'running', 'us-east']]);
    // What `meridian runs` reads (any agent, from etcd): the run, who approved it, its runbook and outcome.
    const read = await readStoreRuns(w.coord, 'orders');
    assert.ok(read.kind === 'read');
    const [shown] = read.runs.runs;
    assert.deepEqual([shown?.id, shown?.state, shown?.decidedBy, shown?.transitions.map((t) => t.state)], [pending.id, 'running', 'alice@ops', ['pending', 'approved', 'running']]);
    const book = read.runs.runbooks.find((b) => b.runbookId === after.runbookId);
    assert.equal(book?.outcome, 'ok');
    assert.deepEqual(book?.steps.map((s) => s.stepId), pending.steps.map((s) => s.id));
    assert.ok(book?.steps.every((s) => s.result === 'ok'), JSON.stringify(book?.steps));
    const text = renderRuns(read.runs, 'manual');
    assert.match(text, /^orders \(approval: manual\)\n {2}no run waits for approval\n/);
    assert.match(text, new RegExp(`${pending.id} +running +alice@ops .* ${after.runbookId!.replace(/[/]/g, '\\/')} +ok`));
  });

  it('reject: nothing changes, and the same situation raises no new run', async () => {
    const w = await world('manual');
    w.cluster.failRegion('eu-west');
    await w.run(10_000, async () => (await w.current()) !== null);
    const pending = (await w.current())!;
    const answer = await w.ask({ kind: 'reject', id: pending.id, by: 'bob@ops', reason: 'eu-west is being fixed' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const leaseBefore = await w.coord.currentHolder(coordKeys.primaryLease('orders'));
    await w.run(EXPIRY / 2); // many ticks, well inside the rejection's hold
    assert.deepEqual(w.cluster.record, { region: 'eu-west', token: 7n }, 'the primary record is untouched');
    assert.deepEqual(await w.coord.currentHolder(coordKeys.primaryLease('orders')), leaseBefore, 'the primary lease key is untouched');
    assert.deepEqual(w.cluster.effects, [], 'no port was called');
    assert.deepEqual(taken(w.audit), []);
    const now = (await w.current())!;
    assert.equal(now.id, pending.id);
    assert.deepEqual([now.state, now.decidedBy, now.note], ['rejected', 'bob@ops', 'eu-west is being fixed']);
    assert.deepEqual(await transitions(w.coord), [[pending.id, 'pending', 'us-east'], [pending.id, 'rejected', 'bob@ops']]);
    assert.equal(w.store.lastPlan?.waiting, 'rejected');
    assert.match(w.store.lastPlan?.notExecuted ?? '', new RegExp(`run ${pending.id} was rejected by bob@ops`));
    // A second answer to the closed run is refused, with the reason.
    const again = await w.ask({ kind: 'reject', id: pending.id, by: 'bob@ops' });
    assert.equal(again.status, 409);
  });

  it('an unanswered run expires, is recorded expired, and a new one is raised while the failure persists; nothing is promoted', async () => {
    const w = await world('manual');
    w.cluster.failRegion('eu-west');
    await w.run(10_000, async () => (await w.current()) !== null);
    const first = (await w.current())!;
    await w.run(EXPIRY + 5_000, async () => (await w.current())?.id !== first.id);
    const second = (await w.current())!;
    assert.notEqual(second.id, first.id);
    assert.equal(second.state, 'pending');
    assert.deepEqual((await transitions(w.coord)).map(([id, state]) => [id, state]), [[first.id, 'pending'], [first.id, 'expired'], [second.id, 'pending']]);
    assert.deepEqual(w.cluster.record, { region: 'eu-west', token: 7n });
    // The expired run can no longer be approved.
    assert.equal((await w.ask({ kind: 'approve', id: first.id, by: 'alice@ops' })).status, 404);
  });

  it('the store heals before anyone answers: the run closes as not needed and says so', async () => {
    const w = await world('manual');
    w.cluster.failRegion('eu-west');
    await w.run(10_000, async () => (await w.current()) !== null);
    const pending = (await w.current())!;
    w.cluster.restore('eu-west');
    await w.run(10_000, async () => (await w.current())?.state === 'not-needed');
    const closed = (await w.current())!;
    assert.equal(closed.id, pending.id);
    assert.equal(closed.state, 'not-needed');
    assert.match(closed.note ?? '', /^the store no longer needs it: eu-west is the primary/);
    assert.equal(w.cluster.record.region, 'eu-west');
    assert.equal((await w.ask({ kind: 'approve', id: pending.id, by: 'alice@ops' })).status, 409);
  });
});

describe('approval mode off', () => {
  it('never fails over by itself and says "approval: off"; no run is recorded', async () => {
    const w = await world('off');
    w.cluster.failRegion('eu-west');
    await w.run(15_000);
    assert.deepEqual(w.cluster.record, { region: 'eu-west', token: 7n });
    assert.deepEqual(taken(w.audit), []);
    assert.equal(w.store.lastPlan?.waiting, 'approval-off');
    assert.match(w.store.lastPlan?.notExecuted ?? '', /^no failover: approval: off/);
    assert.equal(await w.current(), null);
  });

  it('a standby that lost its stream is still brought back (repoint runs without approval)', async () => {
    const w = await world('off');
    w.cluster.member('ap-south').follows = null;
    w.cluster.member('ap-south').upstream = null;
    await w.run(10_000, () => w.cluster.member('ap-south').upstream === 'eu-west');
    assert.equal(w.cluster.member('ap-south').upstream, 'eu-west');
    assert.ok(taken(w.audit).includes('repoint:ap-south->eu-west'), JSON.stringify(taken(w.audit)));
  });
});

describe('approval mode automatic', () => {
  it('a run left pending by an earlier manual mode never holds the failover back, even when it cannot be closed', async () => {
    const clock = new ManualClock(1_000_000);
    const coord = new MemoryQuorum(clock).connect('us-east');
    const election = await coord.acquire(coordKeys.election(), 'us-east', 5000);
    assert.ok(election.kind === 'acquired');
    const left: ApprovalRun = {
      id: 'orders-abc', store: 'orders', situation: 'eu-west@7', subject: 'eu-west', summary: 's', why: 'w', steps: [],
      detectedAtMs: clock.nowMs(), expiresAtMs: clock.nowMs() + EXPIRY, state: 'pending',
    };
    await coord.fencedTxn(election.lease.fence, [{ kind: 'put', key: storeKeys.approval('orders'), value: JSON.stringify(left) }]);
    const cluster = new FakeCluster({ clock, store: 'orders', leaseTtlMs: TTL, primaryToken: 7n, members: [
      { region: 'eu-west', role: 'primary', lsn: LSN('0/3000100') }, { region: 'us-east', role: 'standby', lsn: LSN('0/3000060') },
    ] });
    cluster.failRegion('eu-west');
    await clock.advance(3 * TTL);
    const state = { ...cluster.snapshot(), coordinator: { token: 9n } };
    const plan = reconcile(state, clock.nowMs());
    assert.ok(plan.kind === 'run');
    // No coordinator lease: the leftover run cannot be closed, and the failover still runs.
    const keeper = new ApprovalKeeper({ store: 'orders', mode: 'automatic', expiryMs: EXPIRY, coord, coordinatorLease: () => undefined, self: 'us-east', log });
    assert.deepEqual(await keeper.gate(plan, state, clock.nowMs(), { execute: true }, () => []), { execute: true });
    // With the lease, it is closed as not needed.
    const closing = new ApprovalKeeper({ store: 'orders', mode: 'automatic', expiryMs: EXPIRY, coord, coordinatorLease: () => election.lease, self: 'us-east', log });
    assert.deepEqual(await closing.gate(plan, state, clock.nowMs(), { execute: true }, () => []), { execute: true });
    assert.deepEqual([(await currentRun(coord))?.state, (await currentRun(coord))?.note], ['not-needed', 'failover.approval is automatic now']);
  });
});
