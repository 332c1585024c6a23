/** Store DNS names (dns-names.ts) and the supervision plan (config.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dbAuthFromEnv, planSupervision, regionDownByHealth, storeStaticNames } from '../../../src/agent/store/index.ts';
import { holderIds, type StoreView } from '../../../src/failover/adapters/index.ts';
import { staticNameOf } from '../../../src/gslb/index.ts';
import type { HealthSnapshot } from '../../../src/health/index.ts';
import { parseTopology } from '../../../src/spec/index.ts';

const topology = (extra = '') => parseTopology(`
apiVersion: meridian/v1
zone: global.test
regions:
  - { name: eu, etcd: { client: "http://127.0.0.1:2379", peer: "http://127.0.0.1:2380" } }
  - { name: us }
  - { name: ap }
stores:
  - name: orders
    engine: postgres
    primaryRegion: eu
    replicaRegions: [us, ap]
    primaryHostname: primary.orders.db
    replicaHostname: replica.orders.db
    endpoints: { eu: 10.0.0.5, us: 10.0.1.5, ap: 10.0.2.5 }
${extra}`);

const store = topology().stores[0]!;
const view = (over: Partial<StoreView> = {}): StoreView => ({
  record: { region: 'us', token: 42n, writtenBy: 'us/agent:x', at: '' },
  lease: null,
  rejoin: new Map(),
  blocked: new Map(),
  sync: undefined,
  paused: undefined,
  ...over,
});
const names = (v: StoreView | undefined, down: string[] = []) =>
  storeStaticNames({ zone: 'global.test', store, regions: ['eu', 'us', 'ap'], view: v, regionDown: (r) => down.includes(r) });

const heldBy = (region: string) => ({ holder: holderIds.agent(region, 'boot'), token: 42n });

test('the primary name follows the record, lease or not (a stale answer only fails writes fast)', () => {
  assert.deepEqual(names(view({ lease: heldBy('us') }))['primary.orders.db.global.test'], ['10.0.1.5']);
  assert.deepEqual(staticNameOf(names(view())['primary.orders.db.global.test']!).addresses, ['10.0.1.5']);
});

test("the primary name's TTL: the zone's storeTtl while the primary is settled, 0 while it is in doubt", () => {
  const table: Array<[string, StoreView, string[], number | undefined]> = [
    ['lease held for the recorded region', view({ lease: heldBy('us') }), [], undefined],
    ['lease free: a failover is under way', view({ lease: null }), [], 0],
    ['lease held for another region: the hand-over of a promotion', view({ lease: heldBy('eu') }), [], 0],
    ["the recorded region is down by quorum, its lease not yet expired", view({ lease: heldBy('us') }), ['us'], 0],
    ['another region is down: no doubt about the primary', view({ lease: heldBy('us') }), ['ap'], undefined],
  ];
  for (const [name, v, down, ttl] of table) {
    assert.equal(staticNameOf(names(v, down)['primary.orders.db.global.test']!).ttl, ttl, name);
    assert.deepEqual(staticNameOf(names(v, down)['primary.orders.db.global.test']!).addresses, ['10.0.1.5'], name);
  }
});

test('the replica name lists the other members minus those awaiting rejoin or down by quorum', () => {
  assert.deepEqual(names(view())['replica.orders.db.global.test'], ['10.0.0.5', '10.0.2.5']);
  const marked = view({ rejoin: new Map([['eu', { token: 1n, reason: '', at: '' }]]) });
  assert.deepEqual(names(marked, ['ap'])['replica.orders.db.global.test'], []);
});

test('no record yet, or never read: both names exist without an address (NODATA)', () => {
  assert.deepEqual(names(undefined), { 'primary.orders.db.global.test': [], 'replica.orders.db.global.test': [] });
  assert.deepEqual(names(view({ record: undefined }))['primary.orders.db.global.test'], []);
});

test('a region is down by health only when every one of its endpoints is routed down', () => {
  const verdict = (region: string, up: boolean) => ({ ref: { service: 'web', region, address: `${region}-ip` }, up, downVotes: [], voters: [] });
  const snapshot = (verdicts: ReturnType<typeof verdict>[]): HealthSnapshot => ({
    atMs: 0, reachablePeers: [], endpoints: new Map(verdicts.map((v, i) => [`k${i}`, v])),
  });
  assert.equal(regionDownByHealth(snapshot([verdict('eu', false), verdict('eu', false)]), 'eu'), true);
  assert.equal(regionDownByHealth(snapshot([verdict('eu', false), verdict('eu', true)]), 'eu'), false);
  assert.equal(regionDownByHealth(snapshot([verdict('us', false)]), 'eu'), false, 'no endpoints: no evidence');
});

const ENV = {
  MERIDIAN_DB_ADMIN_USER: 'a', MERIDIAN_DB_ADMIN_PASSWORD: 'b', MERIDIAN_DB_REPLICATION_USER: 'c', MERIDIAN_DB_REPLICATION_PASSWORD: 'd',
};

test('credentials come from the environment; a missing one is named', () => {
  assert.deepEqual(dbAuthFromEnv(ENV), { adminUser: 'a', adminPassword: 'b', replicationUser: 'c', replicationPassword: 'd' });
  assert.deepEqual(dbAuthFromEnv({ ...ENV, MERIDIAN_DB_REPLICATION_PASSWORD: undefined }), { missing: ['MERIDIAN_DB_REPLICATION_PASSWORD'] });
  // The passfile is optional: named when set, never reported missing.
  assert.deepEqual(dbAuthFromEnv({ ...ENV, MERIDIAN_DB_REPLICATION_PASSFILE: '/etc/meridian/replication.pgpass' }), {
    adminUser: 'a', adminPassword: 'b', replicationUser: 'c', replicationPassword: 'd', replicationPassfile: '/etc/meridian/replication.pgpass',
  });
});

test('supervision plan: reasons when not supervised, members and local member otherwise', () => {
  const none = planSupervision(topology(), 'eu', { env: {} });
  assert.equal(none.kind, 'none');
  assert.match(none.kind === 'none' ? none.reason : '', /MERIDIAN_DB_ADMIN_USER/);
  const noEtcd = planSupervision(parseTopology('apiVersion: meridian/v1\nzone: z.test\nregions: [{ name: eu }]\nstores: [{ name: oo, engine: postgres, primaryRegion: eu, primaryHostname: p }]\n'), 'eu', { env: ENV });
  assert.match(noEtcd.kind === 'none' ? noEtcd.reason : '', /no etcd members/);

  const plan = planSupervision(topology(), 'us', { env: ENV, dataDirs: { orders: '/srv/pg/orders' } });
  assert.equal(plan.kind, 'supervise');
  if (plan.kind !== 'supervise') return;
  assert.equal(plan.stateDir, '/var/lib/meridian/us');
  assert.equal(plan.leaseTtlMs, 4000);
  assert.equal(plan.checkMs, 1000);
  const setup = plan.stores[0]!;
  assert.equal(setup.kind, 'plan');
  if (setup.kind !== 'plan') return;
  assert.deepEqual(setup.plan.members.map((m) => `${m.region}@${m.endpoint.host}:${m.endpoint.port}`), ['eu@10.0.0.5:5432', 'us@10.0.1.5:5432', 'ap@10.0.2.5:5432']);
  assert.deepEqual(setup.plan.local, { name: 'us', host: '10.0.1.5', port: 5432, dataDir: '/srv/pg/orders' });
  assert.equal(setup.plan.primaryName, 'primary.orders.db.global.test');

  const logged = planSupervision(topology(), 'us', { env: ENV, dataDirs: { orders: '/srv/pg/orders' }, logFiles: { orders: '/var/log/pg-orders.log' } });
  const loggedSetup = logged.kind === 'supervise' ? logged.stores[0] : undefined;
  assert.equal(loggedSetup?.kind === 'plan' ? loggedSetup.plan.local?.logFile : undefined, '/var/log/pg-orders.log');
});

test('a store without an address for a member is reported, not supervised', () => {
  const t = parseTopology(`
apiVersion: meridian/v1
zone: z.test
regions: [{ name: eu, etcd: { client: "http://127.0.0.1:2379", peer: "http://127.0.0.1:2380" } }, { name: us }]
stores: [{ name: oo, engine: postgres, primaryRegion: eu, replicaRegions: [us], primaryHostname: p, endpoints: { eu: 10.0.0.5 } }]
`);
  const plan = planSupervision(t, 'eu', { env: ENV });
  const setup = plan.kind === 'supervise' ? plan.stores[0] : undefined;
  assert.equal(setup?.kind, 'unsupervised');
  assert.match(setup?.kind === 'unsupervised' ? setup.reason : '', /no database address for region us/);
});
