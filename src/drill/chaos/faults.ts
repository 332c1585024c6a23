/**
 * What each fault kind does, step by step, against the environment. Every injection pushes its
 * undo on the round's UndoStack (before the cut or kill, which may half succeed; after the
 * freeze, which either happens or throws), and the script undoes it at the planned moment; the
 * round undoes whatever is left (error, Ctrl-C). Faults that wait on the failover (heal during a
 * step, kill the coordinator) watch the agents' /status every 50 ms.
 */
import type { Clock } from '../clock.ts';
import type { Undo } from '../db/faults.ts';
import { runbookStepKinds, type AgentStoreStatus, type RunbookSeen } from './agent-status.ts';
import type { Fault } from './plan.ts';
import type { RecordLog } from './record-log.ts';
import type { ChaosEnvironment } from './types.ts';
import type { UndoStack } from './undo-stack.ts';

export interface FaultContext {
  readonly env: ChaosEnvironment;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** The record's region when the round began. */
  readonly primary: string;
  readonly undo: UndoStack;
  readonly records: RecordLog;
  /** Runbooks the agents already showed before the round: not this round's failover, unless a step of theirs starts after `sinceMs`. */
  readonly oldRunbooks: ReadonlySet<string>;
  /** When the round began. */
  readonly sinceMs: number;
  readonly emit: (step: string, detail: string) => void;
  /** Notes a region the fault hits. */
  readonly hit: (region: string) => void;
}

const WATCH_MS = 50;

export async function runFault(f: Fault, c: FaultContext): Promise<void> {
  switch (f.kind) {
    case 'primary-cut':
      return cutFor(c, c.primary, f.cutMs);
    case 'replica-cut': {
      const replicas = c.env.members.map((m) => m.region).filter((r) => r !== c.primary);
      return cutFor(c, replicas[f.replicaPick % replicas.length]!, f.cutMs);
    }
    case 'flapping':
      for (const [i, cycle] of f.cycles.entries()) {
        await cutFor(c, c.primary, cycle.cutMs);
        if (i < f.cycles.length - 1) await c.clock.sleep(cycle.healedMs, c.signal);
      }
      return;
    case 'primary-freeze': {
      c.hit(c.primary);
      // Pushed once the freeze happened: a database that is down cannot be frozen, nor thawed.
      await c.env.freezeDatabase(c.primary);
      const thaw = c.undo.push({ what: `thaw ${c.primary}'s database`, run: () => c.env.thawDatabase(c.primary) });
      c.emit('freeze', `${c.primary}'s postmaster and backends stopped (SIGSTOP)`);
      await c.clock.sleep(f.frozenMs, c.signal);
      return c.undo.undo(thaw);
    }
    case 'heal-during-step':
      return healDuringStep(c, f.stepPick, f.maxCutMs);
    case 'coordinator-kill':
      return killCoordinator(c, f);
    case 'two-cuts':
      return twoCuts(c, f);
  }
}

async function cut(c: FaultContext, region: string): Promise<Undo> {
  c.hit(region);
  const heal = c.undo.push({ what: `heal ${region}`, run: () => c.env.healRegion(region) });
  await c.env.cutRegion(region);
  c.emit('cut', `${region} cut from every other region and client`);
  return heal;
}

async function cutFor(c: FaultContext, region: string, ms: number): Promise<void> {
  const heal = await cut(c, region);
  await c.clock.sleep(ms, c.signal);
  await c.undo.undo(heal);
}

