/** An in-memory AuditSink for unit tests, with a hook to make appends fail. */
import { InfraError } from '../../common/errors.ts';
import type { AuditSink, StepRecord } from '../audit.ts';

export class MemoryAudit implements AuditSink {
  readonly records: StepRecord[] = [];
  /** When it returns true for a record, append throws instead of storing it. */
  failWhen: ((record: StepRecord) => boolean) | undefined;
  /** Called after each stored record (tests use it to inject a fault at a precise point). */
  afterAppend: ((record: StepRecord) => void) | undefined;

  async append(record: StepRecord): Promise<void> {
    if (this.failWhen?.(record)) throw new InfraError(`audit store unavailable (test)`);
    this.records.push(record);
    this.afterAppend?.(record);
  }
}
