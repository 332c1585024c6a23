/**
 * Runbook audit records: one `started` and one end record (ok / failed / skipped) per step,
 * plus `runbook` records that open and close each execution. A step with `started` and no end
 * record is one a coordinator died in the middle of. `runbookProgress` rebuilds, from the
 * records, what the next coordinator's planner needs (StoreState.runbook).
 */
import { z } from 'zod';
import { InfraError, describeError } from '../common/errors.ts';
import type { AuditResult } from '../coord/ports.ts';
import type { FencingToken, RunbookKind, RunbookProgress, StepKind } from './types.ts';

/** src/coord's one vocabulary of results; a runbook step never ends `fenced`. */
export type RecordResult = Exclude<AuditResult, 'fenced'>;
export type { AuditResult };

export interface StepRecord {
  readonly runbookId: string;
  /** The step's id, or `runbook` for the records that open and close an execution. */
  readonly stepId: string;
  readonly kind: StepKind | 'runbook';
  readonly startedAtMs: number;
  /** Absent on `started` records. */
  readonly endedAtMs?: number;
  readonly result: RecordResult;
  readonly detail: string;
  /** Coordinator token the step ran under. */
  readonly token: FencingToken;
  /** On `runbook` records: which runbook this is. */
  readonly runbook?: { readonly kind: RunbookKind; readonly subject: string };
}

export const RUNBOOK_STEP_ID = 'runbook';

/** Where records go. Throws (InfraError) when the record could not be stored. */
export interface AuditSink {
  append(record: StepRecord): Promise<void>;
}

/**
 * The last runbook opened in `records` (in append order), unless it was closed with `ok` or
 * `aborted` (an operator closed it). One closed `failed` or `pending` stays open: the next
 * coordinator continues it.
 */
export function runbookProgress(records: readonly StepRecord[]): RunbookProgress | null {
  const opened = [...records].reverse().find((r) => r.kind === 'runbook' && r.result === 'started' && r.runbook);
  if (!opened?.runbook) return null;
  const id = opened.runbookId;
  const mine = records.filter((r) => r.runbookId === id);
  if (mine.some((r) => r.kind === 'runbook' && (r.result === 'ok' || r.result === 'aborted'))) return null;
  const completed = [...new Set(mine.filter((r) => r.kind !== 'runbook' && r.result === 'ok').map((r) => r.stepId))];
  return { runbookId: id, kind: opened.runbook.kind, subject: opened.runbook.subject, completed };
}

/** Appends to every sink; fails (after trying all) if any of them failed. */
export function teeAudit(...sinks: readonly AuditSink[]): AuditSink {
  return {
    async append(record) {
      const failures: string[] = [];
      for (const sink of sinks) {
        try {
          await sink.append(record);
        } catch (err) {
          failures.push(describeError(err));
        }
      }
      if (failures.length > 0) throw new InfraError(`audit record not stored: ${failures.join('; ')}`);
    },
  };
}

const RecordSchema = z.strictObject({
  runbookId: z.string().min(1),
  stepId: z.string().min(1),
  kind: z.string().min(1),
  startedAtMs: z.number(),
  endedAtMs: z.number().optional(),
  result: z.enum(['started', 'ok', 'pending', 'failed', 'skipped', 'aborted']),
  detail: z.string(),
  token: z.string().regex(/^\d+$/),
  runbook: z.strictObject({ kind: z.enum(['failover', 'switchover', 'rejoin']), subject: z.string() }).optional(),
});

/** One JSON object, token as a decimal string (JSON has no bigint). */
export function encodeStepRecord(record: StepRecord): string {
  return JSON.stringify({ ...record, token: record.token.toString() });
}

/** Parses what encodeStepRecord wrote; undefined for anything else (the caller reports it). */
export function decodeStepRecord(text: string): StepRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const checked = RecordSchema.safeParse(raw);
  if (!checked.success) return undefined;
  const { token, kind, ...rest } = checked.data;
  return { ...rest, kind: kind as StepRecord['kind'], token: BigInt(token) };
}
