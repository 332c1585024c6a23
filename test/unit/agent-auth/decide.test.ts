import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, digestToken, escalate, generateToken, isLoopback, type TokenEntry } from '../../../src/agent/auth/index.ts';

const token = { viewer: generateToken(), operator: generateToken(), admin: generateToken() };
const entries: TokenEntry[] = (['viewer', 'operator', 'admin'] as const).map((role) => ({ name: `${role}-1`, role, sha256: digestToken(token[role]) }));
const bearer = (t: string) => `Bearer ${t}`;
const REMOTE = '10.1.2.3';

for (const [name, facts, tokens, expected] of [
  ['a viewer reads status', { method: 'GET', path: '/status', authorization: bearer(token.viewer) }, entries, 200],
  ['no token on a read', { method: 'GET', path: '/metrics' }, entries, 401],
  ['no token on a read, even from loopback, once tokens exist', { method: 'GET', path: '/metrics', remoteAddress: '127.0.0.1' }, entries, 401],
  ['an unknown token', { method: 'GET', path: '/status', authorization: bearer(generateToken()) }, entries, 401],
  ['a Basic credential', { method: 'GET', path: '/status', authorization: 'Basic eDp5' }, entries, 401],
  ['a viewer drains', { method: 'POST', path: '/v1/traffic/drain', authorization: bearer(token.viewer) }, entries, 403],
  ['an operator drains', { method: 'POST', path: '/v1/traffic/drain', authorization: bearer(token.operator) }, entries, 200],
  ['an admin switches over', { method: 'POST', path: '/v1/stores/orders/switchover', authorization: bearer(token.admin) }, entries, 200],
  ['an operator posts to an unclassified route', { method: 'POST', path: '/v1/new', authorization: bearer(token.operator) }, entries, 403],
  ['a peer pushes its view without a token', { method: 'POST', path: '/v1/view', remoteAddress: REMOTE }, entries, 200],
  ['the coordinator asks a member to demote without a token', { method: 'POST', path: '/v1/stores/orders/local/demote', remoteAddress: REMOTE }, entries, 200],
  ['a load balancer reads /healthz', { method: 'GET', path: '/healthz', remoteAddress: REMOTE }, entries, 200],
  ['an empty tokens file refuses every read', { method: 'GET', path: '/status', authorization: bearer(token.admin) }, [], 401],
  ['no tokens file: a loopback read', { method: 'GET', path: '/status', remoteAddress: '127.0.0.1' }, undefined, 200],
  ['no tokens file: an IPv4-mapped loopback read', { method: 'GET', path: '/v1/events', remoteAddress: '::ffff:127.0.0.5' }, undefined, 200],
  ['no tokens file: a read from the network', { method: 'GET', path: '/status', remoteAddress: REMOTE }, undefined, 403],
  ['no tokens file: an action from loopback', { method: 'POST', path: '/v1/traffic/drain', remoteAddress: '127.0.0.1' }, undefined, 403],
  ['no tokens file: peers still push views', { method: 'POST', path: '/v1/view', remoteAddress: REMOTE }, undefined, 200],
] as const) {
  test(`decide: ${name} → ${expected}`, () => {
    const decision = decide(facts, tokens);
    assert.equal(decision.kind === 'allowed' ? 200 : decision.denial.status, expected);
  });
}

test('a refusal names the role needed and, for a known token, who was refused; never the token', () => {
  const low = decide({ method: 'POST', path: '/v1/traffic/weight', authorization: bearer(token.viewer) }, entries);
  assert.equal(low.kind, 'denied');
  if (low.kind !== 'denied') return;
  assert.equal(low.denial.principal, 'viewer-1');
  assert.equal(low.denial.error, 'viewer-1 has role viewer; POST /v1/traffic/weight needs role operator');
  const none = decide({ method: 'GET', path: '/status' }, entries);
  assert.match(none.kind === 'denied' ? none.denial.error : '', /needs a bearer token with role viewer/);
  const unknown = generateToken();
  const bad = decide({ method: 'GET', path: '/status', authorization: bearer(unknown) }, entries);
  assert.equal(bad.kind === 'denied' ? bad.denial.principal : '', 'invalid-token');
  assert.ok(!JSON.stringify(bad).includes(unknown));
  const off = decide({ method: 'POST', path: '/v1/stores/s/pause' }, undefined);
  assert.match(off.kind === 'denied' ? off.denial.error : '', /^no tokens file configured on this agent: it refuses every action; .* needs role operator \(start the agent with --tokens FILE; create one with: meridian token create/);
});

test('the caller is the token\'s name and role', () => {
  const decision = decide({ method: 'GET', path: '/status', authorization: bearer(token.operator) }, entries);
  assert.deepEqual(decision, { kind: 'allowed', caller: { kind: 'token', name: 'operator-1', role: 'operator' }, needed: 'viewer' });
});

test('a forced action asks for admin on top of the route', () => {
  assert.equal(escalate({ kind: 'token', name: 'a', role: 'admin' }, 'admin', 'a forced drain'), undefined);
  assert.deepEqual(escalate({ kind: 'token', name: 'o', role: 'operator' }, 'admin', 'a forced drain (--force)'), {
    status: 403, needed: 'admin', principal: 'o', error: 'o has role operator; a forced drain (--force) needs role admin',
  });
  assert.equal(escalate({ kind: 'anonymous' }, 'admin', 'x')?.status, 403);
});

for (const [address, loopback] of [['127.0.0.1', true], ['127.9.9.9', true], ['::1', true], ['::ffff:127.0.0.1', true], ['10.0.0.1', false], ['::ffff:10.0.0.1', false], ['fd00::1', false], [undefined, false]] as const) {
  test(`loopback: ${address} → ${loopback}`, () => assert.equal(isLoopback(address), loopback));
}
