/**
 * The capacity check in routing: overload holds (`capacity.onOverload: hold`), the answers they
 * keep, and the capacity rule of manual drains. Named cases over a health snapshot and readings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadReadings } from '../../../src/capacity/index.ts';
import {
  decide, heldRegions, NO_CONTROLS, overloadHolds, planTrafficChange, previewDrain, describeViolation, type TrafficControls,
} from '../../../src/gslb/index.ts';
import { endpointKey, type EndpointVerdict, type HealthSnapshot } from '../../../src/health/types.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';

const NOW = 1_800_000_000_000;
const ENDPOINTS = '{ eu-west: ["10.1.0.1", "10.1.0.2"], us-east: ["10.2.0.1", "10.2.0.2"], ap-south: ["10.3.0.1", "10.3.0.2"] }';

function topology(onOverload: 'shift' | 'hold', policy = '{ type: all-healthy }'): Topology {
  return parseTopology(`apiVersion: meridian/v1
zone: t.test
regions: [{ name: eu-west }, { name: us-east }, { name: ap-south }]
services:
  - name: web
    hostname: web
    port: 80
    endpoints: ${ENDPOINTS}
    policy: ${policy}
    capacity: { perInstance: 100, onOverload: ${onOverload}, load: { prometheus: http://p:9090, query: q } }
`);
}

/** Each region's condition: `up`, `degraded` (1 of 3 vantage points sees it up) or `dead` (none does). */
function health(t: Topology, regions: Record<string, 'up' | 'degraded' | 'dead'>): HealthSnapshot {
  const voters = ['eu-west', 'us-east', 'ap-south'];
  const endpoints = new Map<string, EndpointVerdict>();
  for (const s of t.services) {
    for (const [region, addresses] of Object.entries(s.endpoints ?? {})) {
      const seenUp = { up: 3, degraded: 1, dead: 0 }[regions[region] ?? 'up'];
      for (const address of addresses) {
        const ref = { service: s.name, region, address };
        endpoints.set(endpointKey(ref), { ref, up: seenUp >= 2, voters, downVotes: voters.slice(seenUp) });
      }
    }
  }
  return { atMs: 0, endpoints, reachablePeers: [] };
}

const readings = (rps: Record<string, number>): LoadReadings =>
  new Map([['web', { regions: new Map(Object.entries(rps).map(([r, v]) => [r, { rps: v, atMs: NOW }])), lastSuccessMs: NOW }]]);

/** Every region serves 150 req/s of its 200: any one region's load overloads the two others (450 > 400). */
const BUSY = readings({ 'eu-west': 150, 'us-east': 150, 'ap-south': 150 });
const QUIET = readings({ 'eu-west': 50, 'us-east': 50, 'ap-south': 50 });

describe('overloadHolds', () => {
  const cases: { name: string; onOverload: 'shift' | 'hold'; regions: Record<string, 'up' | 'degraded' | 'dead'>; loads: LoadReadings; controls?: TrafficControls; held: string[] }[] = [
    { name: 'hold, degraded region, survivors short: held', onOverload: 'hold', regions: { 'eu-west': 'degraded' }, loads: BUSY, held: ['eu-west'] },
    { name: 'hold, dead region, survivors short: shifted anyway (holding it serves nobody)', onOverload: 'hold', regions: { 'eu-west': 'dead' }, loads: BUSY, held: [] },
    { name: 'hold, degraded region, survivors can absorb it: shifted', onOverload: 'hold', regions: { 'eu-west': 'degraded' }, loads: QUIET, held: [] },
    { name: 'shift (the default): never held', onOverload: 'shift', regions: { 'eu-west': 'degraded' }, loads: BUSY, held: [] },
    { name: 'hold, no load measured: shifted (no numbers, no hold)', onOverload: 'hold', regions: { 'eu-west': 'degraded' }, loads: new Map(), held: [] },
    {
      name: 'hold, one region dead and one degraded, the last region can absorb both: nothing held',
      onOverload: 'hold', regions: { 'eu-west': 'dead', 'us-east': 'degraded' }, loads: QUIET, held: [],
    },
    {
      name: 'hold, every region down: no hold (fail-open answers them all)',
      onOverload: 'hold', regions: { 'eu-west': 'degraded', 'us-east': 'degraded', 'ap-south': 'dead' }, loads: BUSY, held: [],
    },
    {
      name: 'hold, a drained region is no survivor: the degraded one is held sooner',
      onOverload: 'hold', regions: { 'us-east': 'degraded' }, loads: readings({ 'eu-west': 50, 'us-east': 160, 'ap-south': 50 }),
      controls: { drains: [{ region: 'ap-south', by: 'bob', at: '', reason: '', forced: false }], weights: [] }, held: ['us-east'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const t = topology(c.onOverload);
      const holds = overloadHolds(t, health(t, c.regions), c.controls ?? NO_CONTROLS, c.loads, NOW);
      assert.deepEqual(holds.map((h) => h.region), c.held);
      for (const h of holds) assert.equal(h.check.fits, false);
    });
  }

  it('dead and degraded together: the load of both counts, and the degraded one is held', () => {
    const t = topology('hold');
    const holds = overloadHolds(t, health(t, { 'eu-west': 'dead', 'us-east': 'degraded' }), NO_CONTROLS, BUSY, NOW);
    assert.deepEqual(holds.map((h) => [h.region, h.check.lost, h.check.loadToAbsorbRps, h.check.survivorsCapacityRps]), [['us-east', ['eu-west', 'us-east'], 300, 200]]);
  });
});

