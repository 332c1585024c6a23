import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grants, routeAccess, ROLES, type Access, type Role } from '../../../src/agent/auth/index.ts';

const role = (r: Role): Access => ({ kind: 'role', role: r });

for (const [name, method, path, access] of [
  ['load balancers read /healthz', 'GET', '/healthz', { kind: 'public' }],
  ['the dashboard page carries no data', 'GET', '/', { kind: 'public' }],
  ['a peer pushes its view (mTLS later)', 'POST', '/v1/view', { kind: 'peer' }],
  ['the coordinator asks a member to demote (mTLS later)', 'POST', '/v1/stores/orders/local/demote', { kind: 'peer' }],
  ['the coordinator asks a member to rejoin (mTLS later)', 'POST', '/v1/stores/orders/local/rejoin', { kind: 'peer' }],
  ['status', 'GET', '/status', role('viewer')],
  ['metrics (Prometheus)', 'GET', '/metrics', role('viewer')],
  ['events', 'GET', '/v1/events', role('viewer')],
  ['the stream', 'GET', '/v1/stream', role('viewer')],
  ['the other regions', 'GET', '/v1/regions', role('viewer')],
  ['the view, read', 'GET', '/v1/view', role('viewer')],
  ['HEAD is a read', 'HEAD', '/status', role('viewer')],
  ['switchover', 'POST', '/v1/stores/orders/switchover', role('operator')],
  ['rejoin (forced: admin, checked on the body)', 'POST', '/v1/stores/orders/rejoin', role('operator')],
  ['pause', 'POST', '/v1/stores/orders/pause', role('operator')],
  ['resume', 'POST', '/v1/stores/orders/resume', role('operator')],
  ['runbook abort', 'POST', '/v1/stores/orders/abort', role('operator')],
  ['approve a failover run', 'POST', '/v1/stores/orders/approve', role('operator')],
  ['reject a failover run', 'POST', '/v1/stores/orders/reject', role('operator')],
  ['the runs, read', 'GET', '/v1/stores/orders/runs', role('viewer')],
  ['drain', 'POST', '/v1/traffic/drain', role('operator')],
  ['undrain', 'POST', '/v1/traffic/undrain', role('operator')],
  ['weight', 'POST', '/v1/traffic/weight', role('operator')],
  ['a dry-run plan', 'GET', '/v1/stores/orders/plan', role('operator')],
  ['an unknown read needs a viewer', 'GET', '/v1/unknown', role('viewer')],
  ['an unknown change needs an admin (closed until classified)', 'POST', '/v1/new-action', role('admin')],
  ['a POST to a read route is not a read', 'POST', '/status', role('admin')],
  ['a DELETE of the view is not the peer push', 'DELETE', '/v1/view', role('admin')],
  ['a nested local path is not a peer route', 'POST', '/v1/stores/a/b/local/demote', role('admin')],
  ['GET on a local route is a read, not a peer push', 'GET', '/v1/stores/orders/local/demote', role('viewer')],
] as const) {
  test(`route table: ${name}: ${method} ${path}`, () => assert.deepEqual(routeAccess(method, path), access));
}

test('admin ⊇ operator ⊇ viewer', () => {
  const table = ROLES.map((held) => ROLES.map((needed) => grants(held, needed)));
  assert.deepEqual(table, [
    [true, false, false],
    [true, true, false],
    [true, true, true],
  ]);
});
