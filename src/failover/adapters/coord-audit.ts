/**
 * Runbook step records in the etcd audit stream (src/coord appendAudit/readAudit), and back.
 * The mapping is lossless for everything runbookProgress needs: the result as it is (one
 * vocabulary, src/coord's AuditResult), millisecond times as ISO-8601, the step id as the action, kind and runbook in `details`.
 * Tee it with jsonlAuditSink (teeAudit) so the record also lands in a local file.
 */
import { InfraError } from '../../common/errors.ts';
import type { AuditRecord, CoordinationStore } from '../../coord/index.ts';
import { decodeStepRecord, encodeStepRecord, type AuditSink, type StepRecord } from '../audit.ts';

/** One audit stream per store. */
export function auditStream(store: string): string {
  return `store-${store}`;
}

export function toAuditRecord(r: StepRecord, actor: string): AuditRecord {
  return {
    actor,
    action: r.stepId,
    result: r.result,
    token: r.token.toString(),
    runbookId: r.runbookId,
    startedAt: new Date(r.startedAtMs).toISOString(),
    ...(r.endedAtMs !== undefined ? { endedAt: new Date(r.endedAtMs).toISOString() } : {}),
    reason: r.detail,
    // The step record itself, so reading back is exact (and readable with etcdctl).
    details: { step: JSON.parse(encodeStepRecord(r)) as unknown },
  };
}

/** undefined for audit records that are not runbook steps (or that do not parse). */
export function fromAuditRecord(a: AuditRecord): StepRecord | undefined {
  const step = a.details?.step;
  if (step === undefined) return undefined;
  return decodeStepRecord(JSON.stringify(step));
}

export function coordAuditSink(coord: CoordinationStore, store: string, actor: string): AuditSink {
  return {
    async append(record) {
      const outcome = await coord.appendAudit(auditStream(store), toAuditRecord(record, actor));
      if (outcome.kind === 'unavailable') throw new InfraError(`audit record not stored in etcd: ${outcome.reason}`);
    },
  };
}

export type StepRecordsOutcome =
  | { readonly kind: 'read'; readonly records: readonly StepRecord[]; readonly unreadable: number }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** The store's step records in the order the quorum accepted them. */
export async function readStepRecords(coord: CoordinationStore, store: string): Promise<StepRecordsOutcome> {
  const read = await coord.readAudit(auditStream(store));
  if (read.kind === 'unavailable') return read;
  const records: StepRecord[] = [];
  let unreadable = read.unreadableKeys.length;
  for (const entry of read.entries) {
    const step = fromAuditRecord(entry.record);
    if (step) records.push(step);
    else unreadable += 1;
  }
  return { kind: 'read', records, unreadable };
}
