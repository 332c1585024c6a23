import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  coordinatorOf, mergeRunbookSteps, openRunbook, planChanges, recoveryProgress, type AgentStoreView, type RecoveryInput,
} from '../../../src/drill/db/index.ts';
import { EU1, FAULT, US2, acked, snapshot } from './scenario.ts';

const input = (over: Partial<RecoveryInput>): RecoveryInput => ({
  oldPrimary: 'eu-west', faultAtMs: FAULT, snapshots: [], ops: [], acceptRestartInPlace: false, ...over,
});

describe('recoveryProgress', () => {
  const cases: { name: string; input: RecoveryInput; expected: ReturnType<typeof recoveryProgress> }[] = [
    {
      name: 'no snapshot yet',
      input: input({}),
      expected: { done: false, waitingFor: 'the store to report a reachable primary' },
    },
    {
      name: 'the store still names the old primary',
      input: input({ snapshots: [snapshot(FAULT + 100, 'eu-west')] }),
      expected: { done: false, waitingFor: 'a primary other than eu-west' },
    },
    {
      name: 'a new primary the client has not written to yet',
      input: input({ snapshots: [snapshot(FAULT + 2000, 'us-east')], ops: acked('main', 0, FAULT, EU1) }),
      expected: { done: false, waitingFor: 'the client to have a write acknowledged by us-east' },
    },
    {
      name: 'a new primary that acknowledged a write after the fault: done, seen at its first snapshot',
      input: input({ snapshots: [snapshot(FAULT + 100, null), snapshot(FAULT + 2000, 'us-east'), snapshot(FAULT + 2200, 'us-east')], ops: acked('main', FAULT + 2100, FAULT + 2200, US2) }),
      expected: { done: true, primary: 'us-east', by: 'failover', seenAtMs: FAULT + 2000 },
    },
    {
      name: 'the old primary back, accepted for a crash: restart in place',
      input: input({ acceptRestartInPlace: true, snapshots: [snapshot(FAULT + 900, 'eu-west')], ops: acked('main', FAULT + 1000, FAULT + 1100, EU1) }),
      expected: { done: true, primary: 'eu-west', by: 'restartInPlace', seenAtMs: FAULT + 900 },
    },
    {
      name: 'an ack before the fault does not count',
      input: input({ acceptRestartInPlace: true, snapshots: [snapshot(FAULT + 900, 'eu-west')], ops: acked('main', FAULT - 200, FAULT - 100, EU1) }),
      expected: { done: false, waitingFor: 'the client to have a write acknowledged by eu-west' },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(recoveryProgress(c.input), c.expected));

  it('an unreachable recorded primary is no primary', () => {
    const s = snapshot(FAULT + 100, 'us-east');
    const unreachable = { ...s, members: s.members.map((m) => ({ ...m, reachable: false })) };
    assert.equal(recoveryProgress(input({ snapshots: [unreachable], ops: acked('main', FAULT + 1, FAULT + 2, US2) })).done, false);
  });
});

const view = (agentRegion: string, over: Partial<AgentStoreView> = {}): AgentStoreView => ({
  agentRegion, atMs: FAULT, coordinator: null, runningRunbookId: null, runbookId: null, steps: [], lastPlan: null, ...over,
});

describe('coordinator and runbook views', () => {
  it('the coordinator is the most common answer', () => {
    assert.equal(coordinatorOf([view('eu-west', { coordinator: 'us-east' }), view('us-east', { coordinator: 'us-east' }), view('ap-south', { coordinator: 'ap-south' })]), 'us-east');
    assert.equal(coordinatorOf([view('eu-west')]), null);
  });

  it('the open runbook is the one an agent executes now, and that agent is the coordinator', () => {
    const finished = view('eu-west', { coordinator: 'eu-west', runbookId: 'r0', steps: [{ stepId: 'promote:eu-west', result: 'ok', startedAtMs: 1, endedAtMs: 2 }] });
    assert.equal(openRunbook([finished]), null);
    const running = view('ap-south', { coordinator: 'us-east', runningRunbookId: 'r1' }); // others' belief lags
    assert.deepEqual(openRunbook([finished, running]), { runbookId: 'r1', coordinator: 'ap-south' });
  });

  it('live step records: a step started and not ended means the runbook runs', () => {
    const started = { stepId: 'shift-traffic:eu-west', result: 'started' as const, startedAtMs: FAULT + 10 };
    const live = view('us-east', { runbookId: 'r1', steps: [started] });
    assert.deepEqual(openRunbook([view('eu-west'), live]), { runbookId: 'r1', coordinator: 'us-east' });
    const ended = view('us-east', { runbookId: 'r1', steps: [started, { ...started, result: 'ok', endedAtMs: FAULT + 20 }] });
    assert.equal(openRunbook([ended]), null);
  });

  it('merging polls keeps the latest word per step, never un-finishing one, in start order', () => {
    const promoteStarted = { stepId: 'promote:us-east', result: 'started' as const, startedAtMs: 300 };
    const promoteOk = { ...promoteStarted, result: 'ok' as const, endedAtMs: 400 };
    const fence = { stepId: 'await-fence:eu-west@7', result: 'ok' as const, startedAtMs: 100, endedAtMs: 250 };
    const merged = mergeRunbookSteps([
      [view('us-east', { runbookId: 'r1', steps: [fence, promoteStarted] })],
      [view('us-east', { runbookId: 'r1', steps: [fence, promoteOk] })],
      [view('ap-south', { runbookId: 'r1', steps: [promoteStarted] })], // a lagging agent
    ]);
    assert.deepEqual(merged.map((s) => [s.stepId, s.result, s.seenBy]), [
      ['await-fence:eu-west@7', 'ok', 'us-east'],
      ['promote:us-east', 'ok', 'us-east'],
    ]);
  });
});

describe('planChanges', () => {
  it('lists each agent\'s plan once per change', () => {
    const blocked = { kind: 'blocked', reason: 'no synchronous standby' };
    const changes = planChanges([
      [view('us-east', { atMs: 1, lastPlan: { kind: 'noop', reason: 'healthy' } }), view('ap-south', { atMs: 1 })],
      [view('us-east', { atMs: 2, lastPlan: blocked })],
      [view('us-east', { atMs: 3, lastPlan: blocked })],
      [view('us-east', { atMs: 4, lastPlan: { kind: 'run', reason: 'eu-west down' } })],
      [view('us-east', { atMs: 5, lastPlan: { kind: 'noop', reason: 'us-east healthy at 0/F5CA30' } })],
      [view('us-east', { atMs: 6, lastPlan: { kind: 'noop', reason: 'us-east healthy at 0/F65ED0' } })],
    ]);
    assert.deepEqual(changes.map((c) => [c.atMs, c.agentRegion, c.kind]), [[1, 'us-east', 'noop'], [2, 'us-east', 'blocked'], [4, 'us-east', 'run'], [5, 'us-east', 'noop']]);
  });
});
