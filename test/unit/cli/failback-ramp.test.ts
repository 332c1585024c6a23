/**
 * The failback's traffic ramp (src/cli/failback-ramp.ts), pure: which controls each step sets
 * from the controls in force, per policy; the step reached read back from the controls; and the
 * next move (settle, stop on a failing gate, hold, apply, done). Each ramp case is played from
 * its starting controls to the end, applying each step's requests as the agents would store them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrafficControls } from '../../../src/gslb/traffic-controls.ts';
import type { TrafficRequest } from '../../../src/gslb/traffic-change.ts';
import { decideRamp, parseSteps, planRamp, reachedStep, stepRequests, type RampObservation, type RampPlan } from '../../../src/cli/failback-ramp.ts';
import { describeRequest } from '../../../src/cli/failback-render.ts';
import { service, topologyWith } from '../gslb/fixtures.ts';

const R = 'eu-west';
const origin = { by: 'alice', at: '2026-12-01T10:00:00Z', reason: 'outage', forced: false };
const drain = (service?: string) => ({ region: R, ...(service ? { service } : {}), ...origin });
const weight = (service: string, w: number) => ({ service, region: R, weight: w, ...origin });
const controls = (c: Partial<TrafficControls>): TrafficControls => ({ drains: c.drains ?? [], weights: c.weights ?? [] });

/** api weighted (R declared 200), web failover with R first, maps geo, batch weighted with R at 0. */
const MIXED = topologyWith(
  service('api', '{ type: weighted, weights: { eu-west: 200, us-east: 100, ap-south: 100 } }') +
  service('web', '{ type: failover, order: [eu-west, us-east] }') +
  service('maps', '{ type: geo }') +
  service('batch', '{ type: weighted, weights: { eu-west: 0, us-east: 100 } }'),
);
const FAILOVER_ONLY = topologyWith(service('web', '{ type: failover, order: [eu-west, us-east] }'));
const STEPS = [10, 25, 50, 100];

/** The controls after the requests, as an agent stores them. */
function apply(c: TrafficControls, requests: readonly TrafficRequest[]): TrafficControls {
  let next = c;
  for (const r of requests) {
    if (r.kind === 'undrain') next = { ...next, drains: next.drains.filter((d) => d.region !== r.region || (r.service !== undefined && d.service !== r.service)) };
    if (r.kind === 'weight') {
      const others = next.weights.filter((w) => !(w.service === r.service && w.region === r.region));
      next = { ...next, weights: r.weight === null ? others : [...others, weight(r.service, r.weight)] };
    }
  }
  return next;
}

const OK: RampObservation['gate'] = { ok: true };
const observe = (c: TrafficControls, extra: Partial<RampObservation> = {}): RampObservation => ({ controls: c, behind: [], gate: OK, nowMs: 1000, lastChangeAtMs: undefined, stepWaitMs: 0, ...extra });

/** Plays the ramp to the end (gate always passes, no holds): each applied step's changes, in order. */
function play(plan: RampPlan, start: TrafficControls): string[] {
  const out: string[] = [];
  let c = start;
  for (let i = 0; i < 10; i++) {
    const move = decideRamp(plan, observe(c), 'failback');
    if (move.kind === 'done') return out;
    assert.equal(move.kind, 'apply');
    if (move.kind !== 'apply') return out;
    out.push(`${move.step} (${move.percent} %): ${move.requests.map(describeRequest).join('; ')}`);
    c = apply(c, move.requests);
  }
  assert.fail('the ramp did not end');
}

