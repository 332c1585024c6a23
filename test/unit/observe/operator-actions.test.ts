/**
 * The dashboard's Operator actions model (src/observe/dashboard/operator-actions.js): what the
 * panel offers from the agents' readings, the requests it sends (the agent's own routes, JSON),
 * and the page carrying it with its confirmation dialog.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { asClassicScript, dashboardHtml } from '../../../src/observe/dashboard/page.ts';
import { actionRequest, operatorModel, outcomeText, type ControlReading, type OperatorReading } from '../../../src/observe/dashboard/operator-actions.js';

const drain = { region: 'ra', service: 'web', by: 'alice@ops', at: '2026-11-02T10:00:00Z', reason: 'kernel', forced: false };
const traffic = (revision: string, drains: readonly ControlReading[] = [drain]) => ({ source: 'etcd' as const, revision, controls: { drains, weights: [] } });
const services = [{ regions: [{ region: 'ra' }, { region: 'rb' }] }];
const store = (self: boolean, holder: string) => ({
  stores: { stores: [{ store: 'orders', supervised: true, primary: { region: 'ra' }, coordinator: { holder, self }, replication: [{ region: 'rb', state: 'streaming' }, { region: 'rc', state: 'catchup' }] }] },
});
const reading = (region: string, status: OperatorReading['status']): OperatorReading => ({ region, origin: `http://${region}:7700`, status });

test('the newest revision of the controls is shown; regions drained for every service offer Undrain', () => {
  const model = operatorModel([
    reading('ra', { answers: [{ service: 'web' }], services, traffic: traffic('7', []) }),
    reading('rb', { answers: [{ service: 'web' }, { service: 'api' }], services, traffic: traffic('9', [drain, { region: 'rb', by: 'bob@ops', at: drain.at, reason: '', forced: false }]) }),
  ], 'ra');
  assert.deepEqual(model.traffic && [model.traffic.revision, model.traffic.readBy, model.traffic.drains.length], ['9', 'rb', 2]);
  assert.deepEqual(model.services, ['api', 'web']);
  assert.deepEqual(model.regions, [{ region: 'ra', drainedForAll: false }, { region: 'rb', drainedForAll: true }]);
});

test('without etcd the panel says why instead of offering drains', () => {
  const model = operatorModel([reading('ra', { services, traffic: { source: 'none', reason: 'traffic controls need etcd', revision: null, controls: { drains: [], weights: [] } } })], 'ra');
  assert.equal(model.traffic, null);
  assert.equal(model.trafficReason, 'traffic controls need etcd');
});

test('switchover is offered on the coordinator\'s own page, to the standbys that stream; elsewhere a link to it', () => {
  const here = operatorModel([reading('rb', { services, ...store(true, 'rb') })], 'rb').stores[0];
  assert.deepEqual([here?.here, here?.targets], [true, ['rb']]);
  const elsewhere = operatorModel([reading('ra', { services, ...store(false, 'rb') }), reading('rb', { services, ...store(true, 'rb') })], 'ra').stores[0];
  assert.deepEqual([elsewhere?.here, elsewhere?.targets, elsewhere?.coordinatorOrigin], [false, [], 'http://rb:7700']);
});

test('the requests are the agent\'s own routes with JSON bodies naming who confirmed', () => {
  assert.deepEqual(actionRequest({ kind: 'drain', region: 'ra', service: 'web' }, 'alice', 'kernel', false), {
    path: '/v1/traffic/drain', body: { region: 'ra', service: 'web', by: 'alice (dashboard)', reason: 'kernel' },
  });
  assert.deepEqual(actionRequest({ kind: 'drain', region: 'ra' }, 'alice', '', true), { path: '/v1/traffic/drain', body: { region: 'ra', by: 'alice (dashboard)', force: true } });
  assert.deepEqual(actionRequest({ kind: 'undrain', region: 'ra' }, 'alice', 'ignored', true), { path: '/v1/traffic/undrain', body: { region: 'ra', by: 'alice (dashboard)' } });
  assert.deepEqual(actionRequest({ kind: 'switchover', store: 'orders', to: 'rb' }, 'alice', '', false), { path: '/v1/stores/orders/switchover', body: { to: 'rb', by: 'alice (dashboard)' } });
  assert.deepEqual(outcomeText(409, { outcome: 'refused', detail: 'refused by rule last-healthy-region: …' }), { ok: false, refused: true, text: 'refused: refused by rule last-healthy-region: …' });
  assert.deepEqual(outcomeText(200, { outcome: 'applied', detail: 'ra drained' }), { ok: true, refused: false, text: 'applied: ra drained' });
});

test('the page inlines the actions as a classic script, with a confirmation dialog and no read-only placeholder', () => {
  const script = asClassicScript(readFileSync(new URL('../../../src/observe/dashboard/operator-actions.js', import.meta.url), 'utf8'));
  const context: Record<string, unknown> = {};
  runInNewContext(script, context);
  assert.equal(typeof context.operatorModel, 'function');
  assert.equal(typeof context.renderOperatorActions, 'function');
  const html = dashboardHtml();
  assert.ok(html.includes(script));
  assert.match(html, /<dialog id="confirm">/);
  assert.match(html, /<div id="actions" class="actions"><\/div>/);
  assert.doesNotMatch(html, /Read-only for now/);
});
