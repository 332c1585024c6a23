import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import {
  DEFAULT_ROUTES, matchRoute, orderRoutes, ordersConfigFrom, parseListen, parseOrderRequest, parseSince, primaryCandidates, startDemoApp,
  type InsertOutcome, type Order, type OrdersStore, type ReadOutcome,
} from '../../../src/demo/index.ts';

const identity = { region: 'us-east', service: 'web', instance: 1 };
const servedBy = { region: 'eu-west', address: '10.231.1.5', timeline: 1, systemId: '7711' };

/** A fake at the port: records inserts, answers from a map, or is down. */
function fakeStore(opts: { down?: string } = {}) {
  const rows = new Map<string, Order>();
  const store: OrdersStore = {
    async insert(order): Promise<InsertOutcome> {
      if (opts.down) return { kind: 'unavailable', reason: opts.down };
      if (rows.has(order.id)) return { kind: 'duplicate' };
      rows.set(order.id, { id: order.id, createdAt: '2026-01-01T00:00:00.000Z', region: order.region, payload: order.payload });
      return { kind: 'created', createdAt: '2026-01-01T00:00:00.000Z', servedBy };
    },
    async get(id): Promise<ReadOutcome<Order>> {
      if (opts.down) return { kind: 'unavailable', reason: opts.down };
      const row = rows.get(id);
      return row ? { kind: 'found', value: row } : { kind: 'notFound' };
    },
    async since(after, limit) {
      if (opts.down) return { kind: 'unavailable', reason: opts.down };
      return { kind: 'found', value: [...rows.values()].filter((r) => new Date(r.createdAt) > after).slice(0, limit) };
    },
    async close() {},
  };
  return { store, rows };
}

