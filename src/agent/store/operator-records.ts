/**
 * What an operator's pause, resume and abort write, fenced by the coordinator's election lease:
 * the store's pause record, and the record that closes an open runbook (result `aborted`).
 * Aborting a switchover that blocked writes also lifts the write block, so the primary's agent
 * takes its lease again and accepts writes: an abort never leaves a store without writes.
 */
import { describeError } from '../../common/errors.ts';
import type { CoordinationStore, FencingToken, HeldLease } from '../../coord/index.ts';
import { RUNBOOK_STEP_ID, type AuditSink, type RunbookProgress } from '../../failover/index.ts';
import { encodePause, storeKeys, type PauseRecord } from '../../failover/adapters/index.ts';

/** Writes (or, with null, deletes) the pause record; one line saying what happened. */
export async function applyPause(coord: CoordinationStore, lease: HeldLease, store: string, pause: PauseRecord | null): Promise<string> {
  const key = storeKeys.paused(store);
  const outcome = pause
    ? await coord.fencedTxn(lease.fence, [{ kind: 'put', key, value: encodePause(pause) }])
    : await coord.fencedTxn(lease.fence, [{ kind: 'delete', key }]);
  if (outcome.kind === 'unavailable') return `failed: etcd ${outcome.reason}; nothing changed`;
  if (outcome.kind === 'fenced') return 'failed: the coordinator lease was superseded; nothing changed, ask again';
  return pause
    ? `${store} is paused: no automatic failover, repoint or rebuild until meridian resume --store ${store} (each agent still fences its own database when it loses its lease)`
    : `${store} is resumed: the reconciler acts again on its next tick`;
}

export interface AbortInput {
  readonly coord: CoordinationStore;
  readonly lease: HeldLease;
  readonly store: string;
  readonly regions: readonly string[];
  readonly audit: AuditSink;
  readonly token: FencingToken;
  readonly open: RunbookProgress;
  readonly by: string;
  readonly nowMs: number;
}

export async function abortRunbook(i: AbortInput): Promise<string> {
  let lifted = '';
  if (i.open.kind === 'switchover') {
    const ops = i.regions.map((r) => ({ kind: 'delete' as const, key: storeKeys.blockMark(i.store, r) }));
    const outcome = await i.coord.fencedTxn(i.lease.fence, ops).catch((err: unknown) => ({ kind: 'unavailable' as const, reason: describeError(err) }));
    lifted = outcome.kind === 'written' ? '; write blocks lifted, the primary takes writes again once its agent holds its lease' : `; write blocks NOT lifted (${outcome.kind === 'fenced' ? 'coordinator lease superseded' : outcome.reason})`;
  }
  await i.audit.append({
    runbookId: i.open.runbookId, stepId: RUNBOOK_STEP_ID, kind: 'runbook', startedAtMs: i.nowMs, endedAtMs: i.nowMs,
    result: 'aborted', detail: `aborted by ${i.by}; steps done: ${i.open.completed.join(', ') || 'none'}`, token: i.token,
  });
  return `runbook ${i.open.runbookId} aborted by ${i.by} (steps done: ${i.open.completed.join(', ') || 'none'})${lifted}; the reconciler plans again from what it observes`;
}
