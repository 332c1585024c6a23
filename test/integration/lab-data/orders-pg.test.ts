/**
 * The demo app's PostgreSQL write path against real PostgreSQL 15 on loopback (no lab needed):
 * a primary at 127.0.0.2 and a standby at 127.0.0.3 on the same port, like two regions' members.
 * Covers: who served a write, duplicates, the fallback that must skip a standby, an unreachable
 * primary, and a synchronous commit that no standby acknowledges: it must never be reported as
 * written, and a retry after the lost acknowledgement must neither double-insert nor say 409.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStandby, initPrimary, readMemberState, setSynchronous, type PgMember } from '../../../src/data/index.ts';
import { createPgOrdersStore, type LookupA, type OrdersStore, type PgOrdersConfig } from '../../../src/demo/index.ts';
import { freePort } from '../../support/ports.ts';
import { PgSandbox, TEST_AUTH, TEST_INITDB_ARGS, TEST_SETTINGS, admin, sql } from '../../support/postgres.ts';

const APP = { user: 'app', password: 'app-secret', database: 'orders' };
const notServed: LookupA = { resolve4: async () => Promise.reject(Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' })) };

let sandbox: PgSandbox;
let primary: PgMember;
let standby: PgMember;
const stores: OrdersStore[] = [];

function ordersStore(overrides: Partial<PgOrdersConfig> = {}, resolver: LookupA = notServed): OrdersStore {
  const store = createPgOrdersStore(
    { host: primary.host, port: primary.port, database: APP.database, user: APP.user, password: APP.password, fallback: [], deadlineMs: 3000, ...overrides },
    resolver,
  );
  stores.push(store);
  return store;
}

const appTarget = (m: PgMember) => ({ host: m.host, port: m.port, user: APP.user, password: APP.password, database: APP.database });

describe('demo orders on PostgreSQL', () => {
  before(async () => {
    sandbox = await PgSandbox.create();
    const port = await freePort();
    primary = { name: 'eu-west', host: '127.0.0.2', port, dataDir: `${sandbox.root}/eu-west` };
    standby = { name: 'us-east', host: '127.0.0.3', port, dataDir: `${sandbox.root}/us-east` };
    await initPrimary({
      member: primary, auth: TEST_AUTH, app: APP, allowCidrs: ['127.0.0.0/8'], initdbArgs: TEST_INITDB_ARGS,
      // As in the lab: a backend whose client gave up on a commit ends within a second.
      settings: { ...TEST_SETTINGS, client_connection_check_interval: '1s' },
    });
    const made = await createStandby({ member: standby, primary, auth: TEST_AUTH });
    assert.equal(made.kind, 'created');
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await sandbox?.cleanup();
  });

  it('writes through the primary and says which server took it; a second write of the id is a duplicate; reads back', async () => {
    const store = ordersStore();
    const created = await store.insert({ id: 'o-1', payload: { qty: 2 }, region: 'us-east' });
    assert.equal(created.kind, 'created');
    const state = await readMemberState(admin(primary));
    assert.ok(state.reachable);
    assert.deepEqual(created.kind === 'created' && created.servedBy, { region: 'eu-west', address: '127.0.0.2', timeline: 1, systemId: state.systemIdentifier });
    assert.deepEqual(await store.insert({ id: 'o-1', payload: null, region: 'us-east' }), { kind: 'duplicate' });
    const got = await store.get('o-1');
    assert.equal(got.kind, 'found');
    assert.deepEqual(got.kind === 'found' && { ...got.value, createdAt: 'x' }, { id: 'o-1', createdAt: 'x', region: 'us-east', payload: { qty: 2 } });
    assert.deepEqual(await store.get('nope'), { kind: 'notFound' });
    const since = await store.since(new Date(Date.now() - 60_000), 10);
    assert.deepEqual(since.kind === 'found' && since.value.map((o) => o.id), ['o-1']);
  });

  it('falls back to the member list while the name is not served, skipping a standby', async () => {
    const store = ordersStore({ host: 'primary.orders.db.lab.test', fallback: [standby.host, primary.host] });
    const created = await store.insert({ id: 'o-2', payload: null, region: 'ap-south' });
    assert.equal(created.kind === 'created' && created.servedBy.region, 'eu-west');
  });

  it('an unreachable primary is `unavailable` with the reason, within the deadline', async () => {
    const store = ordersStore({ host: '127.0.0.4', deadlineMs: 800 });
    const t0 = Date.now();
    const outcome = await store.insert({ id: 'o-3', payload: null, region: 'eu-west' });
    assert.equal(outcome.kind, 'unavailable');
    assert.match(outcome.kind === 'unavailable' ? outcome.reason : '', /no primary took it within 800ms; last: 127\.0\.0\.4: .*ECONNREFUSED/);
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0}ms`);
  });

  it('sync mode: a commit no standby acknowledges is never reported written; a retry after the lost ack is neither doubled nor a 409', async (t) => {
    // A synchronous standby that does not exist: every commit waits.
    assert.equal((await setSynchronous(primary, TEST_AUTH, ['nobody'])).kind, 'set');
    t.after(() => setSynchronous(primary, TEST_AUTH, null));

    const unacked = await ordersStore({ deadlineMs: 1500 }).insert({ id: 'o-4', payload: null, region: 'eu-west' });
    assert.equal(unacked.kind, 'unavailable');
    assert.match(unacked.kind === 'unavailable' ? unacked.reason : '', /COMMIT not acknowledged/);

    // The first attempt's COMMIT times out on the client (outcome unknown), later attempts find
    // the row with their own token and rewrite it; once a standby acknowledges, it is written.
    const store = ordersStore({ deadlineMs: 12_000 });
    const t0 = Date.now();
    const pending = store.insert({ id: 'o-5', payload: { n: 5 }, region: 'eu-west' });
    await new Promise((r) => setTimeout(r, 4500));
    assert.equal((await setSynchronous(primary, TEST_AUTH, [standby.name])).kind, 'set', 'the real standby becomes the synchronous one');
    const outcome = await pending;
    assert.equal(outcome.kind, 'created', JSON.stringify(outcome));
    assert.ok(Date.now() - t0 >= 4500, 'not acknowledged before a standby could have it');
    const rows = await sql<{ id: string }>(appTarget(primary), "SELECT id FROM orders WHERE id = 'o-5'");
    assert.equal(rows.length, 1);
    // Acknowledged in sync mode: the standby has flushed it; replay follows within moments.
    const deadline = Date.now() + 5000;
    while ((await sql(appTarget(standby), "SELECT 1 FROM orders WHERE id = 'o-5'")).length === 0) {
      assert.ok(Date.now() < deadline, 'the standby replays the acknowledged row');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
