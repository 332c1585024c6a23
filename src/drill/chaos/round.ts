/**
 * One chaos round: read where the primary is now → inject the fault (its script undoes it at the
 * planned moment; whatever is left is undone in a finally, also on error and Ctrl-C) → wait until
 * the store has converged, bounded from the fault's end. Converged is `judgeConvergence` over a
 * direct observation, confirmed by a second one `confirmMs` later (a state that holds for one
 * poll only is no convergence); the time reported is the first of the two.
 */
import { describeError } from '../../common/errors.ts';
import type { Clock } from '../clock.ts';
import type { WriteOp } from '../db/types.ts';
import { judgeConvergence, type Convergence, type ConvergenceSnapshot } from './convergence.ts';
import { runFault } from './faults.ts';
import { observeStore } from './observer.ts';
import type { Round } from './plan.ts';
import type { RecordLog } from './record-log.ts';
import type { ChaosEnvironment, ChaosEvent, RoundConvergence, RoundRecord } from './types.ts';
import { UndoStack } from './undo-stack.ts';

export interface RoundOptions {
  readonly env: ChaosEnvironment;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  readonly records: RecordLog;
  readonly mainOps: () => readonly WriteOp[];
  readonly emit: (step: string, detail: string, atMs?: number) => void;
  /** @default 30000 */
  readonly convergeBoundMs?: number;
  /** @default 500 */
  readonly confirmMs?: number;
  /** @default 200 */
  readonly pollMs?: number;
  /** Takes one observation of the store. @default observeStore (SQL, /status and DNS, directly) */
  readonly observe?: () => Promise<ConvergenceSnapshot>;
}

export async function runRound(round: Round, o: RoundOptions): Promise<RoundRecord> {
  const statuses = await o.records.poll();
  const primaryBefore = o.records.newest()?.region ?? null;
  const oldRunbooks = new Set(statuses.flatMap((s) => [s.running?.runbookId, s.last?.runbookId]).filter((id): id is string => id !== undefined));
  const startedAtMs = o.clock.nowMs();
  const targets: string[] = [];
  const events: ChaosEvent[] = [];
  const emit = (step: string, detail: string, atMs = o.clock.nowMs()) => {
    events.push({ atMs, step, detail });
    o.emit(step, detail, atMs);
  };
  const undo = new UndoStack(o.clock, (what, atMs) => emit('undo', what, atMs));
  let error: string | undefined;
  try {
    if (primaryBefore === null) error = 'no agent showed a primary record: the fault was not injected';
    else {
      await runFault(round.fault, {
        env: o.env, clock: o.clock, ...(o.signal ? { signal: o.signal } : {}), primary: primaryBefore, undo, records: o.records, oldRunbooks, sinceMs: startedAtMs,
        emit: (step, detail) => emit(step, detail), hit: (region) => void (targets.includes(region) || targets.push(region)),
      });
    }
  } catch (err) {
    if (o.signal?.aborted) throw err;
    error = `the fault failed: ${describeError(err)}`;
    emit('error', error);
  } finally {
    // Throws when an undo failed three times: the lab is left faulted, so no further round may run.
    await undo.undoRest();
  }
  const faultEndedAtMs = undo.lastUndoneAtMs ?? o.clock.nowMs();
  const { convergence, lastObservation } = await awaitConvergence(o, faultEndedAtMs);
  // The verdict goes to the run's events only: the round's own events are what it did and saw.
  o.emit(convergence.outcome === 'converged' ? 'converged' : 'notConverged', describeConvergence(convergence));
  return {
    index: round.index, fault: round.fault, primaryBefore, targets, startedAtMs, faultEndedAtMs, endedAtMs: o.clock.nowMs(),
    ...(error ? { error } : {}), convergence, events, lastObservation,
  };
}

/** Observes until the store has converged (confirmed), or `convergeBoundMs` after `fromMs`. */
export async function awaitConvergence(o: Omit<RoundOptions, 'emit'>, fromMs: number): Promise<{ convergence: RoundConvergence; lastObservation: ConvergenceSnapshot }> {
  const bound = o.convergeBoundMs ?? 30_000;
  let first: { snap: ConvergenceSnapshot; verdict: Convergence } | undefined;
  let lastFailed: Convergence | undefined;
  for (;;) {
    const snap = await (o.observe ?? (() => observeStore({ env: o.env, clock: o.clock, mainOps: o.mainOps, onStatuses: (s, at) => o.records.note(s, at), ...(o.signal ? { signal: o.signal } : {}) })))();
    const verdict = judgeConvergence(snap);
    const afterMs = snap.endedAtMs - fromMs;
    if (verdict.converged && first) {
      const at = first.snap.endedAtMs;
      return { convergence: { outcome: 'converged', afterMs: at - fromMs, atMs: at, primary: verdict.primary! }, lastObservation: first.snap };
    }
    if (verdict.converged && afterMs <= bound) first = { snap, verdict };
    else {
      first = undefined;
      if (!verdict.converged) lastFailed = verdict;
    }
    if (!first && afterMs >= bound) {
      const problems = lastFailed?.problems ?? [];
      return { convergence: { outcome: 'timedOut', afterMs, primary: lastFailed?.primary ?? verdict.primary, problems }, lastObservation: snap };
    }
    await o.clock.sleep(first ? (o.confirmMs ?? 500) : (o.pollMs ?? 200), o.signal);
  }
}

export function describeConvergence(c: RoundConvergence, since = "the fault's end"): string {
  if (c.outcome === 'converged') return `converged on ${c.primary} ${c.afterMs} ms after ${since}`;
  const wrong = c.problems.slice(0, 4).map((p) => `${p.check}${p.region ? ` ${p.region}` : ''}: ${p.detail}`);
  return `not converged ${c.afterMs} ms after ${since}: ${wrong.join('; ') || 'no observation finished in time'}`;
}
