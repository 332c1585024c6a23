/**
 * One round against a scripted environment (the ChaosEnvironment port) and a manual clock: the
 * fault's script, that its undo always happens, and the bounded wait for convergence.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock } from '../../../src/drill/clock.ts';
import type { AgentStoreStatus, ConvergenceSnapshot, Fault } from '../../../src/drill/chaos/index.ts';
import { RecordLog } from '../../../src/drill/chaos/record-log.ts';
import { runRound } from '../../../src/drill/chaos/round.ts';
import type { ChaosEnvironment } from '../../../src/drill/chaos/types.ts';

class ManualClock implements Clock {
  t = 1_000_000;
  nowMs = () => this.t;
  sleep = async (ms: number, signal?: AbortSignal) => {
    if (signal?.aborted) throw signal.reason;
    this.t += ms;
    await Promise.resolve();
  };
  /** Fires at once, time moved on: nothing here waits on timers. */
  after = (ms: number, fn: () => void) => {
    void this.sleep(ms).then(fn);
    return () => {};
  };
}

const MEMBERS = [{ region: 'eu-west', host: '10.0.1.5', port: 5432 }, { region: 'us-east', host: '10.0.2.5', port: 5432 }, { region: 'ap-south', host: '10.0.3.5', port: 5432 }];

interface Script {
  /** What the agents show at a time (ms from the round's start). */
  statuses?: (atMs: number) => AgentStoreStatus[];
  /** Converged from this long after the last undo (never when undefined). */
  convergesAfterMs?: number;
  cutThrows?: boolean;
}

function world(script: Script) {
  const clock = new ManualClock();
  const start = clock.t;
  const log: string[] = [];
  const at = () => clock.t - start;
  let lastUndoAt = 0;
  const record = { region: 'eu-west', token: '3', timeline: 1 };
  const statuses = (ms: number) => script.statuses?.(ms) ?? ['eu-west', 'us-east', 'ap-south'].map((agentRegion) => ({ agentRegion, record, running: null, last: null }));
  const env = {
    members: MEMBERS,
    readAgentStatuses: async () => statuses(at()),
    cutRegion: async (r: string) => {
      log.push(`${at()} cut ${r}`);
      if (script.cutThrows) throw new Error('ip link: no such device');
    },
    healRegion: async (r: string) => void (log.push(`${at()} heal ${r}`), (lastUndoAt = at())),
    freezeDatabase: async (r: string) => void log.push(`${at()} freeze ${r}`),
    thawDatabase: async (r: string) => void (log.push(`${at()} thaw ${r}`), (lastUndoAt = at())),
    killAgent: async (r: string) => void log.push(`${at()} kill ${r}'s agent`),
    restartAgent: async (r: string) => void (log.push(`${at()} restart ${r}'s agent`), (lastUndoAt = at())),
  } as unknown as ChaosEnvironment;
  const observe = async (): Promise<ConvergenceSnapshot> => {
    const ok = script.convergesAfterMs !== undefined && at() - lastUndoAt >= script.convergesAfterMs;
    const agents = ok ? [{ region: 'eu-west', record, dnsAnswer: ['10.0.1.5'] }] : [{ region: 'eu-west', record, dnsAnswer: ['10.0.2.5'] }];
    const members = [
      { region: 'eu-west', host: '10.0.1.5', port: 5432, reachable: true, inRecovery: false, readOnly: false, fenced: false, timeline: 1, walReceiver: null },
      ...MEMBERS.slice(1).map((m) => ({ ...m, reachable: true, inRecovery: true, walReceiver: { status: 'streaming', senderHost: '10.0.1.5', senderPort: 5432, receivedTli: 1 } })),
    ];
    return { startedAtMs: clock.t, endedAtMs: clock.t, members, agents, write: { sentAtMs: clock.t, outcome: 'ok', server: { region: 'eu-west', timeline: 1 } } };
  };
  const records = new RecordLog(env, clock);
  const run = (fault: Fault, signal?: AbortSignal) => runRound({ index: 1, fault }, { env, clock, records, mainOps: () => [], emit: () => {}, observe, ...(signal ? { signal } : {}) });
  return { run, log, clock, start };
}

