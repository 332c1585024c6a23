/**
 * `meridian plan drain` (traffic-preview.ts): what a drain would do to each service, and whether
 * the safety rules would refuse it, judged exactly as planTrafficChange judges the real request.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NO_CONTROLS, planTrafficChange, previewDrain, type Drain, type DrainPreview, type TrafficControls,
} from '../../../src/gslb/index.ts';
import { regionDown, service, snapshot, topologyWith } from './fixtures.ts';

const t = topologyWith(
  service('fo', '{ type: failover, order: [eu-west, us-east, ap-south] }') +
    service('two', '{ type: all-healthy, regions: [eu-west, us-east] }\n    minHealthyRegions: 2'),
);
const drain = (region: string, service?: string): Drain => ({ region, ...(service ? { service } : {}), by: 'bob@ops', at: '2026-11-02T10:00:00Z', reason: 'kernel', forced: false });
const down = (...pairs: [string, string][]) => pairs.flatMap(([s, r]) => regionDown(t, s, r));

interface Case {
  readonly name: string;
  readonly region: string;
  readonly service?: string;
  readonly current?: TrafficControls;
  readonly down?: readonly string[];
  readonly kind: DrainPreview['kind'];
  /** Per service: `service loses? now -> remaining`. */
  readonly services?: readonly string[];
  /** `rule service` of each rule that would refuse it. */
  readonly refusedBy?: readonly string[];
}

const cases: Case[] = [
  {
    name: 'drain ap-south for every service: fo loses it and keeps two regions; two never answered from it',
    region: 'ap-south', kind: 'drain',
    services: ['fo loses healthy -> eu-west,us-east', 'two keeps no endpoints -> eu-west,us-east'],
    refusedBy: [],
  },
  {
    name: 'drain eu-west from two (minHealthyRegions 2): refused by min-healthy-regions, --force needed',
    region: 'eu-west', service: 'two', kind: 'drain',
    services: ['two loses healthy -> us-east'],
    refusedBy: ['min-healthy-regions two'],
  },
  {
    name: 'drain the last healthy region of fo: refused by last-healthy-region',
    region: 'eu-west', service: 'fo', down: down(['fo', 'us-east'], ['fo', 'ap-south']), kind: 'drain',
    services: ['fo loses healthy -> '],
    refusedBy: ['last-healthy-region fo'],
  },
  {
    name: 'drain a region that is down: it leaves the candidates (no fail-open to it), never refused',
    region: 'us-east', service: 'two', down: down(['two', 'us-east']), kind: 'drain',
    services: ['two loses down by majority -> eu-west'],
    refusedBy: [],
  },
  {
    name: 'already drained for every service: unchanged',
    region: 'eu-west', service: 'fo', current: { drains: [drain('eu-west')], weights: [] }, kind: 'unchanged',
  },
  { name: 'an unknown region: invalid, one line', region: 'mars', kind: 'invalid' },
];

describe('previewDrain', () => {
  for (const c of cases) {
    it(c.name, () => {
      const health = snapshot(t, c.down);
      const current = c.current ?? NO_CONTROLS;
      const p = previewDrain(t, health, current, c.region, c.service);
      assert.equal(p.kind, c.kind, JSON.stringify(p));
      if (p.kind !== 'drain') return;
      assert.deepEqual(p.services.map((s) => `${s.service} ${s.loses ? 'loses' : 'keeps'} ${s.now} -> ${s.remaining.join(',')}`), c.services);
      assert.deepEqual(p.refusedBy.map((v) => `${v.rule} ${v.service}`), c.refusedBy);
      // The same evaluation as the real request: refused exactly when the preview says so.
      const real = planTrafficChange(t, health, current, { kind: 'drain', region: c.region, by: 'x', ...(c.service ? { service: c.service } : {}) }, 'now');
      assert.equal(real.kind, p.refusedBy.length > 0 ? 'refused' : 'apply');
      assert.equal(p.refusals.length, p.refusedBy.length);
    });
  }
});
