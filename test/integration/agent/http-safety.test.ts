/**
 * Bad input at every POST route of a real agent on loopback (127.0.79.11), and what a browser
 * page could send: a foreign Host (DNS rebinding), text/plain or form bodies (no CORS preflight),
 * oversized and chunked bodies, malformed JSON, wrong types, unknown fields, broken paths. Every
 * answer is a 4xx with a JSON error; none is a 500, and the agent keeps serving. The store routes
 * run unsupervised here and the traffic routes without etcd: the checks come before any route,
 * so they are the same.
 */
import { testAuth, testTokensFile } from '../../support/tokens.ts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { pino } from 'pino';
import { runAgent, type RunningAgent } from '../../../src/agent/index.ts';
import { parseTopology } from '../../../src/spec/index.ts';
import { freePort } from '../../support/ports.ts';
import { EndpointServer, portFreeOn, waitFor } from './fixtures.ts';

const IP = { ra: '127.0.79.11', rb: '127.0.79.12' } as const;
const ENDPOINTS = { ra: '127.0.79.21', rb: '127.0.79.31' } as const;
// An admin's token: what is checked here is the request guard and the routes' parsing, not roles (test/unit/agent-auth).
const JSON_TYPE = { 'content-type': 'application/json', ...testAuth('admin') };

const STORE_ROUTES = ['switchover', 'rejoin', 'pause', 'resume', 'abort', 'local/demote', 'local/rejoin'].map((op) => `/v1/stores/orders/${op}`);
const TRAFFIC_ROUTES = ['drain', 'undrain', 'weight'].map((op) => `/v1/traffic/${op}`);
const POST_ROUTES = ['/v1/view', ...STORE_ROUTES, ...TRAFFIC_ROUTES];

let ra: RunningAgent;
let rb: RunningAgent;
const servers: EndpointServer[] = [];

before(async () => {
  const servicePort = await portFreeOn(Object.values(ENDPOINTS));
  const ports = { ra: [await freePort(IP.ra), await freePort(IP.ra)], rb: [await freePort(IP.rb), await freePort(IP.rb)] };
  const region = (r: 'ra' | 'rb') => `  - { name: ${r}, agent: { dns: "${IP[r]}:${ports[r][0]}", api: "http://${IP[r]}:${ports[r][1]}" } }`;
  const topology = parseTopology(`
apiVersion: meridian/v1
zone: global.test
regions:
${region('ra')}
${region('rb')}
services:
  - { name: web, hostname: web, port: ${servicePort}, endpoints: { ra: ["${ENDPOINTS.ra}"], rb: ["${ENDPOINTS.rb}"] }, health: { interval: 200ms, timeout: 150ms, healthyThreshold: 2, unhealthyThreshold: 2 }, policy: { type: all-healthy } }
`);
  for (const address of Object.values(ENDPOINTS)) {
    const server = new EndpointServer(address, servicePort);
    servers.push(server);
    await server.start();
  }
  const logger = pino({ level: 'silent' });
  ra = await runAgent({ topology, region: 'ra', logger, tokensFile: testTokensFile() });
  rb = await runAgent({ topology, region: 'rb', logger, tokensFile: testTokensFile() });
});

after(async () => {
  await Promise.all([ra?.close(), rb?.close()]);
  await Promise.all(servers.map((s) => s.stop()));
});

interface Answer {
  readonly status: number;
  /** The JSON body; {} when the body is not JSON. */
  readonly body: Record<string, unknown>;
}

interface Send {
  readonly method?: string;
  readonly headers?: Record<string, string | number>;
  readonly body?: string | Buffer;
  /** Send the body chunked (no Content-Length). */
  readonly chunked?: boolean;
  /** Send no Host header at all. */
  readonly noHost?: boolean;
}

/** One raw request to ra; resolves with the answer even when the agent closes before reading the whole body. */
function send(path: string, o: Send = {}): Promise<Answer> {
  const body = o.body === undefined ? Buffer.alloc(0) : Buffer.from(o.body);
  return new Promise((resolve, reject) => {
    const req = request({
      host: ra.api.host, port: ra.api.port, path, method: o.method ?? 'POST', agent: false, setHost: !o.noHost,
      headers: { ...(o.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': body.length }), ...o.headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // Node itself answers some requests (no Host on HTTP/1.1) with an empty 400.
        }
        resolve({ status: res.statusCode ?? 0, body: json });
      });
    });
    // The agent answers a refused request without reading its body: writing the rest may fail.
    req.on('error', (err) => setTimeout(() => reject(err), 1_000));
    req.end(body);
  });
}

/** A 4xx with a JSON error line (the local routes say `detail`). */
function assertRefused(answer: Answer, status: number, what: string, pattern?: RegExp): void {
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
  const line = answer.body.error ?? answer.body.detail;
  assert.equal(typeof line, 'string', `${what}: an error line`);
  if (pattern) assert.match(line as string, pattern, what);
}

