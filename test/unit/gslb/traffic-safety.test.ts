/**
 * The safety rules of the traffic controls (like Route 53 ARC's assertion rules) and the change
 * planner that applies them: named cases over a health snapshot and the controls in force.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkSafety, describeViolation, NO_CONTROLS, planTrafficChange, type ChangePlan, type Drain, type TrafficControls, type TrafficRequest,
} from '../../../src/gslb/index.ts';
import { regionDown, service, snapshot, topologyWith } from './fixtures.ts';

const t = topologyWith(
  service('fo', '{ type: failover, order: [eu-west, us-east, ap-south] }') +
    service('two', '{ type: all-healthy, regions: [eu-west, us-east] }\n    minHealthyRegions: 2') +
    service('wt', '{ type: weighted, weights: { eu-west: 50, us-east: 50 } }'),
);
const AT = '2026-11-02T10:00:00Z';
const drain = (region: string, service?: string, by = 'bob@ops'): Drain => ({ region, ...(service ? { service } : {}), by, at: AT, reason: '', forced: false });
const drained = (...ds: Drain[]): TrafficControls => ({ drains: ds, weights: [] });
const down = (...pairs: [string, string][]) => pairs.flatMap(([s, r]) => regionDown(t, s, r));
const by = 'alice@ops';

interface Case {
  name: string;
  current?: TrafficControls;
  down?: string[];
  request: TrafficRequest;
  expect: ChangePlan['kind'];
  /** For refusals: the rule and service of each violation, and what the line must say. */
  violations?: string[];
  detail?: RegExp;
}

