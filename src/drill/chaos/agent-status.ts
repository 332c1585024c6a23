/**
 * What chaos rounds read from an agent's GET /status for one store (pure): the primary record,
 * and the runbook it is executing with the steps recorded so far and the steps planned. The body
 * is another process's JSON, which the failover rework is changing, so it is read defensively:
 * anything missing or of another shape reads as absent, never as an exception. Shape read
 * (src/agent/store/status.ts): `stores.stores[]: { store, primary: { region, token, timeline },
 * lastPlan: { kind, runbookId, steps: [stepId] }, runningRunbook: { runbookId, steps: [{ stepId,
 * kind, result, startedAt, endedAt }] }, lastRunbook: same }`.
 */

type Json = Record<string, unknown>;

export interface RecordView {
  readonly region: string;
  readonly token: string;
  readonly timeline?: number;
}

export interface StepSeen {
  readonly stepId: string;
  /** `promote`, `repoint`, …: the record's kind, else the step id up to its first ':'. */
  readonly kind: string;
  readonly result: string;
  readonly startedAtMs?: number;
}

export interface RunbookSeen {
  readonly runbookId: string;
  readonly steps: readonly StepSeen[];
  /** Step ids the coordinator's plan for this runbook lists (empty when it does not show them). */
  readonly planned: readonly string[];
}

export interface AgentStoreStatus {
  readonly agentRegion: string;
  /** null: the agent shows no record for the store. */
  readonly record: RecordView | null;
  /** The runbook this agent executes now, if any. */
  readonly running: RunbookSeen | null;
  /** The last runbook it finished, if any (a short runbook may end between two polls). */
  readonly last: RunbookSeen | null;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function readAgentStoreStatus(agentRegion: string, body: unknown, store: string): AgentStoreStatus {
  const entry = storeEntry(body, store);
  const plan = entry && isObject(entry.lastPlan) ? entry.lastPlan : undefined;
  const planned = (id: string) => (plan && str(plan.runbookId) === id && Array.isArray(plan.steps) ? plan.steps.filter((s): s is string => typeof s === 'string') : []);
  return {
    agentRegion,
    record: recordOf(entry?.primary),
    running: runbookOf(entry?.runningRunbook, planned),
    last: runbookOf(entry?.lastRunbook, planned),
  };
}

/** The kind of a step id: `promote:us-east` → `promote`. */
export function stepKindOf(stepId: string): string {
  return stepId.split(':')[0]!;
}

function storeEntry(body: unknown, store: string): Json | undefined {
  if (!isObject(body)) return undefined;
  const stores = isObject(body.stores) && Array.isArray(body.stores.stores) ? body.stores.stores : Array.isArray(body.stores) ? body.stores : [];
  return stores.find((s): s is Json => isObject(s) && s.store === store);
}

function recordOf(raw: unknown): RecordView | null {
  if (!isObject(raw)) return null;
  const region = str(raw.region);
  const token = typeof raw.token === 'number' ? String(raw.token) : str(raw.token);
  if (!region || !token) return null;
  return { region, token, ...(typeof raw.timeline === 'number' ? { timeline: raw.timeline } : {}) };
}

function runbookOf(raw: unknown, planned: (id: string) => string[]): RunbookSeen | null {
  if (!isObject(raw)) return null;
  const runbookId = str(raw.runbookId);
  if (!runbookId) return null;
  const steps = Array.isArray(raw.steps) ? raw.steps.flatMap(stepOf) : [];
  return { runbookId, steps, planned: planned(runbookId) };
}

/** The audit's record that opens and closes a runbook (src/failover/audit.ts): no step. */
const RUNBOOK_RECORD = 'runbook';

function stepOf(raw: unknown): StepSeen[] {
  if (!isObject(raw)) return [];
  const stepId = str(raw.stepId);
  const result = str(raw.result);
  if (!stepId || !result || stepId === RUNBOOK_RECORD || raw.kind === RUNBOOK_RECORD) return [];
  const startedAtMs = Date.parse(String(raw.startedAt));
  return [{ stepId, kind: str(raw.kind) ?? stepKindOf(stepId), result, ...(Number.isFinite(startedAtMs) ? { startedAtMs } : {}) }];
}

/**
 * The step kinds a runbook shows, in order of first appearance: the plan's step ids, then any
 * recorded step the plan did not list. The seed's pick chooses among these.
 */
export function runbookStepKinds(runbook: RunbookSeen): string[] {
  return [...new Set([...runbook.planned.map(stepKindOf), ...runbook.steps.map((s) => s.kind)])];
}
