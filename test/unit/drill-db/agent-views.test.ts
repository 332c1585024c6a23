import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentStoreView } from '../../../src/drill/db/index.ts';

/** The `stores` part of an agent's GET /status, as src/agent/store/status.ts writes it. */
function body(entry: Record<string, unknown>): unknown {
  return { region: 'us-east', stores: { supervised: true, stores: [{ store: 'other' }, { store: 'orders', ...entry }] } };
}

const record = (stepId: string, result: string, startedAt: string, endedAt?: string) => ({
  stepId, kind: stepId.split(':')[0], result, detail: `${stepId} ${result}`, token: '41', startedAt, ...(endedAt ? { endedAt } : {}),
});

describe('agentStoreView', () => {
  it('a coordinator executing a plan: the runbook is running, the holder is named', () => {
    const v = agentStoreView('us-east', 5, body({
      coordinator: { holder: 'us-east', token: '41', self: true },
      lastPlan: { at: '2026-01-01T00:00:02.000Z', kind: 'run', reason: 'eu-west down', executed: true, runbookId: 'orders/failover/eu-west/1', steps: ['shift-traffic:eu-west'] },
      lastRunbook: null,
    }), 'orders');
    assert.deepEqual(v, {
      agentRegion: 'us-east', atMs: 5, coordinator: 'us-east', runningRunbookId: 'orders/failover/eu-west/1', runbookId: null, steps: [],
      lastPlan: { kind: 'run', reason: 'eu-west down' },
    });
  });

  it('a finished runbook: not running, its step records with times', () => {
    const v = agentStoreView('us-east', 5, body({
      coordinator: { holder: 'us-east' },
      lastPlan: { at: '2026-01-01T00:00:02.000Z', kind: 'run', executed: true, runbookId: 'r1' },
      lastRunbook: {
        runbookId: 'r1', kind: 'failover', outcome: 'completed',
        steps: [record('promote:us-east', 'started', '2026-01-01T00:00:03.000Z'), record('promote:us-east', 'ok', '2026-01-01T00:00:03.000Z', '2026-01-01T00:00:03.250Z')],
      },
    }), 'orders');
    assert.equal(v.runningRunbookId, null);
    assert.equal(v.runbookId, 'r1');
    assert.deepEqual(v.steps[1], { stepId: 'promote:us-east', result: 'ok', startedAtMs: Date.parse('2026-01-01T00:00:03.000Z'), endedAtMs: Date.parse('2026-01-01T00:00:03.250Z'), detail: 'promote:us-east ok' });
  });

  it('the same runbook planned again after its last record: running again', () => {
    const v = agentStoreView('ap-south', 5, body({
      lastPlan: { at: '2026-01-01T00:00:09.000Z', kind: 'run', executed: true, runbookId: 'r1' },
      lastRunbook: { runbookId: 'r1', steps: [record('await-fence:eu-west@7', 'failed', '2026-01-01T00:00:03.000Z', '2026-01-01T00:00:08.000Z')] },
    }), 'orders');
    assert.equal(v.runningRunbookId, 'r1');
  });

  it('plans not executed, blocked or noop are no running runbook', () => {
    for (const lastPlan of [{ kind: 'run', executed: false, runbookId: 'r2' }, { kind: 'blocked', reason: 'x' }, { kind: 'noop' }]) {
      assert.equal(agentStoreView('eu-west', 0, body({ lastPlan }), 'orders').runningRunbookId, null);
    }
  });

  it('anything else gives nulls, never an exception', () => {
    const empty = { agentRegion: 'eu-west', atMs: 0, coordinator: null, runningRunbookId: null, runbookId: null, steps: [], lastPlan: null };
    for (const b of [null, 'text', {}, { stores: 3 }, { stores: [{ name: 'orders', coordinator: 7, lastRunbook: { steps: [{ stepId: 1 }] } }] }]) {
      assert.deepEqual(agentStoreView('eu-west', 0, b, 'orders'), empty);
    }
    // A bare array and a coordinator given as a plain region name are read too.
    assert.equal(agentStoreView('eu-west', 0, { stores: [{ name: 'orders', coordinator: 'ap-south' }] }, 'orders').coordinator, 'ap-south');
  });
});