function call(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function serve(t: { after: (fn: () => Promise<void>) => void }, store: OrdersStore) {
  const app = await startDemoApp({ identity, listen: [parseListen('127.0.0.1:0')], routes: { ...DEFAULT_ROUTES, ...orderRoutes(store) } });
  t.after(() => app.close());
  return app.addresses[0]!.port;
}

describe('orders over HTTP (fake store)', () => {
  it('201 with who served it, the writing region recorded; 409 for the same id; reads back', async (t) => {
    const { store, rows } = fakeStore();
    const port = await serve(t, store);
    const created = await call(port, 'POST', '/orders', '{"id":"o-1","payload":{"qty":2}}');
    assert.deepEqual(created, { status: 201, body: { id: 'o-1', createdAt: '2026-01-01T00:00:00.000Z', servedBy } });
    assert.equal(rows.get('o-1')?.region, 'us-east');
    assert.deepEqual(await call(port, 'POST', '/orders', '{"id":"o-1"}'), { status: 409, body: { error: 'order o-1 already exists' } });
    assert.deepEqual((await call(port, 'GET', '/orders/o-1')).body, { id: 'o-1', createdAt: '2026-01-01T00:00:00.000Z', region: 'us-east', payload: { qty: 2 } });
    assert.equal((await call(port, 'GET', '/orders/nope')).status, 404);
    assert.deepEqual((await call(port, 'GET', '/orders?since=2025-12-31T00:00:00Z')).body, { orders: [rows.get('o-1')] });
  });

  it('503 with the reason when no primary takes it; 400 for bad input; 413 for a huge body', async (t) => {
    const port = await serve(t, fakeStore({ down: 'no primary took it within 5000ms' }).store);
    assert.deepEqual(await call(port, 'POST', '/orders', '{"id":"o-2"}'), { status: 503, body: { error: 'no primary took it within 5000ms' } });
    assert.equal((await call(port, 'GET', '/orders/o-2')).status, 503);
    assert.equal((await call(port, 'GET', '/orders?since=2025-01-01T00:00:00Z')).status, 503);
    assert.equal((await call(port, 'POST', '/orders', 'not json')).status, 400);
    assert.equal((await call(port, 'GET', '/orders?since=yesterday')).status, 400);
    assert.equal((await call(port, 'POST', '/orders', JSON.stringify({ id: 'x', payload: 'y'.repeat(70_000) }))).status, 413);
  });
});

describe('parseOrderRequest', () => {
  const cases: [string, string, ReturnType<typeof parseOrderRequest>][] = [
    ['id and payload', '{"id":"a","payload":[1,2]}', { id: 'a', payload: [1, 2] }],
    ['id only: payload null', '{"id":"a"}', { id: 'a', payload: null }],
    ['not JSON', '{id', { error: 'the body must be JSON: {"id": "...", "payload": ...}' }],
    ['an array', '[1]', { error: 'the body must be a JSON object with an "id"' }],
    ['a number id', '{"id":1}', { error: '"id" must be a non-empty string of at most 200 characters' }],
    ['an empty id', '{"id":""}', { error: '"id" must be a non-empty string of at most 200 characters' }],
    ['a long id', JSON.stringify({ id: 'x'.repeat(201) }), { error: '"id" must be a non-empty string of at most 200 characters' }],
  ];
  for (const [name, body, want] of cases) it(name, () => assert.deepEqual(parseOrderRequest(body), want));
});

describe('parseSince', () => {
  it('takes ISO-8601 times only', () => {
    assert.equal(parseSince('2026-01-02T03:04:05Z')?.toISOString(), '2026-01-02T03:04:05.000Z');
    for (const bad of [null, '', 'yesterday', '1700000000', '2026-13-45T00:00:00Z']) assert.equal(parseSince(bad), undefined, String(bad));
  });
});

describe('matchRoute', () => {
  const h = () => {};
  const routes = { 'GET /orders': h, 'GET /orders/:id': h, 'POST /orders': h };
  it('prefers exact routes, fills :params (decoded), needs the same depth and method', () => {
    assert.deepEqual(matchRoute(routes, 'GET', '/orders')?.params, {});
    assert.deepEqual(matchRoute(routes, 'GET', '/orders/a%2Fb')?.params, { id: 'a/b' });
    assert.equal(matchRoute(routes, 'GET', '/orders/a/b'), undefined);
    assert.equal(matchRoute(routes, 'GET', '/orders/'), undefined);
    assert.equal(matchRoute(routes, 'DELETE', '/orders/a'), undefined);
    assert.equal(matchRoute(routes, 'GET', '/orders/%E0%A4%A'), undefined);
  });
});

describe('ordersConfigFrom', () => {
  const login = { user: 'app', password: 'pw' };
  it('reads --db-* with defaults; the login comes from the environment', () => {
    assert.deepEqual(ordersConfigFrom({ dbHost: 'primary.orders.db.z', dbName: 'orders', dbFallback: '10.231.1.5, 10.231.2.5' }, login), {
      host: 'primary.orders.db.z', port: 5432, database: 'orders', user: 'app', password: 'pw', fallback: ['10.231.1.5', '10.231.2.5'], deadlineMs: 5000,
    });
    assert.equal(ordersConfigFrom({}, {}), undefined, 'no store: no /orders');
  });
  it('refuses what cannot work, as usage errors', () => {
    assert.throws(() => ordersConfigFrom({ dbHost: 'h' }, {}), { name: 'UsageError', message: /MERIDIAN_DB_APP_USER/ });
    assert.throws(() => ordersConfigFrom({ dbName: 'x' }, login), { name: 'UsageError' });
    assert.throws(() => ordersConfigFrom({ dbHost: 'h', dbPort: '0' }, login), { name: 'UsageError' });
    assert.throws(() => ordersConfigFrom({ dbHost: 'h', dbFallback: 'db.example' }, login), /not an IP address/);
    assert.throws(() => ordersConfigFrom({ dbHost: 'h', dbDeadline: 'soon' }, login), /--db-deadline/);
  });
});

describe('primaryCandidates', () => {
  const failing = (code: string) => ({ resolve4: async () => Promise.reject(Object.assign(new Error(code), { code })) });
  const fallback = ['10.231.1.5', '10.231.2.5'];
  it('uses an address as is, and the GSLB answer when there is one', async () => {
    assert.deepEqual(await primaryCandidates('10.231.1.5', fallback, failing('ETIMEOUT')), { hosts: ['10.231.1.5'], via: 'literal' });
    assert.deepEqual(await primaryCandidates('p.z', fallback, { resolve4: async () => ['10.231.2.5'] }), { hosts: ['10.231.2.5'], via: 'dns' });
  });
  it('falls back only while nothing serves the name', async () => {
    for (const code of ['ENOTFOUND', 'ENODATA', 'ECONNREFUSED']) {
      assert.deepEqual(await primaryCandidates('p.z', fallback, failing(code)), { hosts: fallback, via: 'fallback' }, code);
    }
  });
  it('never falls back when the resolver is in trouble (it could lead to a fenced-off zombie)', async () => {
    for (const code of ['ETIMEOUT', 'ESERVFAIL']) await assert.rejects(primaryCandidates('p.z', fallback, failing(code)), { name: 'ResolveFailed' }, code);
    await assert.rejects(primaryCandidates('p.z', [], failing('ENOTFOUND')), { name: 'ResolveFailed' });
  });
});