describe('decide with an overload hold', () => {
  it('a held region stays in the answers with all its endpoints, and the reason says why', () => {
    const t = topology('hold', '{ type: failover, order: [eu-west, us-east, ap-south] }');
    const h = health(t, { 'eu-west': 'degraded' });
    const web = t.services[0]!;
    const shifted = decide(web, t, h, undefined, 4);
    assert.deepEqual(shifted.regions.map((r) => r.region), ['us-east']);
    const held = decide(web, t, h, undefined, 4, NO_CONTROLS, heldRegions([{ service: 'web', region: 'eu-west', check: {} as never }]));
    assert.deepEqual(held.regions, [{ region: 'eu-west', addresses: ['10.1.0.1', '10.1.0.2'] }]);
    assert.equal(held.failOpen, false);
    assert.match(held.reason, /eu-west down by majority but held in the answers \(capacity.onOverload hold/);
  });

  it('a drain wins over a hold: a drained region is never answered', () => {
    const t = topology('hold');
    const controls = { drains: [{ region: 'eu-west', by: 'bob', at: '', reason: '', forced: false }], weights: [] };
    const d = decide(t.services[0]!, t, health(t, { 'eu-west': 'degraded' }), undefined, 4, controls, new Map([['web', new Set(['eu-west'])]]));
    assert.deepEqual(d.regions.map((r) => r.region), ['us-east', 'ap-south']);
  });
});

describe('the capacity rule of manual drains', () => {
  const t = topology('shift');
  const up = health(t, {});
  const AT = new Date(NOW).toISOString();

  it('a drain the others cannot absorb is refused, naming the rule and the numbers', () => {
    const plan = planTrafficChange(t, up, NO_CONTROLS, { kind: 'drain', region: 'eu-west', by: 'alice' }, AT, BUSY);
    assert.equal(plan.kind, 'refused');
    assert.match(plan.detail, /^refused by rule capacity: service web: survivors absorb 400 of 450 req\/s: short by 50 req\/s \(11%\) \(load to absorb: eu-west 150 req\/s;.*\); nothing changed \(--force overrides the rule\)$/);
  });

  it('forced: applied, the capacity rule named as overridden', () => {
    const plan = planTrafficChange(t, up, NO_CONTROLS, { kind: 'drain', region: 'eu-west', by: 'alice', force: true }, AT, BUSY);
    assert.equal(plan.kind, 'apply');
    assert.deepEqual(plan.kind === 'apply' ? plan.overridden.map((v) => v.rule) : [], ['capacity']);
  });

  it('a drain the others can absorb, or one with no load measured, is applied', () => {
    assert.equal(planTrafficChange(t, up, NO_CONTROLS, { kind: 'drain', region: 'eu-west', by: 'alice' }, AT, QUIET).kind, 'apply');
    assert.equal(planTrafficChange(t, up, NO_CONTROLS, { kind: 'drain', region: 'eu-west', by: 'alice' }, AT).kind, 'apply');
  });

  it('draining a region that serves nothing moves nothing: applied even when the others are full', () => {
    const full = readings({ 'eu-west': 0, 'us-east': 250, 'ap-south': 250 });
    assert.equal(planTrafficChange(t, up, NO_CONTROLS, { kind: 'drain', region: 'eu-west', by: 'alice' }, AT, full).kind, 'apply');
  });

  it('plan drain shows each service\'s check and the refusal', () => {
    const preview = previewDrain(t, up, NO_CONTROLS, 'eu-west', undefined, BUSY, NOW);
    assert.equal(preview.kind, 'drain');
    if (preview.kind !== 'drain') return;
    assert.equal(preview.services[0]?.capacity.kind, 'checked');
    assert.deepEqual(preview.refusedBy.map((v) => v.rule), ['capacity']);
    assert.match(describeViolation(preview.refusedBy[0]!), /^rule capacity: service web: survivors absorb 400 of 450 req\/s/);
  });
});
