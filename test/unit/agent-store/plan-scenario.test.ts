/**
 * The dry run tells the truth: on the agent's real Coordinator and StoreCoordinator (in-memory
 * quorum, manual clock, a fake cluster behind the ports), the steps GET /v1/stores/<store>/plan
 * answers are exactly the steps the coordinator then takes, in order, when the primary's region
 * is lost (async and sync), and when the operator asks for the switchover it previewed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Coordinator } from '../../../src/agent/store/coordinator.ts';
import type { StorePlanPreview } from '../../../src/agent/store/plan-preview.ts';
import { StoreCoordinator } from '../../../src/agent/store/store-coordinator.ts';
import { ManualClock, MemoryQuorum, coordKeys } from '../../../src/coord/index.ts';
import { coordAuditSink } from '../../../src/failover/adapters/index.ts';
import { teeAudit, type StoreMode } from '../../../src/failover/index.ts';
import { FakeCluster, MemoryAudit } from '../../../src/failover/testing/index.ts';
import { LSN } from '../failover/fixtures.ts';
import { fakeSnapshots, stopCoordinatorAfterEach } from './coordinator-world.ts';

const log = pino({ level: 'silent' });
const TTL = 2000;

const stopsAfterTest = stopCoordinatorAfterEach();

async function world(mode: StoreMode) {
  const clock = new ManualClock(1_000_000);
  const coord = new MemoryQuorum(clock).connect('us-east');
  const stores = new Map<string, StoreCoordinator>();
  const coordinator = new Coordinator({ coord, self: 'us-east', leaseTtlMs: TTL, periodMs: 1000, stores, log, clock });
  const cluster = new FakeCluster({
    clock, store: 'orders', mode, leaseTtlMs: TTL, primaryToken: 7n,
    members: [
      { region: 'eu-west', role: 'primary', lsn: LSN('0/3000100') },
      { region: 'us-east', role: 'standby', lsn: LSN('0/3000060') },
      { region: 'ap-south', role: 'standby', lsn: LSN('0/3000010'), synchronous: mode === 'sync' },
    ],
  });
  cluster.coordinatorIs = (token) => coordinator.heldLease()?.token === token;
  const snapshots = fakeSnapshots(cluster, coord);
  const audit = new MemoryAudit();
  stores.set('orders', new StoreCoordinator({
    store: 'orders', coord, ports: cluster.ports(), snapshots, audit: teeAudit(coordAuditSink(coord, 'orders', 'us-east'), audit),
    settings: { automatic: true, autoRejoin: true }, leaseTtlMs: TTL, leaseKey: coordKeys.primaryLease('orders'),
    coordinatorLease: () => coordinator.heldLease(), regions: ['eu-west', 'us-east', 'ap-south'], log, clock,
  }));
  stopsAfterTest(coordinator, clock);
  coordinator.start();
  const run = async (ms: number, until: () => boolean) => {
    for (let t = 0; t < ms && !until(); t += 50) await clock.advance(50);
  };
  await run(2000, () => coordinator.heldLease() !== undefined);
  return { cluster, audit, coordinator, store: stores.get('orders')!, run };
}

/** The steps the coordinator took, in the order it started them. */
const taken = (audit: MemoryAudit): string[] => audit.records.filter((r) => r.kind !== 'runbook' && r.result === 'started').map((r) => r.stepId);

describe('the plan preview against what the coordinator then does', () => {
  for (const mode of ['async', 'sync'] as const) {
    it(`${mode}: the failover steps previewed are the steps taken when the primary's region is lost`, async () => {
      const w = await world(mode);
      const answer = await w.coordinator.plan('orders', undefined);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const preview = answer.body as StorePlanPreview;
      assert.equal(preview.outcome, 'runs', JSON.stringify(preview.waits));
      assert.deepEqual(preview.steps.map((s) => s.kind), ['await-fence', 'freeze', 'freeze', 'promote', 'repoint', 'switch-dns', 'validate-write', 'mark-rejoin']);
      assert.deepEqual(w.cluster.effects, [], 'the preview changed nothing');
      assert.deepEqual(taken(w.audit), [], 'and recorded nothing');

      w.cluster.failRegion('eu-west');
      await w.run(20_000, () => w.audit.records.some((r) => r.kind === 'runbook' && r.result === 'ok'));
      assert.deepEqual(taken(w.audit), preview.steps.map((s) => s.id));
      assert.equal(w.cluster.record.region, preview.promote?.region);
      assert.deepEqual(w.cluster.violations, []);
    });
  }

  it('the switchover previewed with ?to= is the one an operator\'s request then runs; an unknown region is a 404', async () => {
    const w = await world('async');
    const answer = await w.coordinator.plan('orders', 'ap-south');
    const preview = answer.body as StorePlanPreview;
    assert.equal(preview.outcome, 'runs', JSON.stringify(preview));
    const token = w.coordinator.heldLease()!.token;
    const done = w.store.serve(token, { kind: 'switchover', to: 'ap-south', by: 'alice@ops' });
    let settled = false;
    void done.finally(() => (settled = true));
    await w.run(60_000, () => settled);
    assert.equal(((await done).body as { outcome: string }).outcome, 'completed');
    assert.deepEqual(taken(w.audit), preview.steps.map((s) => s.id));
    assert.equal((await w.coordinator.plan('orders', 'mars')).status, 404);
    assert.equal((await w.coordinator.plan('billing', undefined)).status, 404);
  });
});
