/**
 * Past runbooks, read back from a store's step records (audit.ts), for `meridian runs`: one entry
 * per runbook id in the order they were opened, with every step's last result and the outcome of
 * its last execution. Pure. A runbook re-planned over several ticks (a failover freezes, then
 * chooses) is one entry: the planners keep its id while it is open.
 */
import type { RecordResult, StepRecord } from './audit.ts';

export interface RunbookHistory {
  readonly runbookId: string;
  readonly kind: string;
  readonly subject: string;
  readonly startedAtMs: number;
  readonly endedAtMs?: number;
  /** The last close of an execution (`ok`, `failed`, `pending`, `aborted`), or `open` while one runs or none closed. */
  readonly outcome: RecordResult | 'open';
  readonly detail: string;
  readonly steps: readonly { readonly stepId: string; readonly kind: string; readonly result: RecordResult; readonly detail: string }[];
}

export function runbookHistory(records: readonly StepRecord[]): RunbookHistory[] {
  const byId = new Map<string, StepRecord[]>();
  for (const r of records) {
    const list = byId.get(r.runbookId) ?? [];
    list.push(r);
    byId.set(r.runbookId, list);
  }
  return [...byId.entries()].map(([runbookId, mine]) => {
    const opened = mine.find((r) => r.kind === 'runbook' && r.runbook);
    const closes = mine.filter((r) => r.kind === 'runbook' && r.result !== 'started');
    const lastClose = closes.at(-1);
    // An execution still running has opened again after its last close.
    const lastOpen = mine.map((r) => r.kind === 'runbook' && r.result === 'started').lastIndexOf(true);
    const open = !lastClose || lastOpen > mine.lastIndexOf(lastClose);
    const steps = new Map<string, RunbookHistory['steps'][number]>();
    for (const r of mine) {
      if (r.kind === 'runbook') continue;
      // The latest end record of a step wins; a `started` one only shows a step with no end yet.
      if (r.result !== 'started' || !steps.has(r.stepId)) steps.set(r.stepId, { stepId: r.stepId, kind: r.kind, result: r.result, detail: r.detail });
    }
    return {
      runbookId,
      kind: opened?.runbook?.kind ?? 'unknown',
      subject: opened?.runbook?.subject ?? '',
      startedAtMs: mine[0]!.startedAtMs,
      ...(lastClose?.endedAtMs !== undefined && !open ? { endedAtMs: lastClose.endedAtMs } : {}),
      outcome: open ? 'open' : lastClose.result,
      detail: open ? '' : lastClose.detail,
      steps: [...steps.values()],
    };
  });
}