describe('runRound', () => {
  it('primary-cut: cut, heal after cutMs, converged 2 s after the heal (confirmed 0.5 s later)', async () => {
    const w = world({ convergesAfterMs: 2000 });
    const r = await w.run({ kind: 'primary-cut', cutMs: 6000 });
    assert.deepEqual(w.log, ['0 cut eu-west', '6000 heal eu-west']);
    assert.deepEqual([r.primaryBefore, r.targets, r.faultEndedAtMs - w.start], ['eu-west', ['eu-west'], 6000]);
    assert.deepEqual(r.convergence, { outcome: 'converged', afterMs: 2000, atMs: w.start + 8000, primary: 'eu-west' });
    assert.equal(r.endedAtMs - w.start, 8500);
  });

  it('never converged: timed out 30 s after the fault, with what was still wrong', async () => {
    const w = world({});
    const r = await w.run({ kind: 'replica-cut', replicaPick: 1, cutMs: 3000 });
    assert.deepEqual(w.log, ['0 cut ap-south', '3000 heal ap-south'], 'pick 1 of the replicas [us-east, ap-south]');
    assert.equal(r.convergence.outcome, 'timedOut');
    assert.ok(r.convergence.afterMs >= 30_000 && r.convergence.afterMs < 30_300, String(r.convergence.afterMs));
    assert.deepEqual(r.convergence.outcome === 'timedOut' && r.convergence.problems.map((p) => `${p.check} ${p.region}`), ['dnsAnswer eu-west']);
  });

  it('a fault that fails half way is still undone, the round records the error and still waits for convergence', async () => {
    const w = world({ cutThrows: true, convergesAfterMs: 0 });
    const r = await w.run({ kind: 'primary-cut', cutMs: 6000 });
    assert.deepEqual(w.log, ['0 cut eu-west', '0 heal eu-west']);
    assert.equal(r.error, 'the fault failed: ip link: no such device');
    assert.equal(r.convergence.outcome, 'converged');
  });

  it('interrupted mid-cut: the region is healed, then the interruption goes on up', async () => {
    const w = world({ convergesAfterMs: 0 });
    const controller = new AbortController();
    const interrupt = new Error('interrupted');
    const sleep = w.clock.sleep;
    w.clock.sleep = async (ms, signal) => {
      if (w.clock.t - w.start >= 1000) controller.abort(interrupt);
      return sleep(ms, signal);
    };
    await assert.rejects(w.run({ kind: 'flapping', cycles: [{ cutMs: 500, healedMs: 700 }, { cutMs: 900, healedMs: 300 }] }, controller.signal), interrupt);
    assert.deepEqual(w.log, ['0 cut eu-west', '500 heal eu-west', '1200 cut eu-west', '1200 heal eu-west']);
  });

  it('primary-freeze: frozen, then thawed after frozenMs', async () => {
    const w = world({ convergesAfterMs: 1000 });
    const r = await w.run({ kind: 'primary-freeze', frozenMs: 7000 });
    assert.deepEqual(w.log, ['0 freeze eu-west', '7000 thaw eu-west']);
    assert.equal(r.convergence.outcome === 'converged' && r.convergence.afterMs, 1000);
  });

  /** us-east coordinates a failover from 5 s on: await-fence, then promote at 6 s, repoint at 6.5 s. */
  const failover = (ms: number): AgentStoreStatus[] => {
    const record = { region: 'eu-west', token: '3', timeline: 1 };
    if (ms < 5000) return [{ agentRegion: 'us-east', record, running: null, last: null }];
    const steps = [
      { stepId: 'await-fence:eu-west@3', kind: 'await-fence', result: 'started', startedAtMs: 1_000_000 + 5000 },
      ...(ms >= 6000 ? [{ stepId: 'promote:us-east', kind: 'promote', result: 'started', startedAtMs: 1_000_000 + 6000 }] : []),
      ...(ms >= 6500 ? [{ stepId: 'repoint:ap-south->us-east', kind: 'repoint', result: 'started', startedAtMs: 1_000_000 + 6500 }] : []),
    ];
    return [{ agentRegion: 'us-east', record, running: { runbookId: 'orders/failover/eu-west/1', steps, planned: ['await-fence:eu-west@3', 'promote:us-east', 'repoint:ap-south->us-east'] }, last: null }];
  };

  it('heal-during-step: the seed picks a step kind among those the runbook shows, the region heals when it starts', async () => {
    const w = world({ statuses: failover, convergesAfterMs: 0 });
    const r = await w.run({ kind: 'heal-during-step', stepPick: 4, maxCutMs: 21_000 }); // 4 % 3 = 1: promote
    assert.deepEqual(w.log, ['0 cut eu-west', '6000 heal eu-west']);
    assert.deepEqual(r.events.filter((e) => e.step.startsWith('step')).map((e) => e.detail), [
      "runbook orders/failover/eu-west/1 on us-east shows step kinds [await-fence, promote, repoint]: heal when 'promote' starts",
      'step promote:us-east seen while it runs: healing',
    ]);
  });

  it('coordinator-kill: the agent running the runbook killed after the delay, restarted after downMs, then the region healed', async () => {
    const w = world({ statuses: failover, convergesAfterMs: 0 });
    const r = await w.run({ kind: 'coordinator-kill', killDelayMs: 300, downMs: 2000, maxCutMs: 21_000 });
    assert.deepEqual(w.log, ['0 cut eu-west', "5300 kill us-east's agent", "7300 restart us-east's agent", '7300 heal eu-west']);
    assert.deepEqual(r.targets, ['eu-west', 'us-east']);
  });

  it('no runbook within the bound: healed at the bound, nobody killed', async () => {
    const w = world({ convergesAfterMs: 0 });
    const r = await w.run({ kind: 'coordinator-kill', killDelayMs: 300, downMs: 2000, maxCutMs: 3000 });
    assert.deepEqual(w.log, ['0 cut eu-west', '3000 heal eu-west']);
    assert.match(r.events.find((e) => e.step === 'note')!.detail, /no failover runbook seen within 3000 ms: nobody killed/);
  });
});