const cases: Case[] = [
  { name: 'drain one region of three: safe', request: { kind: 'drain', region: 'ap-south', by }, expect: 'apply', detail: /ap-south drained for every service by alice@ops.*undo: meridian traffic undrain --region ap-south$/ },
  {
    name: 'drain below a service minimum (two needs 2 of eu-west, us-east): refused by min-healthy-regions',
    request: { kind: 'drain', region: 'eu-west', service: 'two', by }, expect: 'refused', violations: ['min-healthy-regions two'],
    detail: /rule min-healthy-regions: service two would have 1 healthy, undrained region\(s\), below its minHealthyRegions 2 \(remaining: us-east; eu-west taken out by this change/,
  },
  {
    name: 'drain the last healthy region: refused by last-healthy-region, naming what remains and why',
    down: down(['fo', 'us-east'], ['two', 'us-east'], ['wt', 'us-east']), current: drained(drain('ap-south', 'fo')),
    request: { kind: 'drain', region: 'eu-west', service: 'fo', by }, expect: 'refused', violations: ['last-healthy-region fo'],
    detail: /^refused by rule last-healthy-region: service fo would have no healthy, undrained region left \(remaining: none; eu-west taken out by this change \(drained by alice@ops\); us-east down by majority; ap-south drained by bob@ops\); nothing changed \(--force overrides the rule\)$/,
  },
  {
    name: 'drain a region for every service: each service that would break is named',
    down: down(['fo', 'us-east'], ['fo', 'ap-south'], ['wt', 'us-east']),
    request: { kind: 'drain', region: 'eu-west', by }, expect: 'refused', violations: ['last-healthy-region fo', 'min-healthy-regions two', 'last-healthy-region wt'],
  },
  {
    name: 'forced: applied, recorded as forced, the overridden rule in the answer',
    down: down(['fo', 'us-east'], ['fo', 'ap-south']),
    request: { kind: 'drain', region: 'eu-west', service: 'fo', by, force: true }, expect: 'apply', detail: /FORCED past rule last-healthy-region: service fo/,
  },
  { name: 'drain a region that is down: it takes nothing healthy out, safe even below the minimum', down: down(['two', 'us-east']), request: { kind: 'drain', region: 'us-east', service: 'two', by }, expect: 'apply' },
  { name: 'drain again: unchanged, names who drained it', current: drained(drain('eu-west')), request: { kind: 'drain', region: 'eu-west', service: 'fo', by }, expect: 'unchanged', detail: /already drained by bob@ops for every service/ },
  { name: 'undrain: always safe', current: drained(drain('eu-west')), down: down(['fo', 'us-east'], ['fo', 'ap-south']), request: { kind: 'undrain', region: 'eu-west', by }, expect: 'apply' },
  { name: 'undrain what is not drained: unchanged', request: { kind: 'undrain', region: 'eu-west', by }, expect: 'unchanged' },
  { name: 'undrain one service of a region drained for all: blocked, says how', current: drained(drain('eu-west')), request: { kind: 'undrain', region: 'eu-west', service: 'fo', by }, expect: 'blocked', detail: /meridian traffic undrain --region eu-west$/ },
  { name: 'weight on a weighted service: applied, says what it was', request: { kind: 'weight', service: 'wt', region: 'us-east', weight: 10, by }, expect: 'apply', detail: /wt\/us-east weight 10 \(was 50, from the topology\)/ },
  { name: 'weight 0 on the last healthy weighted region: refused', down: down(['wt', 'us-east']), request: { kind: 'weight', service: 'wt', region: 'eu-west', weight: 0, by }, expect: 'refused', violations: ['last-healthy-region wt'], detail: /eu-west taken out by this change \(weight 0\)/ },
  { name: 'weight on a failover service: invalid, says why', request: { kind: 'weight', service: 'fo', region: 'us-east', weight: 10, by }, expect: 'invalid', detail: /policy failover: weights apply only to weighted services/ },
  { name: 'weight equal to the topology: unchanged', request: { kind: 'weight', service: 'wt', region: 'us-east', weight: 50, by }, expect: 'unchanged' },
  { name: 'reset a weight without override: unchanged', request: { kind: 'weight', service: 'wt', region: 'us-east', weight: null, by }, expect: 'unchanged' },
  { name: 'unknown region: invalid', request: { kind: 'drain', region: 'mars', by }, expect: 'invalid', detail: /unknown region 'mars' \(regions: eu-west, us-east, ap-south\)/ },
  { name: 'unknown service: invalid', request: { kind: 'drain', region: 'eu-west', service: 'nope', by }, expect: 'invalid' },
];

describe('traffic safety rules', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planTrafficChange(t, snapshot(t, c.down), c.current ?? NO_CONTROLS, c.request, AT);
      assert.equal(plan.kind, c.expect, plan.detail);
      if (c.violations) {
        assert.ok(plan.kind === 'refused');
        assert.deepEqual(plan.violations.map((v) => `${v.rule} ${v.service}`), c.violations);
      }
      if (c.detail) assert.match(plan.detail, c.detail);
    });
  }

  it('a forced change records forced: true on the control', () => {
    const plan = planTrafficChange(t, snapshot(t, down(['fo', 'us-east'], ['fo', 'ap-south'])), NO_CONTROLS, { kind: 'drain', region: 'eu-west', service: 'fo', by, force: true }, AT);
    assert.ok(plan.kind === 'apply');
    assert.deepEqual(plan.next.drains, [{ region: 'eu-west', service: 'fo', by, at: AT, reason: '', forced: true }]);
    assert.deepEqual(plan.overridden.map((v) => v.rule), ['last-healthy-region']);
  });

  it('--force on a safe change is not recorded as forced', () => {
    const plan = planTrafficChange(t, snapshot(t), NO_CONTROLS, { kind: 'drain', region: 'ap-south', by, force: true }, AT);
    assert.ok(plan.kind === 'apply');
    assert.equal(plan.next.drains[0]?.forced, false);
  });

  it('checkSafety judges the whole set: two drains that are each fine alone are refused together', () => {
    const health = snapshot(t, down(['fo', 'ap-south']));
    const judge = (before: Drain[], after: Drain[]) => checkSafety(t, health, drained(...before), drained(...after));
    assert.equal(judge([], [drain('eu-west', 'fo')]).kind, 'safe', 'us-east remains');
    assert.equal(judge([], [drain('us-east', 'fo')]).kind, 'safe', 'eu-west remains');
    const both = judge([drain('eu-west', 'fo')], [drain('eu-west', 'fo'), drain('us-east', 'fo')]);
    assert.ok(both.kind === 'refused');
    assert.match(describeViolation(both.violations[0]!), /^rule last-healthy-region: service fo/);
  });
});