async function healDuringStep(c: FaultContext, stepPick: number, maxCutMs: number): Promise<void> {
  const heal = await cut(c, c.primary);
  const deadline = c.clock.nowMs() + maxCutMs;
  let chosen: string | undefined;
  for (; c.clock.nowMs() < deadline; await c.clock.sleep(WATCH_MS, c.signal)) {
    const runbooks = newRunbooks(await c.records.poll(), c);
    if (chosen === undefined) {
      const kinds = runbooks.length > 0 ? runbookStepKinds(runbooks[0]!.runbook) : [];
      if (kinds.length === 0) continue;
      chosen = kinds[stepPick % kinds.length]!;
      c.emit('stepChosen', `runbook ${runbooks[0]!.runbook.runbookId} on ${runbooks[0]!.agent} shows step kinds [${kinds.join(', ')}]: heal when '${chosen}' starts`);
    }
    const step = runbooks.flatMap((r) => r.runbook.steps).find((s) => s.kind === chosen);
    if (step) {
      const when = step.result === 'started' ? 'while it runs' : `after it ended (${step.result}) between two polls`;
      c.emit('stepSeen', `step ${step.stepId} seen ${when}: healing`);
      return c.undo.undo(heal);
    }
  }
  c.emit('note', chosen === undefined ? `no failover runbook seen within ${maxCutMs} ms: healing` : `step kind '${chosen}' not seen within ${maxCutMs} ms: healing`);
  await c.undo.undo(heal);
}

async function killCoordinator(c: FaultContext, f: Extract<Fault, { kind: 'coordinator-kill' }>): Promise<void> {
  const heal = await cut(c, c.primary);
  const deadline = c.clock.nowMs() + f.maxCutMs;
  for (; c.clock.nowMs() < deadline; await c.clock.sleep(WATCH_MS, c.signal)) {
    const running = newRunbooks(await c.records.poll(), c).find((r) => r.running);
    if (!running) continue;
    c.emit('runbookSeen', `${running.agent}'s agent runs runbook ${running.runbook.runbookId}`);
    await c.clock.sleep(f.killDelayMs, c.signal);
    c.hit(running.agent);
    const restart = c.undo.push({ what: `restart ${running.agent}'s agent`, run: () => c.env.restartAgent(running.agent) });
    await c.env.killAgent(running.agent);
    c.emit('kill', `${running.agent}'s agent killed (SIGKILL) ${f.killDelayMs} ms after its runbook was seen`);
    await c.clock.sleep(f.downMs, c.signal);
    await c.undo.undo(restart);
    return c.undo.undo(heal);
  }
  c.emit('note', `no failover runbook seen within ${f.maxCutMs} ms: nobody killed; healing`);
  await c.undo.undo(heal);
}

async function twoCuts(c: FaultContext, f: Extract<Fault, { kind: 'two-cuts' }>): Promise<void> {
  await cutFor(c, c.primary, f.firstCutMs);
  const deadline = c.clock.nowMs() + f.maxWaitForNewPrimaryMs;
  let next = c.records.newest()?.region ?? c.primary;
  while (next === c.primary && c.clock.nowMs() < deadline) {
    await c.clock.sleep(200, c.signal);
    await c.records.poll();
    next = c.records.newest()?.region ?? c.primary;
  }
  c.emit('note', next === c.primary ? `the record still names ${c.primary} after ${f.maxWaitForNewPrimaryMs} ms: cutting it again` : `the record now names ${next}`);
  await cutFor(c, next, f.secondCutMs);
}

interface SeenRunbook {
  readonly agent: string;
  readonly running: boolean;
  readonly runbook: RunbookSeen;
}

/**
 * This round's runbooks, running ones first (their coordinator is executing them). An open
 * runbook keeps its id when a later tick continues it, so an old id counts again once one of its
 * steps starts during the round.
 */
function newRunbooks(statuses: readonly AgentStoreStatus[], c: Pick<FaultContext, 'oldRunbooks' | 'sinceMs'>): SeenRunbook[] {
  const isNew = (r: RunbookSeen) => !c.oldRunbooks.has(r.runbookId) || r.steps.some((s) => (s.startedAtMs ?? 0) >= c.sinceMs);
  const running = statuses.flatMap((s) => (s.running && isNew(s.running) ? [{ agent: s.agentRegion, running: true, runbook: s.running }] : []));
  const ended = statuses.flatMap((s) => (s.last && isNew(s.last) ? [{ agent: s.agentRegion, running: false, runbook: s.last }] : []));
  return [...running, ...ended];
}
