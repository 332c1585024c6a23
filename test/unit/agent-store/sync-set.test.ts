/** The primary's agent keeps the synchronous set (sync-set.ts): named cases, and the invariant that the database's set never exceeds the recorded one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decideSyncSet, type SyncAction, type SyncInput } from '../../../src/agent/store/sync-set.ts';

const others = ['us-east', 'ap-south'];
const base: SyncInput = { streaming: others, database: { count: 1, names: others }, recorded: { count: 1, members: others }, others, strict: true };

const cases: { name: string; input: Partial<SyncInput>; kind: SyncAction['kind']; set?: { count: number; members: string[] } }[] = [
  { name: 'both stream, all agree: nothing to do', input: {}, kind: 'none' },
  { name: 'ap-south stopped streaming: the database waits for us-east only', input: { streaming: ['us-east'] }, kind: 'setDatabase', set: { count: 1, members: ['us-east'] } },
  {
    name: 'database already shrunk: the record follows after a commit',
    input: { streaming: ['us-east'], database: { count: 1, names: ['us-east'] } },
    kind: 'shrinkRecord', set: { count: 1, members: ['us-east'] },
  },
  {
    name: 'ap-south streams again: recorded first (the union)',
    input: { database: { count: 1, names: ['us-east'] }, recorded: { count: 1, members: ['us-east'] } },
    kind: 'growRecord', set: { count: 1, members: ['us-east', 'ap-south'] },
  },
  {
    name: 'recorded grown: now the database',
    input: { database: { count: 1, names: ['us-east'] }, recorded: { count: 1, members: ['us-east', 'ap-south'] } },
    kind: 'setDatabase', set: { count: 1, members: ['us-east', 'ap-south'] },
  },
  {
    name: 'nobody streams, strict: the last set stays (commits wait)',
    input: { streaming: [], database: { count: 1, names: ['ap-south'] }, recorded: { count: 1, members: ['ap-south'] } },
    kind: 'none',
  },
  {
    name: 'nobody streams, not strict: asynchronous',
    input: { streaming: [], strict: false },
    kind: 'setDatabase', set: { count: 0, members: [] },
  },
  {
    name: 'the incident: promoted with ANY 1 (eu-west, ap-south), only the rebuilt eu-west streams: commits wait for it alone',
    input: { streaming: ['eu-west'], others: ['eu-west', 'ap-south'], database: { count: 1, names: ['eu-west', 'ap-south'] }, recorded: { count: 1, members: ['eu-west', 'ap-south'] } },
    kind: 'setDatabase', set: { count: 1, members: ['eu-west'] },
  },
  { name: 'no record yet (bootstrap): written once the database agrees', input: { recorded: null }, kind: 'shrinkRecord', set: { count: 1, members: others } },
];

describe('decideSyncSet', () => {
  for (const c of cases) {
    it(c.name, () => {
      const action = decideSyncSet({ ...base, ...c.input });
      assert.equal(action.kind, c.kind, action.reason);
      if (c.set) assert.deepEqual('set' in action ? action.set : undefined, c.set);
    });
  }

  it('applied step by step from any state, the database never waits for a member the record lacks, and it settles', () => {
    const subset = fc.subarray(['eu-west', 'us-east', 'ap-south']);
    fc.assert(fc.property(subset, subset, subset, fc.boolean(), (streaming, db, rec, strict) => {
      const all = ['eu-west', 'us-east', 'ap-south'];
      let database = { count: db.length > 0 ? 1 : 0, names: db };
      let recorded = { count: 1, members: [...new Set([...rec, ...db])] }; // start from a safe state
      for (let step = 0; step < 6; step++) {
        const action = decideSyncSet({ streaming, database, recorded, others: all, strict });
        if (action.kind === 'none') return true;
        if (action.kind === 'growRecord' || action.kind === 'shrinkRecord') recorded = { count: action.set.count, members: [...action.set.members] };
        if (action.kind === 'setDatabase') database = { count: action.set.count, names: [...action.set.members] };
        for (const m of database.names) assert.ok(recorded.count === 0 ? database.count === 0 : recorded.members.includes(m), `${m} is waited for but not recorded`);
      }
      return false;
    }), { numRuns: 500 });
  });
});
