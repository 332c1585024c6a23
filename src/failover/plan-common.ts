/** Plan builders shared by the three planners. */
import type { Plan, RunbookKind, Step, StoreState, WaitCode } from './types.ts';

export function noop(reason: string): Plan {
  return { kind: 'noop', reason };
}

export function blocked(reason: string, code?: WaitCode): Plan {
  return code ? { kind: 'blocked', reason, code } : { kind: 'blocked', reason };
}

/**
 * A run plan. It continues the unfinished runbook when that one has the same kind and subject
 * (so the audit reads as one runbook across coordinators); otherwise it starts a new one.
 */
export function run(
  state: StoreState,
  kind: RunbookKind,
  subject: string,
  nowMs: number,
  summary: string,
  steps: readonly Step[],
  continues = false,
): Plan {
  const open = state.runbook;
  const runbookId =
    open && open.kind === kind && open.subject === subject ? open.runbookId : `${state.store}/${kind}/${subject}/${Math.round(nowMs)}`;
  return { kind: 'run', runbook: kind, runbookId, subject, token: state.coordinator.token, summary, steps, ...(continues ? { continues } : {}) };
}

/** The unfinished runbook is of `kind` (and, when given, about `subject`). */
export function continues(state: StoreState, kind: RunbookKind, subject?: string): boolean {
  const open = state.runbook;
  return open !== null && open.kind === kind && (subject === undefined || open.subject === subject);
}

export function present<T>(items: readonly (T | undefined)[]): T[] {
  return items.filter((x): x is T => x !== undefined);
}
