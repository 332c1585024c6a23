/**
 * What the observability layer reads from the agent's database supervision (the `stores` part of
 * GET /status, src/agent/store): the shape below is the subset we use, structurally, so observe
 * does not depend on the agent. Pure: `storeChanges` diffs two readings into timeline events and
 * metric updates (primary moved, a region fenced, runbook steps finished).
 */
import type { NewEvent } from './timeline.ts';

export interface StoreStepReading {
  readonly stepId: string;
  readonly kind: string;
  readonly result: string;
  readonly detail: string;
  readonly startedAt: string;
  readonly endedAt?: string;
}

/** One standby's lag behind the primary, as the agent last observed it. */
export interface ReplicationReading {
  readonly region: string;
  readonly lagBytes: number | null;
  readonly lagSeconds: number | null;
  readonly state: string;
  readonly syncState: string;
}

export interface StoreReading {
  readonly store: string;
  readonly supervised: boolean;
  readonly etcd: { readonly ok: boolean; readonly reason?: string };
  readonly primary: { readonly region: string; readonly token: string } | null;
  readonly coordinator: { readonly holder: string | null; readonly token: string | null; readonly self: boolean };
  readonly local: { readonly role: string; readonly fenced: boolean; readonly reason: string } | null;
  /** Maintenance mode (absent in older agents). */
  readonly paused?: { readonly by: string; readonly reason: string; readonly at: string } | null;
  /** The recorded synchronous set (absent in older agents; null: none recorded). */
  readonly syncSet?: { readonly count: number; readonly members: readonly string[] } | null;
  /** The coordinator's last plan: what it did or waits for, and why (null on other agents). */
  readonly lastPlan?: { readonly kind: string; readonly reason: string; readonly notExecuted?: string; readonly waiting?: string } | null;
  /** Absent from agents that predate lag reporting. */
  readonly replication?: readonly ReplicationReading[];
  readonly lastRunbook: RunbookReading | null;
  /** The runbook this agent is executing now (absent in older agents). */
  readonly runningRunbook?: RunbookReading | null;
}

export interface RunbookReading {
  readonly runbookId: string;
  readonly kind: string;
  readonly summary: string;
  readonly outcome: string;
  readonly detail?: string;
  readonly steps: readonly StoreStepReading[];
}

export interface StoresReading {
  readonly supervised: boolean;
  readonly reason?: string;
  readonly stores: readonly StoreReading[];
}

/** A finished runbook step, for the step counter and duration histogram. */
export interface FinishedStep {
  readonly store: string;
  readonly runbook: string;
  readonly step: string;
  readonly result: 'ok' | 'failed' | 'skipped';
  readonly seconds: number;
}

/** A runbook kind that started or stopped running on this agent, for meridian_runbook_running. */
export interface RunningChange {
  readonly store: string;
  readonly runbook: string;
  readonly running: boolean;
}

export interface StoreChanges {
  readonly events: readonly NewEvent[];
  readonly steps: readonly FinishedStep[];
  /** Stores whose local database became fenced: the split-brain guard tripped here. */
  readonly fenceTrips: readonly string[];
  readonly running: readonly RunningChange[];
}

/**
 * Changes from `before` to `after` seen by agent `self`. A runbook is reported as it runs: each
 * audit record (a step started, a step ended) as soon as it appears in `runningRunbook`, which the
 * coordinator's agent updates after every record, and the outcome once it has ended
 * (`lastRunbook`). Agents that are not the coordinator see only the ended runbook and report its
 * records then. `seen` remembers what was reported, across calls: runbook ids and `id#step#result`.
 */
