/**
 * Audit records: validated on the way in and on the way out, so a reader can trust every field
 * of an entry it gets back, and a record written by a newer/older agent that does not parse is
 * reported (unreadableKeys), never silently dropped.
 */
import { z } from 'zod';
import type { AuditEntry, AuditRecord } from './ports.ts';

const AuditRecordSchema = z.object({
  actor: z.string().min(1),
  action: z.string().min(1),
  // `succeeded` is what agents before the reconciler wrote for `ok`.
  result: z.preprocess((v) => (v === 'succeeded' ? 'ok' : v), z.enum(['started', 'ok', 'pending', 'failed', 'skipped', 'aborted', 'fenced'])),
  token: z.string().regex(/^\d+$/).optional(),
  runbookId: z.string().optional(),
  startedAt: z.iso.datetime({ offset: true }),
  endedAt: z.iso.datetime({ offset: true }).optional(),
  reason: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** Throws on a record the caller built wrongly (a programming error, not an outcome). */
export function encodeAuditRecord(record: AuditRecord): string {
  const checked = AuditRecordSchema.safeParse(record);
  if (!checked.success) throw new Error(`invalid audit record: ${z.prettifyError(checked.error)}`);
  return JSON.stringify(checked.data);
}

export function decodeAuditRecord(value: string): AuditRecord | undefined {
  try {
    const checked = AuditRecordSchema.safeParse(JSON.parse(value));
    return checked.success ? checked.data : undefined;
  } catch {
    return undefined;
  }
}

export interface StoredAuditValue {
  readonly key: string;
  readonly createRevision: bigint;
  readonly value: string;
}

/** Decodes stored values into entries in commit (create revision) order. */
export function toAuditEntries(stored: readonly StoredAuditValue[]): {
  entries: AuditEntry[];
  unreadableKeys: string[];
} {
  const entries: AuditEntry[] = [];
  const unreadableKeys: string[] = [];
  const ordered = [...stored].sort((a, b) => (a.createRevision < b.createRevision ? -1 : a.createRevision > b.createRevision ? 1 : 0));
  for (const item of ordered) {
    const record = decodeAuditRecord(item.value);
    if (record) entries.push({ key: item.key, revision: item.createRevision, record });
    else unreadableKeys.push(item.key);
  }
  return { entries, unreadableKeys };
}
