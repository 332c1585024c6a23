/**
 * Types of runbook-model.js (plain JavaScript, because the page inlines it as it is). The input is
 * the subset of an agent's /status that the model reads; StoreStatus in src/agent/store/status.ts
 * is assignable to RunbookStoreReading.
 */

export interface RunbookRecordReading {
  readonly stepId: string;
  readonly kind: string;
  /** started, ok, failed or skipped (audit records), as the agent reports them. */
  readonly result: string;
  readonly detail: string;
  readonly startedAt: string;
  readonly endedAt?: string;
}

export interface RunbookReading {
  readonly runbookId: string;
  readonly kind: string;
  readonly summary: string;
  /** `running` in runningRunbook; completed, failed, stopped or unrecorded in lastRunbook. */
  readonly outcome: string;
  readonly detail?: string;
  readonly steps: readonly RunbookRecordReading[];
}

export interface PlanReading {
  readonly at: string;
  readonly kind: string;
  readonly reason: string;
  readonly notExecuted?: string;
  readonly runbookId?: string;
  readonly steps?: readonly string[];
}

export interface RunbookStoreReading {
  readonly store: string;
  readonly coordinator: { readonly self: boolean } | null;
  readonly lastPlan: PlanReading | null;
  readonly lastRunbook: RunbookReading | null;
  readonly runningRunbook?: RunbookReading | null;
}

export interface RunbookAgentReading {
  /** The agent's region. */
  readonly region: string;
  readonly status: { readonly stores?: { readonly supervised: boolean; readonly stores: readonly RunbookStoreReading[] } } | null;
}

/** `unknown`: running when its coordinator stopped answering. */
export type StepState = 'ok' | 'failed' | 'skipped' | 'running' | 'interrupted' | 'pending' | 'unknown';

export interface StepView {
  readonly stepId: string;
  /** null for a pending step (the plan names step ids only). */
  readonly kind: string | null;
  readonly state: StepState;
  readonly startedAtMs: number | null;
  readonly endedAtMs: number | null;
  /** For a running step: how long it has been running. */
  readonly tookMs: number | null;
  /** The step's result detail once it ended, its reason while it runs. */
  readonly detail: string;
}

export interface RunbookView {
  readonly runbookId: string;
  readonly kind: string;
  readonly summary: string;
  readonly outcome: string;
  readonly detail: string | null;
  /** The agent that executed (or executes) it. */
  readonly coordinator: string;
  readonly startedAtMs: number | null;
  readonly endedAtMs: number | null;
  readonly tookMs: number | null;
  readonly steps: readonly StepView[];
  /** The step running now (running runbooks only). */
  readonly current: StepView | null;
  /** Steps done (ok or skipped). */
  readonly done: number;
  /** Outcome `unknown`: when the coordinator running it stopped answering. */
  readonly lostSinceMs?: number;
}

export interface RunbookPanel {
  readonly store: string;
  /** `unknown`: the newest runbook was running on an agent that stopped answering. */
  readonly state: 'running' | 'ended' | 'idle' | 'unknown';
  readonly runbook: RunbookView | null;
  /** The current coordinator's last plan, unless it is the runbook shown or a noop. */
  readonly plan: { readonly at: string; readonly kind: string; readonly reason: string; readonly notExecuted: string | null; readonly by: string } | null;
  /** Other agents that report a running runbook for this store. */
  readonly alsoRunning: readonly string[];
}

export function foldRunbookSteps(
  records: readonly RunbookRecordReading[],
  options: { readonly running: boolean; readonly planned?: readonly string[]; readonly nowMs: number; readonly unknown?: boolean },
): StepView[];

export function runbookPanels(
  readings: readonly RunbookAgentReading[],
  nowMs: number,
  /** Last readings of agents no longer answering, with when they stopped. */
  lost?: readonly (RunbookAgentReading & { readonly lostSinceMs: number })[],
): RunbookPanel[];

export function runbookProgressText(runbook: RunbookView): string;
