/**
 * The real API server on 127.0.0.1 with the access control: 401/403/200 per role on each kind of
 * route, the principal recorded is the token's name, no answer carries a token, every denial is
 * logged with its principal, and the peer routes still answer without a token.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startApiServer, type ApiServer } from '../../../src/agent/http-api.ts';
import { AccessControl, digestToken, generateToken, tokenLine, TokensFile, type Role } from '../../../src/agent/auth/index.ts';
import { handleStoreRoute, type StoreRouteHandlers } from '../../../src/agent/store/routes.ts';
import { handleTrafficRoute } from '../../../src/agent/traffic/routes.ts';
import type { AgentStatus } from '../../../src/agent/status.ts';
import type { VantageView } from '../../../src/health/index.ts';

const token: Record<Role, string> = { viewer: generateToken(), operator: generateToken(), admin: generateToken() };
const logLines: Record<string, unknown>[] = [];
const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => { logLines.push(JSON.parse(chunk.toString())); done(); } }));
const bodies: string[] = [];
let dir: string;
let server: ApiServer;
let open: ApiServer;

async function startServer(access: AccessControl): Promise<ApiServer> {
  return startApiServer({ host: '127.0.0.1', port: 0 }, {
    status: () => ({ region: 'eu' }) as unknown as AgentStatus,
    view: () => ({ vantage: 'eu' }) as unknown as VantageView,
    receiveView: () => 'accepted',
    extra: async (req, res, auth) => {
      if (req.url === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('meridian_up 1\n'), true;
      return (await handleStoreRoute(req, res, {
        operator: async (_store, request) => ({ status: 200, body: { outcome: 'done', by: request.by } }),
        local: async () => ({ status: 200, body: { kind: 'done' } }),
        plan: async () => ({ status: 200, body: { plan: 'none' } }),
      } as StoreRouteHandlers, auth)) || handleTrafficRoute(req, res, async (request) => ({ status: 200, body: { outcome: 'applied', by: request.by } }), auth);
    },
  }, logger, { access });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-auth-'));
  const file = join(dir, 'tokens.yaml');
  writeFileSync(file, (['viewer', 'operator', 'admin'] as const).map((role) => tokenLine({ name: `lab-${role}`, role, sha256: digestToken(token[role]) })).join('\n'));
  server = await startServer(new AccessControl(new TokensFile(file, logger), logger));
  open = await startServer(new AccessControl(undefined, logger));
});

after(async () => {
  await Promise.all([server.close(), open.close()]);
  rmSync(dir, { recursive: true, force: true });
  const all = bodies.join('\n');
  for (const t of Object.values(token)) assert.ok(!all.includes(t), 'no answer carries a token');
  assert.ok(!JSON.stringify(logLines).includes(token.viewer.slice(4)), 'no log line carries a token');
});

async function call(target: ApiServer, method: string, path: string, role?: Role | 'bogus', body?: unknown) {
  const headers: Record<string, string> = {};
  if (role) headers.authorization = `Bearer ${role === 'bogus' ? generateToken() : token[role]}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${target.port}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown>, res };
}

const drain = { region: 'eu', by: 'typed-by-client' };

for (const [name, method, path, role, body, expected] of [
  ['/healthz needs nothing', 'GET', '/healthz', undefined, undefined, 200],
  ['status without a token', 'GET', '/status', undefined, undefined, 401],
  ['status with an unknown token', 'GET', '/status', 'bogus', undefined, 401],
  ['status as viewer', 'GET', '/status', 'viewer', undefined, 200],
  ['metrics as viewer (Prometheus)', 'GET', '/metrics', 'viewer', undefined, 200],
  ['metrics without a token', 'GET', '/metrics', undefined, undefined, 401],
  ['drain as viewer', 'POST', '/v1/traffic/drain', 'viewer', drain, 403],
  ['drain as operator', 'POST', '/v1/traffic/drain', 'operator', drain, 200],
  ['forced drain as operator', 'POST', '/v1/traffic/drain', 'operator', { ...drain, force: true }, 403],
  ['forced drain as admin', 'POST', '/v1/traffic/drain', 'admin', { ...drain, force: true }, 200],
  ['forced weight as operator', 'POST', '/v1/traffic/weight', 'operator', { service: 'web', region: 'eu', weight: 0, by: 'x', force: true }, 403],
  ['undrain as operator', 'POST', '/v1/traffic/undrain', 'operator', drain, 200],
  ['switchover as viewer', 'POST', '/v1/stores/orders/switchover', 'viewer', { to: 'us' }, 403],
  ['switchover as operator', 'POST', '/v1/stores/orders/switchover', 'operator', { to: 'us' }, 200],
  ['rejoin as operator', 'POST', '/v1/stores/orders/rejoin', 'operator', { region: 'us' }, 200],
  ['forced rejoin as operator', 'POST', '/v1/stores/orders/rejoin', 'operator', { region: 'us', force: true }, 403],
  ['forced rejoin as admin', 'POST', '/v1/stores/orders/rejoin', 'admin', { region: 'us', force: true }, 200],
  ['pause without a token', 'POST', '/v1/stores/orders/pause', undefined, { by: 'x' }, 401],
  ['the coordinator\'s demote needs no token (peer route)', 'POST', '/v1/stores/orders/local/demote', undefined, { token: '7', to: 'us' }, 200],
] as const) {
  test(`with tokens: ${name} → ${expected}`, async () => {
    const got = await call(server, method, path, role, body);
    assert.equal(got.status, expected, got.text);
    if (expected === 401) assert.equal(got.res.headers.get('www-authenticate'), 'Bearer realm="meridian"');
    if (expected >= 400) assert.match(got.json().error as string, /needs (a bearer token with )?role (viewer|operator|admin)/);
  });
}

test('a peer\'s view push is not refused for want of a token (it reaches the route)', async () => {
  const got = await call(server, 'POST', '/v1/view', undefined, { vantage: 'us' });
  assert.equal(got.status, 400, got.text);
});

test('the principal recorded is the token\'s name, not the body\'s `by`', async () => {
  assert.equal((await call(server, 'POST', '/v1/traffic/drain', 'operator', drain)).json().by, 'lab-operator');
  assert.equal((await call(server, 'POST', '/v1/stores/orders/pause', 'admin', { by: 'someone-else' })).json().by, 'lab-admin');
});

test('every denial is logged with its principal and the role needed; actions with who asked and the answer', async () => {
  logLines.length = 0;
  await call(server, 'POST', '/v1/traffic/drain', 'viewer', drain);
  await call(server, 'POST', '/v1/traffic/drain', 'operator', { ...drain, force: true });
  await call(server, 'GET', '/status');
  await call(server, 'POST', '/v1/traffic/undrain', 'operator', drain);
  const denials = logLines.filter((l) => l.event === 'auth.denied').map((l) => [l.principal, l.needed, l.status, l.path]);
  assert.deepEqual(denials, [
    ['lab-viewer', 'operator', 403, '/v1/traffic/drain'],
    ['lab-operator', 'admin', 403, '/v1/traffic/drain'],
    ['anonymous', 'viewer', 401, '/status'],
  ]);
  const actions = logLines.filter((l) => l.event === 'api.action' && l.path === '/v1/traffic/undrain').map((l) => [l.principal, l.role, l.status]);
  assert.deepEqual(actions, [['lab-operator', 'operator', undefined], ['lab-operator', 'operator', 200]]);
});

test('without a tokens file: loopback reads are served, every action is refused with how to configure', async () => {
  assert.equal((await call(open, 'GET', '/status')).status, 200);
  assert.equal((await call(open, 'GET', '/metrics')).status, 200);
  const refused = await call(open, 'POST', '/v1/traffic/drain', 'admin', drain);
  assert.equal(refused.status, 403);
  assert.match(refused.json().error as string, /^no tokens file configured on this agent: it refuses every action; .*--tokens FILE/);
  assert.equal((await call(open, 'POST', '/v1/stores/orders/local/demote', undefined, { token: '7', to: 'us' })).status, 200, 'peer routes unchanged');
});
