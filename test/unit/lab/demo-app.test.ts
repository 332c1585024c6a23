import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ROUTES, parseListen, sendJson, startDemoApp } from '../../../src/demo/index.ts';
import { httpGet } from '../../../src/lab/http.ts';

const identity = { region: 'eu-west', service: 'web', instance: 2 };
const fixedNow = () => new Date('2026-01-02T03:04:05.000Z');

describe('demo app', () => {
  it('answers who it is on every listen address, IPv4 and IPv6', async (t) => {
    const app = await startDemoApp({ identity, listen: [parseListen('127.0.0.1:0'), parseListen('[::1]:0')], now: fixedNow });
    t.after(() => app.close());
    const [v4, v6] = app.addresses;
    const a = await httpGet(`http://127.0.0.1:${v4!.port}/`, 1000);
    assert.equal(a.status, 200);
    assert.deepEqual(JSON.parse(a.body), { ...identity, address: `127.0.0.1:${v4!.port}`, time: '2026-01-02T03:04:05.000Z' });
    const b = await httpGet(`http://[::1]:${v6!.port}/`, 1000);
    assert.equal(JSON.parse(b.body).address, `[::1]:${v6!.port}`);
  });

  it('serves /healthz, 404 for anything else', async (t) => {
    const app = await startDemoApp({ identity, listen: [parseListen('127.0.0.1:0')] });
    t.after(() => app.close());
    const base = `http://127.0.0.1:${app.addresses[0]!.port}`;
    assert.deepEqual(await httpGet(`${base}/healthz`, 1000), { status: 200, body: 'ok' });
    assert.equal((await httpGet(`${base}/healthz?probe=1`, 1000)).status, 200);
    assert.equal((await httpGet(`${base}/orders`, 1000)).status, 404);
  });

  it('takes extra routes, and a failing handler gives a 500, not a crash', async (t) => {
    const app = await startDemoApp({
      identity,
      listen: [parseListen('127.0.0.1:0')],
      routes: {
        ...DEFAULT_ROUTES,
        'GET /extra': (_req, res, ctx) => sendJson(res, 200, { instance: ctx.identity.instance }),
        'GET /boom': async () => Promise.reject(new Error('database down')),
      },
    });
    t.after(() => app.close());
    const base = `http://127.0.0.1:${app.addresses[0]!.port}`;
    assert.deepEqual(await httpGet(`${base}/extra`, 1000), { status: 200, body: '{"instance":2}' });
    assert.deepEqual(await httpGet(`${base}/boom`, 1000), { status: 500, body: '{"error":"database down"}' });
  });

  it('counts the requests it answers on GET /metrics, health probes and scrapes excluded, extra routes included', async (t) => {
    const app = await startDemoApp({ identity, listen: [parseListen('127.0.0.1:0')], routes: { ...DEFAULT_ROUTES, 'GET /extra': (_req, res) => sendJson(res, 200, {}) } });
    t.after(() => app.close());
    const base = `http://127.0.0.1:${app.addresses[0]!.port}`;
    for (const path of ['/', '/', '/extra', '/missing', '/healthz', '/metrics']) await httpGet(`${base}${path}`, 1000);
    const metrics = await httpGet(`${base}/metrics`, 1000);
    assert.equal(metrics.status, 200);
    assert.equal(metrics.body, [
      '# HELP meridian_demo_requests_total Requests this demo instance answered (health probes and scrapes excluded).',
      '# TYPE meridian_demo_requests_total counter',
      'meridian_demo_requests_total{service="web",region="eu-west"} 4',
      '',
    ].join('\n'));
  });

  it('reports an address it cannot bind as one line', async () => {
    // An address of the lab's range that no interface holds outside a running lab.
    await assert.rejects(startDemoApp({ identity, listen: [parseListen('10.231.254.254:8080')] }), {
      name: 'InfraError',
      message: 'cannot listen on 10.231.254.254:8080',
    });
  });
});

describe('parseListen', () => {
  const good = [
    ['10.231.1.11:8080', { host: '10.231.1.11', port: 8080 }],
    ['[fd77:231::1:11]:8080', { host: 'fd77:231::1:11', port: 8080 }],
  ] as const;
  for (const [text, want] of good) it(`reads ${text}`, () => assert.deepEqual(parseListen(text), want));
  for (const bad of ['8080', 'fd77::1:8080', '10.0.0.1:0x', '10.0.0.1:70000', 'host:80', '999.1.1.1:80']) {
    it(`rejects ${bad} with a usage error`, () => assert.throws(() => parseListen(bad), { name: 'UsageError' }));
  }
});
