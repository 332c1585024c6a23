import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAULT_KINDS, deriveSeed, mulberry32, planChaos, type Fault, type FaultKind } from '../../../src/drill/chaos/index.ts';

const OPTS = { leaseTtlMs: 4000, regions: ['eu-west', 'us-east', 'ap-south'] };

/** Golden: a change here changes every saved "reproduce with seed 1". */
const SEED_1_ROUNDS = [
  { index: 1, fault: { kind: 'two-cuts', firstCutMs: 10857, secondCutMs: 11676, maxWaitForNewPrimaryMs: 10000 } },
  { index: 2, fault: { kind: 'two-cuts', firstCutMs: 6679, secondCutMs: 6966, maxWaitForNewPrimaryMs: 10000 } },
  { index: 3, fault: { kind: 'primary-cut', cutMs: 2385 } },
];

describe('mulberry32', () => {
  // Reference outputs of Tommy Ettinger's C original (uint32_t state, compiled with gcc and run
  // once): the schedule must be the same in every language and release.
  const reference: { seed: number; outputs: number[] }[] = [
    { seed: 1, outputs: [2693262067, 11749833, 2265367787] },
    { seed: 42, outputs: [2581720956, 1925393290, 3661312704] },
  ];
  for (const { seed, outputs } of reference) {
    it(`gives the C original's outputs for seed ${seed}`, () => {
      const r = mulberry32(seed);
      assert.deepEqual(outputs.map(() => r() * 4294967296), outputs);
    });
  }

  it('stays in [0, 1)', () => {
    const r = mulberry32(deriveSeed(7, 1, 2));
    for (let i = 0; i < 10_000; i += 1) {
      const x = r();
      assert.ok(x >= 0 && x < 1, String(x));
    }
  });
});

describe('planChaos', () => {
  it('the same seed gives the same rounds', () => {
    assert.deepEqual(planChaos(42, 12, OPTS), planChaos(42, 12, OPTS));
  });

  it('another seed gives other rounds', () => {
    assert.notDeepEqual(planChaos(42, 12, OPTS), planChaos(43, 12, OPTS));
  });

  it('round k does not depend on how many rounds were asked for', () => {
    assert.deepEqual(planChaos(7, 5, OPTS), planChaos(7, 40, OPTS).slice(0, 5));
  });

  it('every kind shows up in every block of ten rounds', () => {
    for (const seed of [0, 1, 2, 99, 4294967295]) {
      const kinds = planChaos(seed, 30, OPTS).map((r) => r.fault.kind);
      for (let block = 0; block < 3; block += 1) {
        const seen = new Set(kinds.slice(block * 10, block * 10 + 10));
        assert.deepEqual([...seen].sort(), [...FAULT_KINDS].sort(), `seed ${seed}, rounds ${block * 10 + 1}-${block * 10 + 10}`);
      }
    }
  });

  it('weights: primary cuts, heals during a step and two cuts twice per ten rounds, the others once', () => {
    const counts = new Map<FaultKind, number>();
    for (const r of planChaos(5, 10, OPTS)) counts.set(r.fault.kind, (counts.get(r.fault.kind) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries([...counts].sort()), {
      'coordinator-kill': 1, flapping: 1, 'heal-during-step': 2, 'primary-cut': 2, 'primary-freeze': 1, 'replica-cut': 1, 'two-cuts': 2,
    });
  });

  it('parameters stay inside their ranges (lease TTL 4 s)', () => {
    const faults = planChaos(11, 200, OPTS).map((r) => r.fault);
    const within = (v: number, lo: number, hi: number, what: string) => assert.ok(v >= lo && v <= hi, `${what} ${v} not in [${lo}, ${hi}]`);
    const check: { [K in FaultKind]: (f: Extract<Fault, { kind: K }>) => void } = {
      'primary-cut': (f) => within(f.cutMs, 2000, 12_000, 'cut'),
      'heal-during-step': (f) => { within(f.stepPick, 0, 999, 'pick'); assert.equal(f.maxCutMs, 21_000); },
      flapping: (f) => {
        within(f.cycles.length, 2, 4, 'cycles');
        for (const c of f.cycles) { within(c.cutMs, 300, 1500, 'flap cut'); within(c.healedMs, 300, 1500, 'flap heal'); }
      },
      'replica-cut': (f) => { within(f.cutMs, 2000, 12_000, 'replica cut'); within(f.replicaPick, 0, 999, 'pick'); },
      'primary-freeze': (f) => within(f.frozenMs, 4800, 10_000, 'freeze (past the lease)'),
      'coordinator-kill': (f) => { within(f.killDelayMs, 0, 800, 'kill delay'); within(f.downMs, 1000, 4000, 'down'); },
      'two-cuts': (f) => { within(f.firstCutMs, 6000, 12_000, 'first cut'); within(f.secondCutMs, 2000, 12_000, 'second cut'); },
    };
    for (const f of faults) (check[f.kind] as (f: Fault) => void)(f);
  });

  it('seed 1, three rounds: the rounds the suite runs on the lab', () => {
    assert.deepEqual(planChaos(1, 3, OPTS), SEED_1_ROUNDS);
  });

  const bad: { name: string; seed: number; rounds: number; opts?: Partial<typeof OPTS> }[] = [
    { name: 'a negative seed', seed: -1, rounds: 1 },
    { name: 'a fractional seed', seed: 1.5, rounds: 1 },
    { name: 'a seed past 32 bits', seed: 2 ** 32, rounds: 1 },
    { name: 'no rounds', seed: 1, rounds: 0 },
    { name: 'one region', seed: 1, rounds: 1, opts: { regions: ['eu-west'] } },
  ];
  for (const b of bad) {
    it(`refuses ${b.name}`, () => assert.throws(() => planChaos(b.seed, b.rounds, { ...OPTS, ...b.opts }), { name: 'InputError' }));
  }
});
