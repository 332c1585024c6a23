/**
 * The write-history checker: from what a load client recorded and what the surviving primary
 * holds, the measures a database drill reports (acknowledged writes lost and the RPO window,
 * RTO, split brain, zombie acks, duplicates) and a pass/fail verdict against the targets.
 * Pure: the same history always gives the same report.
 *
 * Definitions (docs/failover.md explains why):
 * - acknowledged write: kind `write`, outcome `ok`. `unknown` outcomes are never counted as
 *   lost, only listed as present/absent. Reads are not judged.
 * - lost: acknowledged but absent from the survivor. rpoMs = last lost ack − first lost ack.
 *   The RPO passes when nothing was lost, or the target is above 0 and rpoMs is within it.
 * - rtoMs: first acknowledgement of a write sent after the fault that survived (an ack that was
 *   later lost is no recovery, nor is the late ack of a write already in flight at the fault)
 *   − the last acknowledgement at or before the fault (the fault time itself when there was
 *   none). null when nothing durable was acknowledged after.
 * - zombie ack: an ack by the primary that acked last before the fault, after the first ack of
 *   a different primary (or after failoverAtMs, whichever is earlier).
 */
import { InputError } from '../../common/errors.ts';
import { acksOf, primaryKey, type Ack } from './identity.ts';
import { findSplitBrain } from './split-brain.ts';
import type { HistoryInput, HistoryOp, HistoryReport } from './types.ts';

export function checkHistory(input: HistoryInput): HistoryReport {
  validate(input);
  const acks = acksOf(input.ops);
  const surviving = new Set(input.survivingIds);
  const ackedLost = lostAcks(acks, surviving);
  const rto = recovery(acks, surviving, input.faultAtMs);
  const splitBrain = findSplitBrain(acks);
  const zombieAcks = zombies(acks, input);
  const duplicates = duplicatesOf(input, acks);
  const writes = [...input.ops].filter((op) => op.kind === 'write').sort(bySent);
  const unknown = writes.filter((op) => op.outcome === 'unknown');
  const report = {
    ackedWrites: new Set(acks.map((k) => k.id)).size,
    ackedLost,
    ...rto,
    splitBrain,
    zombieAcks,
    duplicates,
    unknownOutcomes: {
      present: unknown.filter((op) => surviving.has(op.id)).map((op) => op.id),
      absent: unknown.filter((op) => !surviving.has(op.id)).map((op) => op.id),
    },
    failedButPresent: writes.filter((op) => op.outcome === 'fail' && surviving.has(op.id)).map((op) => op.id),
  };
  return { ...report, verdict: verdict(report, input) };
}

function bySent(a: HistoryOp, b: HistoryOp): number {
  return a.sentAtMs - b.sentAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function validate(input: HistoryInput): void {
  for (const op of input.ops) {
    if (op.outcome === 'ok' && op.ackedAtMs === undefined) throw new InputError(`history op ${op.id}: outcome ok without ackedAtMs`);
    if (op.ackedAtMs !== undefined && op.ackedAtMs < op.sentAtMs) throw new InputError(`history op ${op.id}: acknowledged before it was sent`);
  }
  if (input.healAtMs !== undefined && input.healAtMs < input.faultAtMs) throw new InputError('history: healAtMs is before faultAtMs');
}

function lostAcks(acks: readonly Ack[], surviving: ReadonlySet<string>): HistoryReport['ackedLost'] {
  const lost = firstAckPerId(acks).filter((k) => !surviving.has(k.id));
  const rpoMs = lost.length > 1 ? lost.at(-1)!.atMs - lost[0]!.atMs : 0;
  return { count: lost.length, ids: lost.map((k) => k.id), rpoMs };
}

function recovery(acks: readonly Ack[], surviving: ReadonlySet<string>, faultAtMs: number) {
  const before = acks.filter((k) => k.atMs <= faultAtMs).at(-1);
  const after = acks.find((k) => k.sentAtMs > faultAtMs && surviving.has(k.id));
  const lastAckBeforeFaultMs = before?.atMs ?? null;
  const firstAckAfterFaultMs = after?.atMs ?? null;
  const rtoMs = after ? after.atMs - (before?.atMs ?? faultAtMs) : null;
  return { rtoMs, lastAckBeforeFaultMs, firstAckAfterFaultMs };
}

function zombies(acks: readonly Ack[], input: HistoryInput): HistoryReport['zombieAcks'] {
  const old = acks.filter((k) => k.atMs <= input.faultAtMs && k.primary !== undefined).at(-1)?.primary ?? null;
  const firstNew = acks.find((k) => k.atMs > input.faultAtMs && k.primary !== undefined && k.primary !== old);
  const bounds = [firstNew?.atMs, input.failoverAtMs].filter((t): t is number => t !== undefined);
  const afterMs = old !== null && bounds.length > 0 ? Math.min(...bounds) : null;
  const late = afterMs === null ? [] : acks.filter((k) => k.primary === old && k.atMs > afterMs);
  const healAt = input.healAtMs;
  return {
    count: late.length,
    ids: late.map((k) => k.id),
    oldPrimary: old,
    newPrimary: firstNew?.primary ?? null,
    afterMs,
    afterHealCount: healAt === undefined ? 0 : late.filter((k) => k.atMs > healAt).length,
  };
}

function duplicatesOf(input: HistoryInput, acks: readonly Ack[]): HistoryReport['duplicates'] {
  const presentTwice = repeated(input.survivingIds);
  const ackedTwice = repeated(acks.map((k) => k.id));
  const ids = [...new Set([...presentTwice, ...ackedTwice])].sort();
  return { count: ids.length, ids, presentTwice, ackedTwice };
}

function repeated(ids: readonly string[]): string[] {
  const seen = new Map<string, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  return [...seen.entries()].filter(([, n]) => n > 1).map(([id]) => id).sort();
}

function firstAckPerId(acks: readonly Ack[]): Ack[] {
  const seen = new Set<string>();
  return acks.filter((k) => (seen.has(k.id) ? false : (seen.add(k.id), true)));
}

function verdict(r: Omit<HistoryReport, 'verdict'>, input: HistoryInput): HistoryReport['verdict'] {
  const { rtoMs: rtoTarget, rpoMs: rpoTarget } = input.targets;
  const failures: string[] = [];
  if (r.rtoMs === null) failures.push('no write was acknowledged (durably) after the fault: the store did not recover');
  else if (r.rtoMs > rtoTarget) failures.push(`RTO ${r.rtoMs} ms exceeds the target ${rtoTarget} ms`);
  const rpoOk = r.ackedLost.count === 0 || (rpoTarget > 0 && r.ackedLost.rpoMs <= rpoTarget);
  if (!rpoOk) failures.push(`${r.ackedLost.count} acknowledged write(s) lost over ${r.ackedLost.rpoMs} ms (target RPO ${rpoTarget} ms)`);
  if (r.splitBrain.count > 0) {
    const e = r.splitBrain.examples[0]!;
    failures.push(`split brain: ${r.splitBrain.count} write(s) acknowledged while ${e.primaries[0]} and ${e.primaries[1]} both accepted writes`);
  }
  if (r.zombieAcks.count > 0) failures.push(`${r.zombieAcks.count} write(s) acknowledged by the old primary ${r.zombieAcks.oldPrimary} after the failover`);
  if (r.duplicates.count > 0) failures.push(`${r.duplicates.count} write id(s) applied or acknowledged twice`);
  return { pass: failures.length === 0, failures };
}

export { primaryKey };
