import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAgentStoreStatus, runbookStepKinds } from '../../../src/drill/chaos/index.ts';

/** The part of an agent's GET /status chaos rounds read (src/agent/store/status.ts), for a coordinator mid-failover. */
const BODY = {
  stores: {
    supervised: true,
    stores: [
      { store: 'other', primary: { region: 'ap-south', token: '3' } },
      {
        store: 'orders',
        primary: { region: 'eu-west', token: '41', timeline: 1, writtenBy: 'eu-west/agent:x', at: '2026-11-20T10:00:00.000Z' },
        lastPlan: { kind: 'run', runbookId: 'orders/failover/eu-west/1', executed: true, steps: ['await-fence:eu-west@41', 'promote:us-east', 'repoint:ap-south->us-east', 'validate-write:us-east'] },
        runningRunbook: {
          runbookId: 'orders/failover/eu-west/1', outcome: 'running',
          steps: [
            { stepId: 'runbook', kind: 'runbook', result: 'started', startedAt: '2026-11-20T10:00:00.900Z' },
            { stepId: 'await-fence:eu-west@41', kind: 'await-fence', result: 'started', startedAt: '2026-11-20T10:00:01.000Z' },
            { stepId: 'await-fence:eu-west@41', kind: 'await-fence', result: 'ok', startedAt: '2026-11-20T10:00:01.000Z', endedAt: '2026-11-20T10:00:02.000Z' },
            { stepId: 'promote:us-east', result: 'started', startedAt: '2026-11-20T10:00:02.000Z' },
          ],
        },
        lastRunbook: null,
      },
    ],
  },
};

describe('readAgentStoreStatus', () => {
  it('reads the record, the running runbook with its planned steps (not its open/close records), per store', () => {
    const s = readAgentStoreStatus('us-east', BODY, 'orders');
    assert.deepEqual(s.record, { region: 'eu-west', token: '41', timeline: 1 });
    assert.equal(s.running?.runbookId, 'orders/failover/eu-west/1');
    assert.deepEqual(s.running?.steps.map((st) => [st.kind, st.result, st.startedAtMs]), [
      ['await-fence', 'started', Date.parse('2026-11-20T10:00:01.000Z')],
      ['await-fence', 'ok', Date.parse('2026-11-20T10:00:01.000Z')],
      ['promote', 'started', Date.parse('2026-11-20T10:00:02.000Z')], // kind from the step id when the record has none
    ]);
    assert.equal(s.last, null);
    assert.deepEqual(runbookStepKinds(s.running!), ['await-fence', 'promote', 'repoint', 'validate-write']);
  });

  const odd: { name: string; body: unknown }[] = [
    { name: 'no body', body: undefined },
    { name: 'stores not supervised', body: { stores: { supervised: false, reason: 'no etcd', stores: [] } } },
    { name: 'a bare array of other stores', body: { stores: [{ store: 'other' }] } },
    { name: 'fields of another shape', body: { stores: { stores: [{ store: 'orders', primary: 'eu-west', runningRunbook: { steps: 'x' }, lastRunbook: 7 }] } } },
  ];
  for (const o of odd) {
    it(`reads ${o.name} as nothing, without throwing`, () => {
      assert.deepEqual(readAgentStoreStatus('eu-west', o.body, 'orders'), { agentRegion: 'eu-west', record: null, running: null, last: null });
    });
  }
});