const view = (extra: Record<string, unknown> = {}) => JSON.stringify({ vantage: 'rb', bootId: 'b-test', seq: 1, sentAtMs: 0, endpoints: {}, ...extra });

describe('what a browser page could send', () => {
  for (const path of [...POST_ROUTES, '/status', '/nope']) {
    it(`POST ${path}: foreign Host 421, no Host 400, text/plain, form or no type 415`, async () => {
      assertRefused(await send(path, { headers: { ...JSON_TYPE, host: 'attacker.example:7700' }, body: '{}' }), 421, 'rebinding', /not a name of this agent/);
      assertRefused(await send(path, { headers: { ...JSON_TYPE, host: `${IP.ra}.attacker.example` }, body: '{}' }), 421, 'look-alike name');
      assert.equal((await send(path, { headers: JSON_TYPE, body: '{}', noHost: true })).status, 400, 'no Host');
      assertRefused(await send(path, { headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: view() }), 415, 'text/plain', /application\/json/);
      assertRefused(await send(path, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' }), 415, 'form');
      assertRefused(await send(path, { body: view() }), 415, 'no content-type');
      assertRefused(await send(path, { headers: { 'content-type': 'application/json; charset=utf-16' }, body: view() }), 415, 'utf-16');
    });
  }

  it('a GET from any Host still reads (load balancers and scrapers name the agent as they like)', async () => {
    const answer = await send('/v1/view', { method: 'GET', headers: { host: 'attacker.example', ...testAuth('viewer') } });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.vantage, 'ra');
  });
});

describe('bodies: size first, then JSON, then the fields', () => {
  for (const path of POST_ROUTES) {
    it(`POST ${path}: over 64 KiB 413, chunked 411, malformed 400, wrong types 400, unknown fields 400`, async () => {
      assertRefused(await send(path, { headers: JSON_TYPE, body: Buffer.alloc((1 << 20) + 1, 0x20) }), 413, '1 MiB', /at most 65536 bytes/);
      assertRefused(await send(path, { headers: JSON_TYPE, body: `{"pad":"${'x'.repeat(64 * 1024)}"}` }), 413, 'just over 64 KiB');
      assertRefused(await send(path, { headers: JSON_TYPE, body: '{}', chunked: true }), 411, 'chunked', /Content-Length/);
      for (const bad of ['{', '{"to":', 'nul', '\u0000', '{"a":1}}']) assertRefused(await send(path, { headers: JSON_TYPE, body: bad }), 400, `malformed ${JSON.stringify(bad)}`);
      for (const wrong of ['[]', '"x"', '5', 'true', '{"to":5,"by":[],"token":{},"region":null,"vantage":7}']) {
        assertRefused(await send(path, { headers: JSON_TYPE, body: wrong }), 400, `wrong types ${wrong}`);
      }
      const unknownField = path === '/v1/view' ? view({ admin: true }) : JSON.stringify({ to: 'rb', region: 'rb', by: 'me', token: '1', from: 'rb', method: 'rewind', admin: true });
      assertRefused(await send(path, { headers: JSON_TYPE, body: unknownField }), 400, 'unknown field', /admin|[Uu]nrecognized/);
    });
  }

  it('a path that does not decode is a 400, not a 500', async () => {
    for (const path of ['/v1/stores/%E0%A4%A/switchover', '/v1/stores/%/pause']) {
      assertRefused(await send(path, { headers: JSON_TYPE, body: '{"by":"me"}' }), 400, path, /not a valid URL path/);
    }
  });

  it('a well-formed request still reaches its route', async () => {
    // Unsupervised stores: the route answers, and says why it does nothing.
    assertRefused(await send('/v1/stores/orders/pause', { headers: { ...JSON_TYPE, host: `localhost:${ra.api.port}` }, body: '{"by":"me"}' }), 409, 'pause', /not supervised/);
    assertRefused(await send('/v1/view', { headers: JSON_TYPE, body: view({ vantage: 'zz' }) }), 403, 'stranger', /not a peer/);
    // No etcd in this topology: the traffic route answers, and says why it does nothing.
    assertRefused(await send('/v1/traffic/drain', { headers: JSON_TYPE, body: '{"region":"rb","by":"me"}' }), 409, 'drain', /need etcd/);
    const accepted = await send('/v1/view', { headers: { ...JSON_TYPE, host: `${IP.ra}:${ra.api.port}` }, body: view({ seq: 99 }) });
    assert.deepEqual(accepted, { status: 200, body: { outcome: 'accepted' } });
  });
});

it('after all that the agent serves, and its peer exchange (real POSTs between agents) works', async () => {
  assert.equal((await fetch(`http://${IP.ra}:${ra.api.port}/healthz`, { signal: AbortSignal.timeout(2_000) })).status, 200);
  await waitFor('ra and rb to reach each other', async () =>
    ra.status().peers.every((p) => p.reachability === 'reachable' && p.fresh) && rb.status().peers.every((p) => p.reachability === 'reachable' && p.fresh) || undefined);
});
