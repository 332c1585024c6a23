import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterHistory, type MemberHistory } from '../../../src/failover/adapters/cluster-history.ts';
import type { TimelineHistory } from '../../../src/data/index.ts';

const tl1: TimelineHistory = { timeline: 1, ancestors: [] };
const tl2: TimelineHistory = { timeline: 2, ancestors: [{ timeline: 1, switchLsn: 100n }] };
const tl3: TimelineHistory = { timeline: 3, ancestors: [{ timeline: 1, switchLsn: 100n }, { timeline: 2, switchLsn: 200n }] };
/** A timeline 3 on another branch: forked off timeline 2 elsewhere. */
const tl3Elsewhere: TimelineHistory = { timeline: 3, ancestors: [{ timeline: 1, switchLsn: 100n }, { timeline: 2, switchLsn: 250n }] };
/** A timeline 3 that does not descend from timeline 2 at all. */
const tl3FromOne: TimelineHistory = { timeline: 3, ancestors: [{ timeline: 1, switchLsn: 150n }] };

const on = (history: TimelineHistory | undefined, timeline = history?.timeline ?? 1): MemberHistory => ({ timeline, history });

describe('clusterHistory: the history standbys are judged against', () => {
  const table: Array<[string, TimelineHistory | undefined, number | undefined, MemberHistory[], TimelineHistory | undefined]> = [
    ['remembered and current: kept', tl2, 2, [on(tl2), on(tl2)], tl2],
    ['no record timeline: the remembered one is kept', tl2, undefined, [on(tl3)], tl2],
    // The lab incident: eu-west promoted to timeline 3 stopped answering before the coordinator
    // saw it; ap-south follows it on timeline 3 and was taken for diverged.
    ['remembered is older than the record: the record timeline members\' history', tl2, 3, [on(tl2), on(tl3)], tl3],
    ['several members on the record timeline that agree', tl2, 3, [on(tl3), on(tl3)], tl3],
    ['members on the record timeline disagree: not guessed', tl2, 3, [on(tl3), on(tl3Elsewhere)], tl2],
    ['the newer history does not continue the remembered one: kept', tl2, 3, [on(tl3FromOne)], tl2],
    ['a member on the record timeline without its history file: kept', tl2, 3, [on(tl3), on(undefined, 3)], tl2],
    ['nobody on the record timeline yet: kept', tl2, 3, [on(tl2)], tl2],
    ['never saw a primary: the newest history a member holds', undefined, 2, [on(tl1), on(tl2)], tl2],
    ['never saw a primary, newest members disagree: none', undefined, 3, [on(tl3), on(tl3Elsewhere)], undefined],
    ['never saw anything: none', undefined, undefined, [], undefined],
  ];
  for (const [name, remembered, recordTimeline, members, expected] of table) {
    it(name, () => assert.deepEqual(clusterHistory(remembered, recordTimeline, members), expected));
  }
});
