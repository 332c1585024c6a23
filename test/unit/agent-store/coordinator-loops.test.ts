/**
 * The agent's coordinator wiring, unit-tested (the shell is code too): the real Coordinator and
 * StoreCoordinators, elected on the in-memory quorum, every wait on one manual clock, acting on
 * fake clusters through the failover ports. No PostgreSQL, no etcd, no real time.
 * - Each store has its own loop: a step that hangs on one store never delays another's failover.
 * - After the freeze the next plan is made at once, not a period later.
 * - A paused store does nothing by itself until it is resumed; an open runbook can be aborted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Coordinator } from '../../../src/agent/store/coordinator.ts';
import { StoreCoordinator } from '../../../src/agent/store/store-coordinator.ts';
import { ManualClock, MemoryQuorum, coordKeys, type CoordinationStore } from '../../../src/coord/index.ts';
import { coordAuditSink, type StoreSnapshots } from '../../../src/failover/adapters/index.ts';
import { runbookProgress, teeAudit } from '../../../src/failover/index.ts';
import { FakeCluster, MemoryAudit } from '../../../src/failover/testing/index.ts';
import { LSN } from '../failover/fixtures.ts';
import { fakeSnapshots, stopCoordinatorAfterEach } from './coordinator-world.ts';

const log = pino({ level: 'silent' });
const TTL = 2000;
const PERIOD = 1000;
const REGIONS = ['eu-west', 'us-east', 'ap-south'];

interface World {
  readonly clock: ManualClock;
  readonly coordinator: Coordinator;
  readonly stores: Map<string, { cluster: FakeCluster; audit: MemoryAudit; sc: StoreCoordinator }>;
  readonly coord: CoordinationStore;
}

const stopsAfterTest = stopCoordinatorAfterEach();

function world(names: readonly string[]): World {
  const clock = new ManualClock(1_000_000);
  const quorum = new MemoryQuorum(clock);
  const coord = quorum.connect('us-east');
  const stores = new Map<string, { cluster: FakeCluster; audit: MemoryAudit; sc: StoreCoordinator }>();
  const coordinators = new Map<string, StoreCoordinator>();
  const coordinator = new Coordinator({ coord, self: 'us-east', leaseTtlMs: TTL, periodMs: PERIOD, stores: coordinators, log, clock });
  for (const name of names) {
    const cluster = new FakeCluster({
      clock, store: name, leaseTtlMs: TTL, primaryToken: 7n,
      members: [
        { region: 'eu-west', role: 'primary', lsn: LSN('0/3000100') },
        { region: 'us-east', role: 'standby', lsn: LSN('0/3000060') },
        { region: 'ap-south', role: 'standby', lsn: LSN('0/3000010') },
      ],
    });
    cluster.coordinatorIs = (token) => coordinator.heldLease()?.token === token;
    const audit = new MemoryAudit();
    const sc = new StoreCoordinator({
      // The audit goes to the quorum's stream (the coordinator reads it back) and to a list we read.
      store: name, coord, ports: cluster.ports(), snapshots: fakeSnapshots(cluster, coord), audit: teeAudit(coordAuditSink(coord, name, 'us-east'), audit),
      settings: { automatic: true, autoRejoin: true }, leaseTtlMs: TTL, leaseKey: coordKeys.primaryLease(name),
      coordinatorLease: () => coordinator.heldLease(), regions: REGIONS, log, clock,
    });
    coordinators.set(name, sc);
    stores.set(name, { cluster, audit, sc });
  }
  return { clock, coordinator, stores, coord };
}

/** Lets virtual time pass in small steps, so every loop gets its turns. */
async function run(w: World, ms: number, until?: () => boolean): Promise<number> {
  const start = w.clock.nowMs();
  while (w.clock.nowMs() - start < ms) {
    await w.clock.advance(50);
    if (until?.()) break;
  }
  return w.clock.nowMs() - start;
}