describe('planRamp and decideRamp: the steps a failback takes from the controls in force', () => {
  const cases: { name: string; topology: typeof MIXED; start: TrafficControls; steps: readonly string[]; notes?: RegExp }[] = [
    {
      name: 'drained per service: the weighted service ramps from step 1 (weight set before the undrain), the failover one comes back whole at the last step',
      topology: MIXED,
      start: controls({ drains: [drain('api'), drain('web')] }),
      steps: [
        '1 (10 %): api: weight 20; undrain api',
        '2 (25 %): api: weight 50',
        '3 (50 %): api: weight 100',
        "4 (100 %): api: weight back to the topology's; undrain web",
      ],
    },
    {
      name: 'one drain of every service: lifted whole at step 1, after the first weight; the note names the all-or-nothing services',
      topology: MIXED,
      start: controls({ drains: [drain()] }),
      steps: [
        '1 (10 %): api: weight 20; undrain every service',
        '2 (25 %): api: weight 50',
        '3 (50 %): api: weight 100',
        "4 (100 %): api: weight back to the topology's",
      ],
      notes: /web, maps \(all-or-nothing\) take all of eu-west's share at step 1/,
    },
    { name: 'not drained, declared weights: nothing to ramp', topology: MIXED, start: controls({}), steps: [] },
    {
      name: 'weighted down to 0 by an operator (not drained): raised in steps, the override dropped at the end',
      topology: MIXED,
      start: controls({ weights: [weight('api', 0)] }),
      steps: ['1 (10 %): api: weight 20', '2 (25 %): api: weight 50', '3 (50 %): api: weight 100', "4 (100 %): api: weight back to the topology's"],
    },
    { name: 'an override above the declared weight, not drained: never lowered', topology: MIXED, start: controls({ weights: [weight('api', 500)] }), steps: [] },
    {
      name: 'drained with an override above the declared weight: the first weight replaces it before the undrain (R takes no traffic while drained)',
      topology: MIXED,
      start: controls({ drains: [drain('api')], weights: [weight('api', 500)] }),
      steps: ['1 (10 %): api: weight 20; undrain api', '2 (25 %): api: weight 50', '3 (50 %): api: weight 100', "4 (100 %): api: weight back to the topology's"],
    },
    {
      name: 'half-way (weight 50 in force, undrained): continues at step 3',
      topology: MIXED,
      start: controls({ drains: [drain('web')], weights: [weight('api', 50)] }),
      steps: ['3 (50 %): api: weight 100', "4 (100 %): api: weight back to the topology's; undrain web"],
    },
    {
      name: 'a service R cannot answer (weight 0 in the topology), drained alone: lifted at the last step',
      topology: MIXED,
      start: controls({ drains: [drain('batch'), drain('api')] }),
      steps: ['1 (10 %): api: weight 20; undrain api', '2 (25 %): api: weight 50', '3 (50 %): api: weight 100', "4 (100 %): api: weight back to the topology's; undrain batch"],
    },
    {
      name: 'no weighted service: one step, whatever --steps says',
      topology: FAILOVER_ONLY,
      start: controls({ drains: [drain()] }),
      steps: ['1 (100 %): undrain every service'],
      notes: /the ramp is one step/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planRamp(c.topology, R, c.start, STEPS);
      assert.deepEqual(play(plan, c.start), c.steps);
      if (c.notes) assert.match(plan.notes.join('\n'), c.notes);
      else assert.deepEqual(plan.notes, []);
    });
  }

  it('per service, the admission follows the policy', () => {
    const plan = planRamp(MIXED, R, controls({}), STEPS);
    assert.deepEqual(plan.services.map((s) => [s.service, s.admission, s.weights.join(',')]), [
      ['api', 'weighted', '20,50,100,200'],
      ['web', 'all-or-nothing', ''],
      ['maps', 'all-or-nothing', ''],
      ['batch', 'none', ''],
    ]);
  });

  it('a small declared weight still gets at least 1 at the first step', () => {
    const plan = planRamp(topologyWith(service('api', '{ type: weighted, weights: { eu-west: 3, us-east: 100 } }')), R, controls({}), STEPS);
    assert.deepEqual(plan.services[0]?.weights, [1, 1, 2, 3]);
  });

  it('the step reached is read back from the controls (a crash between the weight and the undrain is still step 0)', () => {
    const start = controls({ drains: [drain('api')] });
    const plan = planRamp(MIXED, R, start, STEPS);
    assert.equal(reachedStep(plan, start), 0);
    const halfDone = controls({ drains: [drain('api')], weights: [weight('api', 20)] });
    assert.equal(reachedStep(plan, halfDone), 0);
    assert.deepEqual(stepRequests(plan, halfDone, 1, 'x').map(describeRequest), ['undrain api'], 'the weight already in force is not sent again');
    assert.equal(reachedStep(plan, controls({ weights: [weight('api', 20)] })), 1);
    assert.equal(reachedStep(plan, controls({ weights: [weight('api', 60)] })), 2);
    assert.equal(reachedStep(plan, controls({})), 4);
  });
});

