import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionLedger, sourceKey, type Admission } from '../../../src/common/connection-ledger.ts';

type Step = readonly ['admit', string, Admission] | readonly ['release', string];

const CASES: readonly { name: string; caps: { perSource: number; total: number }; steps: readonly Step[]; total: number }[] = [
  {
    name: 'the N+1th from one source is refused, another source still gets in',
    caps: { perSource: 2, total: 10 },
    steps: [['admit', 'a', 'admitted'], ['admit', 'a', 'admitted'], ['admit', 'a', 'sourceFull'], ['admit', 'b', 'admitted']],
    total: 3,
  },
  {
    name: 'the total cap wins over room left per source',
    caps: { perSource: 5, total: 2 },
    steps: [['admit', 'a', 'admitted'], ['admit', 'b', 'admitted'], ['admit', 'c', 'totalFull']],
    total: 2,
  },
  {
    name: 'a release makes room for the same source again',
    caps: { perSource: 1, total: 10 },
    steps: [['admit', 'a', 'admitted'], ['admit', 'a', 'sourceFull'], ['release', 'a'], ['admit', 'a', 'admitted']],
    total: 1,
  },
  {
    name: 'a refusal counts nothing (refused ones are never released)',
    caps: { perSource: 1, total: 1 },
    steps: [['admit', 'a', 'admitted'], ['admit', 'a', 'totalFull'], ['admit', 'b', 'totalFull'], ['release', 'a'], ['admit', 'b', 'admitted']],
    total: 1,
  },
];

for (const c of CASES) {
  test(`connection ledger: ${c.name}`, () => {
    const ledger = new ConnectionLedger(c.caps);
    for (const step of c.steps) {
      if (step[0] === 'admit') assert.equal(ledger.admit(step[1]), step[2], `admit ${step[1]}`);
      else ledger.release(step[1]);
    }
    assert.equal(ledger.total, c.total);
  });
}

test('connection ledger: a release never admitted is a wiring bug and throws', () => {
  assert.throws(() => new ConnectionLedger({ perSource: 1, total: 1 }).release('a'), /never admitted/);
});

for (const [address, key] of [
  ['10.0.0.1', '10.0.0.1'],
  ['::ffff:10.0.0.1', '10.0.0.1'],
  ['::FFFF:127.0.0.1', '127.0.0.1'],
  ['2001:db8::1', '2001:db8::1'],
  [undefined, ''],
] as const) {
  test(`source key of ${address}: '${key}'`, () => assert.equal(sourceKey(address), key));
}
