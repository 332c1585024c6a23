/**
 * When a database drill may move on, decided from what was recorded so far (pure; time is an
 * input). The report never depends on these: they only decide how long each phase lasts.
 */
import type { AgentStoreView, RunbookStepView, StoreSnapshot, WriteOp } from './types.ts';

export type RecoveryProgress =
  | { readonly done: true; readonly primary: string; readonly by: 'failover' | 'restartInPlace'; readonly seenAtMs: number }
  | { readonly done: false; readonly waitingFor: string };

export interface RecoveryInput {
  /** Region of the primary before the fault. */
  readonly oldPrimary: string;
  readonly faultAtMs: number;
  /** Store snapshots taken since the fault, oldest first. */
  readonly snapshots: readonly StoreSnapshot[];
  /** The main client's writes. */
  readonly ops: readonly WriteOp[];
  /** Whether the old primary acknowledging again (crash recovery in place) counts as recovered. */
  readonly acceptRestartInPlace: boolean;
}

/**
 * Done when the store reports a reachable primary in another region (or, when accepted, the old
 * one again) AND the client has had a write acknowledged by that region after the fault: a
 * promotion nobody can reach yet is not a recovery.
 */
export function recoveryProgress(input: RecoveryInput): RecoveryProgress {
  const { oldPrimary, faultAtMs } = input;
  const latest = input.snapshots.at(-1);
  const primary = latest?.primary ?? null;
  const reachable = latest?.members.some((m) => m.region === primary && m.role === 'primary' && m.reachable) ?? false;
  if (!latest || primary === null || !reachable) return { done: false, waitingFor: 'the store to report a reachable primary' };
  if (primary === oldPrimary && !input.acceptRestartInPlace) {
    return { done: false, waitingFor: `a primary other than ${oldPrimary}` };
  }
  const acked = input.ops.some((o) => o.outcome === 'ok' && o.ackedAtMs! > faultAtMs && o.server?.region === primary);
  if (!acked) return { done: false, waitingFor: `the client to have a write acknowledged by ${primary}` };
  const seen = input.snapshots.find((s) => s.atMs >= faultAtMs && s.primary === primary) ?? latest;
  return { done: true, primary, by: primary === oldPrimary ? 'restartInPlace' : 'failover', seenAtMs: seen.atMs };
}

/** The coordinator the agents agree on (the most common non-null answer; ties: topology order of the views). */
export function coordinatorOf(views: readonly AgentStoreView[]): string | null {
  const counts = new Map<string, number>();
  for (const v of views) if (v.coordinator) counts.set(v.coordinator, (counts.get(v.coordinator) ?? 0) + 1);
  let best: string | null = null;
  for (const [region, n] of counts) if (best === null || n > counts.get(best)!) best = region;
  return best;
}

/**
 * The runbook being executed right now and the agent executing it (that agent is the
 * coordinator, whatever the others still believe).
 */
export function openRunbook(views: readonly AgentStoreView[]): { readonly runbookId: string; readonly coordinator: string } | null {
  const running = views.find((v) => v.runningRunbookId !== null);
  if (running) return { runbookId: running.runningRunbookId!, coordinator: running.agentRegion };
  // An agent that shows live step records: a started step without an end means it runs now.
  const live = views.find((v) => v.runbookId !== null && v.steps.some((s) => s.result === 'started' && !v.steps.some((e) => e.stepId === s.stepId && e.result !== 'started')));
  return live ? { runbookId: live.runbookId!, coordinator: live.agentRegion } : null;
}

/** Every step seen in any poll, the latest word per step id, ordered by when it started. */
export function mergeRunbookSteps(polls: readonly (readonly AgentStoreView[])[]): (RunbookStepView & { readonly runbookId: string; readonly seenBy: string })[] {
  const byKey = new Map<string, RunbookStepView & { runbookId: string; seenBy: string }>();
  for (const views of polls) {
    for (const v of views) {
      if (v.runbookId === null) continue;
      for (const step of v.steps) {
        const key = `${v.runbookId}/${step.stepId}`;
        const known = byKey.get(key);
        if (!known || rank(step.result) >= rank(known.result)) byKey.set(key, { ...step, runbookId: v.runbookId, seenBy: v.agentRegion });
      }
    }
  }
  return [...byKey.values()].sort((a, b) => (a.startedAtMs ?? Infinity) - (b.startedAtMs ?? Infinity) || (a.stepId < b.stepId ? -1 : 1));
}

/** An end record outranks `started`: a later poll never turns a finished step back into a started one. */
function rank(result: RunbookStepView['result']): number {
  return result === 'started' ? 0 : 1;
}

export interface PlanChange {
  readonly atMs: number;
  readonly agentRegion: string;
  readonly kind: string;
  readonly reason: string;
}

/** Each agent's plans as they changed from poll to poll (a plan is shown once until it changes; noops once per run of noops). */
export function planChanges(polls: readonly (readonly AgentStoreView[])[]): PlanChange[] {
  const last = new Map<string, string>();
  const changes: PlanChange[] = [];
  for (const views of polls) {
    for (const v of views) {
      if (!v.lastPlan) continue;
      // A noop's reason carries the moving WAL position: only a change of kind is news there.
      const key = v.lastPlan.kind === 'noop' ? 'noop' : `${v.lastPlan.kind}: ${v.lastPlan.reason}`;
      if (last.get(v.agentRegion) === key) continue;
      last.set(v.agentRegion, key);
      changes.push({ atMs: v.atMs, agentRegion: v.agentRegion, ...v.lastPlan });
    }
  }
  return changes;
}
