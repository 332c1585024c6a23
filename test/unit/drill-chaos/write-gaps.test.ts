import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { longestWriteGap, type WriteGap } from '../../../src/drill/chaos/index.ts';

const ROUND = { fromMs: 10_000, toMs: 20_000 };

describe('longestWriteGap', () => {
  const cases: { name: string; acks: number[]; expected: WriteGap }[] = [
    {
      name: 'steady writes: the longest of the small gaps',
      acks: [9_990, 10_010, 10_030, 10_080, 10_100, 19_990],
      expected: { gapMs: 9_890, fromMs: 10_100, toMs: 19_990, open: false },
    },
    {
      name: 'the outage gap starts at the last ack before the round',
      acks: [9_000, 9_500, 14_500, 14_520, 16_000, 18_000, 19_900],
      expected: { gapMs: 5_000, fromMs: 9_500, toMs: 14_500, open: false },
    },
    {
      name: 'writes never resumed: the gap runs to the round end, open',
      acks: [9_500, 10_200],
      expected: { gapMs: 9_800, fromMs: 10_200, toMs: 20_000, open: true },
    },
    {
      name: 'no ack at all: the whole round, from its start',
      acks: [],
      expected: { gapMs: 10_000, fromMs: 10_000, toMs: 20_000, open: true },
    },
    {
      name: 'acks after the round do not count, acks out of order are sorted',
      acks: [25_000, 19_000, 12_000, 9_999],
      expected: { gapMs: 7_000, fromMs: 12_000, toMs: 19_000, open: false },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(longestWriteGap(c.acks, ROUND), c.expected));
});
