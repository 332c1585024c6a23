/** The stored form of the traffic controls: strict both ways, round trip, deterministic order. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTrafficControls, encodeTrafficControls, type TrafficControls } from '../../../src/gslb/index.ts';
import { withDrain, withWeight } from '../../../src/gslb/traffic-controls.ts';

const origin = { by: 'alice@ops', at: '2026-11-02T10:00:00Z', reason: 'kernel upgrade', forced: false };

test('controls round-trip through their stored form, drains sorted by region then service', () => {
  let c: TrafficControls = { drains: [], weights: [] };
  c = withDrain(c, { region: 'us-east', ...origin });
  c = withDrain(c, { region: 'eu-west', service: 'web', ...origin });
  c = withWeight(c, { service: 'api', region: 'eu-west', weight: 30, ...origin, forced: true });
  const decoded = decodeTrafficControls(encodeTrafficControls(c));
  assert.deepEqual(decoded, c);
  assert.deepEqual(decoded?.drains.map((d) => d.region), ['eu-west', 'us-east']);
});

test('a drain of the same scope replaces the old one; other scopes stay', () => {
  let c: TrafficControls = { drains: [], weights: [] };
  c = withDrain(c, { region: 'eu-west', ...origin });
  c = withDrain(c, { region: 'eu-west', service: 'web', ...origin });
  c = withDrain(c, { region: 'eu-west', ...origin, by: 'bob@ops' });
  assert.deepEqual(c.drains.map((d) => `${d.region}/${d.service ?? '*'}/${d.by}`), ['eu-west/*/bob@ops', 'eu-west/web/alice@ops']);
});

const bad: Record<string, unknown> = {
  'not JSON': '{drains',
  'an unknown field': { drains: [], weights: [], note: 'x' },
  'an unknown field in a drain': { drains: [{ region: 'eu-west', ...origin, until: 'later' }], weights: [] },
  'a region that is not a topology name': { drains: [{ region: 'EU WEST', ...origin }], weights: [] },
  'a weight above 1000': { drains: [], weights: [{ service: 'web', region: 'eu-west', weight: 1001, ...origin }] },
  'a drain without who': { drains: [{ region: 'eu-west', at: origin.at, reason: '', forced: false }], weights: [] },
  'a time that is not ISO-8601': { drains: [{ region: 'eu-west', ...origin, at: 'yesterday' }], weights: [] },
};
for (const [name, value] of Object.entries(bad)) {
  test(`refuses ${name}`, () => {
    assert.equal(decodeTrafficControls(typeof value === 'string' ? value : JSON.stringify(value)), undefined);
  });
}

test('encoding controls built wrongly is a programming error', () => {
  assert.throws(() => encodeTrafficControls({ drains: [{ region: 'eu-west', ...origin, by: '' }], weights: [] }), /invalid traffic controls/);
});
