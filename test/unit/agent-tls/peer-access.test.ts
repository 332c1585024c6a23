import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorizeLocal, authorizeView, type CoordinatorNow, type ViewRequest } from '../../../src/agent/tls/index.ts';

const SELF = 'eu-west';

for (const [name, request, expected] of [
  ['a peer sends its own view', { certRegion: 'us-east', vantage: 'us-east', relayed: false }, 'allowed'],
  ['a peer sends another region\'s view', { certRegion: 'us-east', vantage: 'ap-south', relayed: false }, 'refused'],
  ['a peer sends a view as this agent\'s region', { certRegion: 'us-east', vantage: SELF, relayed: false }, 'refused'],
  ['a sibling relays a peer\'s view', { certRegion: SELF, vantage: 'us-east', relayed: true }, 'allowed'],
  ['a peer marks its own view as relayed', { certRegion: 'us-east', vantage: 'us-east', relayed: true }, 'refused'],
  ['a peer relays another peer\'s view', { certRegion: 'us-east', vantage: 'ap-south', relayed: true }, 'refused'],
  ['a sibling sends a view of its own region, not relayed', { certRegion: SELF, vantage: SELF, relayed: false }, 'allowed'],
] as const) {
  test(`authorizeView: ${name} → ${expected}`, () => {
    const verdict = authorizeView({ ...request, self: SELF } satisfies ViewRequest);
    assert.equal(verdict.kind, expected, JSON.stringify(verdict));
    if (verdict.kind === 'refused') assert.equal(verdict.status, 403);
  });
}

const held = (region: string, token = '42'): CoordinatorNow => ({ kind: 'held', region, token });

for (const [name, certRegion, token, coordinator, expected] of [
  ['the coordinator\'s region with its token', 'us-east', '42', held('us-east'), 'allowed'],
  ['the coordinator\'s region with an old token', 'us-east', '41', held('us-east'), 409],
  ['another region with the right token', 'ap-south', '42', held('us-east'), 403],
  ['another region with a wrong token', 'ap-south', '7', held('us-east'), 403],
  ['no coordinator', 'us-east', '42', { kind: 'free' }, 409],
  ['the coordinator unknown (etcd unreachable)', 'us-east', '42', { kind: 'unavailable', reason: 'etcd timeout' }, 409],
  ['in clear (no --peer-tls): the right token', undefined, '42', held('us-east'), 'allowed'],
  ['in clear (no --peer-tls): a wrong token', undefined, '41', held('us-east'), 409],
] as const) {
  test(`authorizeLocal: ${name} → ${expected}`, () => {
    const verdict = authorizeLocal({ certRegion, token, coordinator });
    if (expected === 'allowed') return assert.deepEqual(verdict, { kind: 'allowed' });
    assert.equal(verdict.kind, 'refused');
    assert.ok(verdict.kind === 'refused');
    assert.equal(verdict.status, expected);
    // The right token is never printed: whoever reads the refusal could present it.
    if (token !== '42') assert.doesNotMatch(verdict.reason, /\b42\b/, verdict.reason);
  });
}