describe('decideRamp: what comes first', () => {
  const start = controls({ drains: [drain('api')] });
  const plan = planRamp(MIXED, R, start, STEPS);
  const atStep1 = controls({ weights: [weight('api', 20)] });
  const table: { name: string; o: RampObservation; kind: string; check?: (m: ReturnType<typeof decideRamp>) => void }[] = [
    { name: 'agents behind: settle before judging anything, even a failing gate', o: observe(atStep1, { behind: ['ap-south (revision 7 < 9)'], gate: { ok: false, blockers: ['x'] } }), kind: 'settling' },
    { name: 'a failing gate stops at once, also during a hold', o: observe(atStep1, { gate: { ok: false, blockers: ['web/eu-west: down'] }, lastChangeAtMs: 900, stepWaitMs: 30_000 }), kind: 'blocked', check: (m) => assert.deepEqual(m.kind === 'blocked' && [m.reached, m.blockers], [1, ['web/eu-west: down']]) },
    { name: 'a failing gate before step 1 stops before anything is admitted', o: observe(start, { gate: { ok: false, blockers: ['b'] } }), kind: 'blocked', check: (m) => assert.equal(m.kind === 'blocked' && m.reached, 0) },
    { name: 'a step younger than --step-wait is held', o: observe(atStep1, { lastChangeAtMs: 900, stepWaitMs: 30_000 }), kind: 'hold', check: (m) => assert.equal(m.kind === 'hold' && m.untilMs, 30_900) },
    { name: 'held long enough: the next step', o: observe(atStep1, { lastChangeAtMs: 900, stepWaitMs: 100 }), kind: 'apply', check: (m) => assert.equal(m.kind === 'apply' && m.step, 2) },
    { name: 'the last step is held and gated before done', o: observe(controls({}), { lastChangeAtMs: 900, stepWaitMs: 30_000 }), kind: 'hold' },
    { name: 'the last step held, gate passing: done', o: observe(controls({}), { lastChangeAtMs: 900, stepWaitMs: 100 }), kind: 'done' },
  ];
  for (const t of table) {
    it(t.name, () => {
      const move = decideRamp(plan, t.o, 'failback');
      assert.equal(move.kind, t.kind, JSON.stringify(move));
      t.check?.(move);
    });
  }
  it('the requests carry who asked and why', () => {
    const move = decideRamp(plan, observe(start), 'alice');
    assert.deepEqual(move.kind === 'apply' && move.requests, [
      { kind: 'weight', service: 'api', region: R, weight: 20, reason: 'failback of eu-west: step 1 of 4 (10 %)', by: 'alice' },
      { kind: 'undrain', region: R, service: 'api', by: 'alice' },
    ]);
  });
});

describe('parseSteps', () => {
  const table: [string, readonly number[] | RegExp][] = [
    ['10,25,50,100', [10, 25, 50, 100]],
    ['100', [100]],
    [' 5%, 50% ,100', [5, 50, 100]],
    ['10,25,50', /must end at 100/],
    ['10,10,100', /must go up/],
    ['0,100', /from 1 to 100/],
    ['10,abc,100', /whole percents/],
    ['', /whole percents/],
  ];
  for (const [text, want] of table) {
    it(`'${text}'`, () => {
      const got = parseSteps(text);
      if (want instanceof RegExp) assert.match('error' in got ? got.error : '', want);
      else assert.deepEqual('percents' in got ? got.percents : got, want);
    });
  }
});
