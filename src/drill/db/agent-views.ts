/**
 * Reads a store's coordinator and runbooks out of an agent's GET /status body (pure). The body
 * is another process's JSON, so it is read defensively: anything missing or of another shape
 * gives nulls, never an exception. Shape read (src/agent/store/status.ts):
 * `stores: { stores: [{ store, coordinator: { holder }, lastPlan: { kind, reason, executed, runbookId, at },
 *  lastRunbook: { runbookId, steps: [{ stepId, result, detail, startedAt, endedAt? }] } }] }`
 * (a bare `stores: [...]` array is accepted too).
 */
import type { AgentStoreView, RunbookStepView } from './types.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const RESULTS = new Set(['started', 'ok', 'failed', 'skipped']);

export function agentStoreView(agentRegion: string, atMs: number, body: unknown, store: string): AgentStoreView {
  const entry = storeEntry(body, store);
  const coordinator = entry && isObject(entry.coordinator) ? str(entry.coordinator.holder) : str(entry?.coordinator);
  const last = entry && isObject(entry.lastRunbook) ? entry.lastRunbook : undefined;
  const steps = last && Array.isArray(last.steps) ? last.steps.flatMap(stepOf) : [];
  return {
    agentRegion,
    atMs,
    coordinator,
    runningRunbookId: runningRunbook(entry, last, steps),
    runbookId: str(last?.runbookId),
    steps,
    lastPlan: planOf(entry),
  };
}

function planOf(entry: Json | undefined): AgentStoreView['lastPlan'] {
  const plan = entry && isObject(entry.lastPlan) ? entry.lastPlan : undefined;
  const kind = str(plan?.kind);
  return kind ? { kind, reason: str(plan?.reason) ?? '' } : null;
}

function storeEntry(body: unknown, store: string): Json | undefined {
  if (!isObject(body)) return undefined;
  const stores = Array.isArray(body.stores) ? body.stores : isObject(body.stores) && Array.isArray(body.stores.stores) ? body.stores.stores : [];
  return stores.find((s): s is Json => isObject(s) && (s.store === store || s.name === store));
}

/**
 * A plan of kind `run` that was executed and has no finished runbook after it: the agent is
 * executing it now (it records the runbook only once it ends).
 */
function runningRunbook(entry: Json | undefined, last: Json | undefined, steps: readonly RunbookStepView[]): string | null {
  const plan = entry && isObject(entry.lastPlan) ? entry.lastPlan : undefined;
  if (!plan || plan.kind !== 'run' || plan.executed !== true) return null;
  const id = str(plan.runbookId);
  if (!id) return null;
  if (!last || str(last.runbookId) !== id) return id;
  // Same id (a runbook continued in a new round): running if planned after the last record ended.
  const plannedAt = Date.parse(String(plan.at));
  const lastRecord = Math.max(...steps.map((s) => s.endedAtMs ?? s.startedAtMs ?? 0), 0);
  return Number.isFinite(plannedAt) && plannedAt > lastRecord ? id : null;
}

function stepOf(raw: unknown): RunbookStepView[] {
  if (!isObject(raw)) return [];
  const stepId = str(raw.stepId);
  const result = str(raw.result);
  if (!stepId || !result || !RESULTS.has(result)) return [];
  const startedAtMs = Date.parse(String(raw.startedAt));
  const endedAtMs = Date.parse(String(raw.endedAt));
  const detail = str(raw.detail);
  return [{
    stepId,
    result: result as RunbookStepView['result'],
    ...(Number.isFinite(startedAtMs) ? { startedAtMs } : {}),
    ...(Number.isFinite(endedAtMs) ? { endedAtMs } : {}),
    ...(detail ? { detail } : {}),
  }];
}