export function storeChanges(self: string, before: StoresReading | undefined, after: StoresReading, seen: Set<string>): StoreChanges {
  const changes = { events: [] as NewEvent[], steps: [] as FinishedStep[], fenceTrips: [] as string[], running: [] as RunningChange[] };
  const old = new Map((before?.stores ?? []).map((s) => [s.store, s]));
  for (const s of after.stores) {
    const was = old.get(s.store);
    const [kindBefore, kindNow] = [was?.runningRunbook?.kind, s.runningRunbook?.kind];
    if (kindBefore !== kindNow) {
      if (kindBefore) changes.running.push({ store: s.store, runbook: kindBefore, running: false });
      if (kindNow) changes.running.push({ store: s.store, runbook: kindNow, running: true });
    }
    if (s.primary && s.primary.region !== was?.primary?.region) {
      changes.events.push({
        kind: 'failover.step',
        summary: `${s.store}: primary ${was?.primary ? `moved from ${was.primary.region} to` : 'is'} ${s.primary.region} (term ${s.primary.token}), as ${self} reads it`,
        details: { store: s.store, what: 'primary', from: was?.primary?.region ?? null, to: s.primary.region, token: s.primary.token },
      });
    }
    const [waitedFor, waitsFor] = [was?.lastPlan?.waiting, s.lastPlan?.waiting];
    if (s.lastPlan && waitsFor !== waitedFor && (waitsFor || waitedFor)) {
      changes.events.push({
        kind: 'failover.step',
        summary: waitsFor
          ? `${s.store}: the reconciler waits (${waitsFor}): ${s.lastPlan.notExecuted ?? s.lastPlan.reason}`
          : `${s.store}: the reconciler no longer waits (${waitedFor} cleared): ${s.lastPlan.reason}`,
        details: { store: s.store, what: 'waiting', waiting: waitsFor ?? null, was: waitedFor ?? null },
      });
    }
    if (was && Boolean(s.paused) !== Boolean(was.paused)) {
      changes.events.push({
        kind: 'failover.step',
        summary: s.paused
          ? `${s.store}: paused by ${s.paused.by}${s.paused.reason ? ` (${s.paused.reason})` : ''}: no automatic action until resumed`
          : `${s.store}: resumed: the reconciler acts again`,
        details: { store: s.store, what: s.paused ? 'paused' : 'resumed', ...(s.paused ? { by: s.paused.by, reason: s.paused.reason } : {}) },
      });
    }
    if (s.local?.fenced && !was?.local?.fenced) {
      changes.fenceTrips.push(s.store);
      changes.events.push({ kind: 'failover.step', summary: `${s.store}: ${self}'s database fenced (${s.local.reason})`, details: { store: s.store, what: 'fenced', reason: s.local.reason } });
    }
    if (s.runningRunbook) runbookProgress(s.store, s.runningRunbook, seen, changes);
    if (s.lastRunbook && !seen.has(s.lastRunbook.runbookId)) {
      runbookProgress(s.store, s.lastRunbook, seen, changes);
      runbookEnded(s.store, s.lastRunbook, seen, changes);
    }
  }
  return changes;
}

type MutableChanges = { events: NewEvent[]; steps: FinishedStep[] };

/** Each audit record of the runbook (a step started, a step ended) not reported yet. */
function runbookProgress(store: string, rb: RunbookReading, seen: Set<string>, out: MutableChanges): void {
  for (const step of rb.steps) {
    // A step has a `started` record, then its result: both are events, once each.
    const key = `${rb.runbookId}#${step.stepId}#${step.result}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ended = step.endedAt ? Date.parse(step.endedAt) : NaN;
    const result = step.result === 'ok' || step.result === 'failed' || step.result === 'skipped' ? step.result : undefined;
    if (result && Number.isFinite(ended)) out.steps.push({ store, runbook: rb.kind, step: step.kind, result, seconds: Math.max(0, (ended - Date.parse(step.startedAt)) / 1000) });
    out.events.push({
      kind: 'failover.step',
      atMs: Number.isFinite(ended) ? ended : Date.parse(step.startedAt),
      summary: `${store}: ${rb.kind} step ${step.stepId} ${step.result}${step.detail ? `: ${step.detail}` : ''}`,
      details: { store, what: 'step', runbookId: rb.runbookId, runbook: rb.kind, ...step },
    });
  }
}

function runbookEnded(store: string, rb: RunbookReading, seen: Set<string>, out: MutableChanges): void {
  seen.add(rb.runbookId);
  const lastEnd = Math.max(...rb.steps.map((step) => (step.endedAt ? Date.parse(step.endedAt) : NaN)).filter(Number.isFinite));
  out.events.push({
    kind: 'failover.step',
    ...(Number.isFinite(lastEnd) ? { atMs: lastEnd } : {}),
    summary: `${store}: ${rb.kind} runbook ${rb.outcome} (${rb.summary})${rb.detail ? `: ${rb.detail}` : ''}`,
    details: { store, what: 'runbook', runbookId: rb.runbookId, runbook: rb.kind, outcome: rb.outcome },
  });
}