describe('the coordinator loops (in-memory quorum, manual clock, fake clusters)', () => {
  it('a step that hangs on one store does not delay another store\'s failover', async () => {
    const w = world(['orders', 'billing']);
    const orders = w.stores.get('orders')!;
    const billing = w.stores.get('billing')!;
    // orders: ap-south left frozen, and its repoint hangs for a minute (an unresponsive server).
    orders.cluster.member('ap-south').follows = null;
    orders.cluster.propagate();
    const replica = orders.sc['o'].ports.replica;
    let hanging = false;
    (orders.sc['o'].ports as { replica: typeof replica }).replica = {
      ...replica,
      repoint: async (...args) => {
        hanging = true;
        await w.clock.sleep(60_000);
        return replica.repoint(...args);
      },
    };
    stopsAfterTest(w.coordinator, w.clock);
    w.coordinator.start();
    await run(w, 3000, () => hanging);
    assert.ok(hanging, 'the orders loop is stuck in its repoint');

    billing.cluster.failRegion('eu-west');
    const took = await run(w, 20_000, () => billing.cluster.record.region !== 'eu-west' && billing.cluster.writablePrimaries().length === 1);
    assert.equal(billing.cluster.record.region, 'us-east', `billing failed over (after ${took} ms)`);
    assert.deepEqual(billing.cluster.writablePrimaries(), ['us-east']);
    assert.ok(took < TTL + 3 * PERIOD, `billing failed over ${took} ms after the cut, while orders still hangs`);
    assert.ok(!orders.audit.records.some((r) => r.stepId.startsWith('repoint:') && r.result !== 'started'), 'orders\' repoint has not returned');
    assert.deepEqual(billing.cluster.violations, []);
  });

  it('after the freeze, the choice is made at once, from a new look, not a period later', async () => {
    const w = world(['orders']);
    const { cluster, audit } = w.stores.get('orders')!;
    stopsAfterTest(w.coordinator, w.clock);
    w.coordinator.start();
    await run(w, 1000);
    cluster.failRegion('eu-west');
    await run(w, 15_000, () => audit.records.some((r) => r.stepId === 'promote:us-east' && r.result === 'ok'));
    const frozeAt = audit.records.find((r) => r.stepId === 'freeze:ap-south' && r.result === 'ok')!.endedAtMs!;
    const promoteAt = audit.records.find((r) => r.stepId === 'promote:us-east' && r.result === 'started')!.startedAtMs;
    assert.ok(promoteAt - frozeAt < PERIOD / 2, `promotion started ${promoteAt - frozeAt} ms after the last freeze`);
    const ids = new Set(audit.records.filter((r) => r.kind !== 'runbook').map((r) => r.runbookId));
    assert.equal(ids.size, 1, 'one runbook across the two plans');
    assert.deepEqual(cluster.violations, []);
  });

  it('a runbook that failed is looked at again within 250 ms, once; failing again, a period later', async () => {
    const w = world(['orders']);
    const { cluster, audit } = w.stores.get('orders')!;
    stopsAfterTest(w.coordinator, w.clock);
    w.coordinator.start();
    await run(w, 1000);
    // The candidate's promotion fails twice (a machine that stalled), then succeeds.
    cluster.failNext('promote');
    cluster.failRegion('eu-west');
    await run(w, 15_000, () => audit.records.filter((r) => r.stepId === 'promote:us-east' && r.result === 'failed').length === 1);
    cluster.failNext('promote');
    await run(w, 15_000, () => audit.records.some((r) => r.stepId === 'promote:us-east' && r.result === 'ok'));
    const ends = audit.records.filter((r) => r.stepId === 'runbook' && r.result === 'failed').map((r) => r.endedAtMs!);
    const starts = audit.records.filter((r) => r.stepId === 'promote:us-east' && r.result === 'started').map((r) => r.startedAtMs);
    assert.equal(ends.length, 2, 'two failed runs');
    assert.equal(starts.length, 3, 'three promotion attempts');
    assert.ok(starts[1]! - ends[0]! <= 300, `after the first failure, the next attempt came ${starts[1]! - ends[0]!} ms later`);
    assert.ok(starts[2]! - ends[1]! >= PERIOD, `after the second failure in a row, ${starts[2]! - ends[1]!} ms: a period`);
    assert.equal(cluster.record.region, 'us-east');
    assert.deepEqual(cluster.violations, []);
  });

  it('a primary whose database once does not answer the coordinator, while its agent holds the lease and its region is up, costs one period, not a lease watch', async () => {
    const w = world(['orders']);
    const { cluster, sc } = w.stores.get('orders')!;
    // eu-west's agent holds the primary lease in the quorum, renewing it.
    const held = await w.coord.acquire(coordKeys.primaryLease('orders'), 'eu-west/boot-1', TTL);
    assert.equal(held.kind, 'acquired');
    // The coordinator's first look at eu-west's database times out (a slow connection under load).
    const snapshots = sc['o'].snapshots;
    const looks: number[] = [];
    (sc['o'] as { snapshots: StoreSnapshots }).snapshots = {
      async snapshot(input) {
        looks.push(w.clock.nowMs());
        const seen = await snapshots.snapshot(input);
        if (looks.length > 1 || seen.kind !== 'snapshot') return seen;
        const members = seen.state.members.map((m) => (m.region === 'eu-west' ? { ...m, reachable: false } : m));
        return { ...seen, state: { ...seen.state, members } };
      },
    };
    stopsAfterTest(w.coordinator, w.clock);
    w.coordinator.start();
    await run(w, 4 * TTL, () => looks.length >= 2);
    assert.ok(looks.length >= 2, 'a second look');
    assert.ok(looks[1]! - looks[0]! <= PERIOD + 100, `the second look came ${looks[1]! - looks[0]!} ms after the first (the lease watch alone takes TTL + 3 s)`);
    assert.equal(cluster.record.region, 'eu-west', 'no failover');
    assert.deepEqual(cluster.effects, [], 'nothing fenced or frozen');
  });

  it('paused: no automatic failover until resumed; the reason says who paused and how to resume; abort closes the open runbook', async () => {
    const w = world(['orders']);
    const { cluster, audit, sc } = w.stores.get('orders')!;
    stopsAfterTest(w.coordinator, w.clock);
    w.coordinator.start();
    await run(w, 1000, () => w.coordinator.heldLease() !== undefined);
    const token = w.coordinator.heldLease()!.token;
    const paused = await sc.serve(token, { kind: 'pause', by: 'alice@ops', reason: 'kernel upgrade' });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));

    cluster.failRegion('eu-west');
    await run(w, 8000);
    assert.equal(cluster.record.region, 'eu-west', 'nothing moved while paused');
    assert.match(sc.lastPlan?.notExecuted ?? '', /paused by alice@ops .*kernel upgrade.*meridian resume --store orders/);
    assert.deepEqual(cluster.effects, []);

    // An operator's own request still runs while paused; here: close a runbook left open.
    await coordAuditSink(w.coord, 'orders', 'us-east').append({ runbookId: 'orders/failover/eu-west/1', stepId: 'runbook', kind: 'runbook', startedAtMs: 1, result: 'started', detail: 'left open', token, runbook: { kind: 'failover', subject: 'eu-west' } });
    sc.forget();
    const aborted = await sc.serve(token, { kind: 'abort', by: 'alice@ops' });
    assert.match(JSON.stringify(aborted.body), /aborted by alice@ops/);
    assert.equal(audit.records.at(-1)?.result, 'aborted');
    assert.equal(runbookProgress(audit.records), null);

    await sc.serve(token, { kind: 'resume', by: 'alice@ops' });
    await run(w, 15_000, () => cluster.record.region !== 'eu-west');
    assert.equal(cluster.record.region, 'us-east', 'resumed: the failover ran');
    assert.deepEqual(cluster.violations, []);
  });
});
