import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  historiesAgree, historyFileName, locateOnHistory, parseTimelineHistory, timelineOfWalFile, type TimelineHistory,
} from '../../../src/data/history.ts';

const TL3 = '1\t0/3000158\tno recovery target specified\n\n# comment\n2\t0/5000060\tno recovery target specified\n';

test('parseTimelineHistory reads ancestors and their switch points', () => {
  assert.deepEqual(parseTimelineHistory(3, TL3), {
    timeline: 3,
    ancestors: [
      { timeline: 1, switchLsn: 0x3000158n },
      { timeline: 2, switchLsn: 0x5000060n },
    ],
  });
  assert.deepEqual(parseTimelineHistory(1, ''), { timeline: 1, ancestors: [] });
  assert.throws(() => parseTimelineHistory(2, 'x\t0/1\n'), /malformed line in history of timeline 2/);
  assert.throws(() => parseTimelineHistory(2, '1\tnope\n'), /not a PostgreSQL LSN/);
});

test('file names use eight upper-case hex digits', () => {
  assert.equal(historyFileName(2), '00000002.history');
  assert.equal(historyFileName(26), '0000001A.history');
  assert.equal(timelineOfWalFile('0000001A0000000000000003'), 26);
  assert.equal(timelineOfWalFile('00000002.history'), undefined);
});

test('locateOnHistory: named cases', () => {
  const history = parseTimelineHistory(3, TL3);
  const cases: [string, number, bigint, string][] = [
    ['current timeline, any position', 3, 0x9000000n, 'onHistory'],
    ['ancestor, before its switch point', 1, 0x3000000n, 'onHistory'],
    ['ancestor, exactly at its switch point', 2, 0x5000060n, 'onHistory'],
    ['ancestor, past its switch point (diverged)', 1, 0x3000200n, 'forkedOff'],
    ['middle ancestor, past its switch point', 2, 0x5000061n, 'forkedOff'],
    ['a newer timeline than the primary knows', 4, 0x1n, 'unknownTimeline'],
  ];
  for (const [name, timeline, lsn, kind] of cases) {
    assert.equal(locateOnHistory(history, { timeline, lsn }).kind, kind, name);
  }
});

test('historiesAgree tells same-numbered timelines on different branches apart', () => {
  const ours: TimelineHistory = { timeline: 3, ancestors: [{ timeline: 1, switchLsn: 100n }, { timeline: 2, switchLsn: 200n }] };
  const prefix: TimelineHistory = { timeline: 2, ancestors: [{ timeline: 1, switchLsn: 100n }] };
  const otherBranch: TimelineHistory = { timeline: 2, ancestors: [{ timeline: 1, switchLsn: 150n }] };
  assert.equal(historiesAgree(prefix, ours), true);
  assert.equal(historiesAgree(otherBranch, ours), false);
  assert.equal(historiesAgree({ timeline: 1, ancestors: [] }, ours), true);
});
