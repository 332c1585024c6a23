/**
 * The traffic controls in etcd, through the CoordinationStore port: read the document with its
 * mod revision, replace it with a compare-and-put on that revision, and append each operator
 * request to the `traffic` audit stream (meridian/audit/traffic/…).
 *
 * Why compare-and-put, not a fenced write: a fenced write proves a LEASE is still held, and no
 * lease says who may change traffic — any agent serves an operator's request, none is elected
 * for it (an election would make traffic controls wait for, and fail with, the coordinator).
 * What must not happen is a lost update: two operators each judged against the same controls,
 * the second write replacing the first unseen. compare-and-put on the mod revision read makes
 * the quorum refuse the second write; its agent reads again and judges the request anew on top
 * of the first one (so the safety rules always judge the exact set that is stored).
 */
import { coordKeys, type AuditRecord, type CoordinationStore } from '../../coord/index.ts';
import { decodeTrafficControls, encodeTrafficControls, NO_CONTROLS, type TrafficControls } from '../../gslb/index.ts';

export const TRAFFIC_AUDIT_STREAM = 'traffic';

export type ControlsRead =
  /** `revision` 0n: no document stored yet (no control ever set). */
  | { readonly kind: 'read'; readonly controls: TrafficControls; readonly revision: bigint }
  | { readonly kind: 'unreadable'; readonly revision: bigint }
  | { readonly kind: 'unavailable'; readonly reason: string };

export async function readControls(coord: CoordinationStore): Promise<ControlsRead> {
  const read = await coord.read(coordKeys.trafficControls());
  if (read.kind === 'unavailable') return read;
  if (read.kind === 'absent') return { kind: 'read', controls: NO_CONTROLS, revision: 0n };
  const controls = decodeTrafficControls(read.value);
  return controls ? { kind: 'read', controls, revision: read.modRevision } : { kind: 'unreadable', revision: read.modRevision };
}

export type ControlsWrite =
  | { readonly kind: 'written'; readonly revision: bigint }
  /** Someone changed the controls since `revision` was read: read again and judge again. */
  | { readonly kind: 'conflict' }
  | { readonly kind: 'unavailable'; readonly reason: string };

export async function writeControls(coord: CoordinationStore, readRevision: bigint, controls: TrafficControls): Promise<ControlsWrite> {
  const outcome = await coord.compareAndPut(coordKeys.trafficControls(), readRevision, encodeTrafficControls(controls));
  return outcome.kind === 'conflict' ? { kind: 'conflict' } : outcome;
}

/** Audit appends are not fenced (a refused request must be recordable too); a failure is reported, not thrown. */
export async function auditRequest(coord: CoordinationStore, record: AuditRecord): Promise<string | undefined> {
  const appended = await coord.appendAudit(TRAFFIC_AUDIT_STREAM, record);
  return appended.kind === 'unavailable' ? appended.reason : undefined;
}
