/**
 * The checks of a database drill report (pure). The history checks use the checker's own
 * definitions (docs/failover.md); the drill-specific ones say what each fault must prove.
 */
import type { HistoryReport } from '../history/index.ts';
import type { Check, DbDrillHistory } from './records.ts';
import type { WriteOp } from './types.ts';

/** Drills whose fault leaves the old primary's database running (or returning): only a failover recovers. */
const FAILOVER_REQUIRED = new Set(['region-outage', 'partition', 'coordinator-crash', 'primary-freeze']);

export function drillChecks(h: DbDrillHistory, r: HistoryReport): Check[] {
  const checks = [baseline(h), recovered(h), survivorsRead(h), ...historyChecks(h, r)];
  if (h.drill === 'partition') checks.push(localAcksStopped(h));
  if (h.drill === 'primary-freeze') checks.push(frozenPastLease(h), oldPrimaryProbedAfterThaw(h));
  if (h.drill === 'coordinator-crash') checks.push(coordinatorKilledMidRunbook(h));
  return checks;
}

function acksBy(ops: readonly WriteOp[], client: string, region: string): WriteOp[] {
  return ops.filter((o) => o.client === client && o.outcome === 'ok' && o.server?.region === region);
}

function baseline(h: DbDrillHistory): Check {
  const before = acksBy(h.ops, 'main', h.oldPrimary).filter((o) => o.ackedAtMs! <= h.faultAtMs);
  return before.length > 0
    ? { name: 'baseline', pass: true, detail: `${before.length} writes acknowledged by ${h.oldPrimary} before the fault` }
    : { name: 'baseline', pass: false, detail: `no write was acknowledged by ${h.oldPrimary} before the fault: the drill measures nothing` };
}

function recovered(h: DbDrillHistory): Check {
  const w = h.recovery;
  if (w.outcome === 'timedOut') {
    const plan = h.plans?.filter((p) => p.atMs >= h.faultAtMs && p.kind !== 'noop').at(-1);
    const why = plan ? `; last plan (${plan.agentRegion}): ${plan.kind}: ${plan.reason}` : '';
    return { name: 'recovered', pass: false, detail: `no recovery ${w.afterMs} ms after the fault: ${w.detail}${why}` };
  }
  if (w.by === 'restartInPlace' && FAILOVER_REQUIRED.has(h.drill)) {
    return { name: 'recovered', pass: false, detail: `${h.oldPrimary} took writes again without a failover` };
  }
  const how = w.by === 'restartInPlace' ? `${w.primary} recovered in place` : `${w.primary} became primary`;
  return { name: 'recovered', pass: true, detail: `${how}; seen in the store and acknowledged by it ${w.afterMs} ms after the fault` };
}

function survivorsRead(h: DbDrillHistory): Check {
  return h.survivorsFrom === null
    ? { name: 'survivorsRead', pass: false, detail: 'no primary to read the surviving ids from: every acknowledged write counts as lost' }
    : { name: 'survivorsRead', pass: true, detail: `${h.survivingIds.length} rows of this run found on ${h.survivorsFrom}` };
}

function historyChecks(h: DbDrillHistory, r: HistoryReport): Check[] {
  const { rtoMs, rpoMs } = h.targets;
  const lost = r.ackedLost;
  const rpoOk = lost.count === 0 || (rpoMs > 0 && lost.rpoMs <= rpoMs);
  const sb = r.splitBrain.examples[0];
  return [
    r.rtoMs === null
      ? { name: 'rto', pass: false, detail: 'no write was acknowledged durably after the fault' }
      : { name: 'rto', pass: r.rtoMs <= rtoMs, detail: `${r.rtoMs} ms (target ${rtoMs} ms): last ack before the fault to the first durable ack after it` },
    {
      name: 'rpo',
      pass: rpoOk,
      detail: lost.count === 0
        ? `no acknowledged write lost (${r.ackedWrites} acknowledged)`
        : `${lost.count} acknowledged writes lost over ${lost.rpoMs} ms (target ${rpoMs} ms), first ${lost.ids.slice(0, 3).join(', ')}`,
    },
    {
      name: 'splitBrain',
      pass: r.splitBrain.count === 0,
      detail: sb ? `${r.splitBrain.count} writes acknowledged while ${sb.primaries[0]} and ${sb.primaries[1]} both took writes` : 'one primary acknowledged writes at any time',
    },
    {
      name: 'zombieAcks',
      pass: r.zombieAcks.count === 0,
      detail: r.zombieAcks.count === 0
        ? `the old primary acknowledged nothing after the new one took over`
        : `${r.zombieAcks.count} writes acknowledged by ${r.zombieAcks.oldPrimary} after ${r.zombieAcks.newPrimary ?? 'the failover'} took over (${r.zombieAcks.afterHealCount} after the fault was undone)`,
    },
    {
      name: 'duplicates',
      pass: r.duplicates.count === 0,
      detail: r.duplicates.count === 0 ? 'no id applied or acknowledged twice' : `${r.duplicates.count} ids applied or acknowledged twice: ${r.duplicates.ids.slice(0, 3).join(', ')}`,
    },
  ];
}

/**
 * Partition: the primary's own region keeps writing to it; its lease must stop those acks. Only
 * acks while the region is cut count: after the heal, acks by the old primary are judged by the
 * zombie and split-brain checks (legitimate when no failover happened).
 */
function localAcksStopped(h: DbDrillHistory): Check {
  const name = 'localAcksStopped';
  const local = acksBy(h.ops, 'local', h.oldPrimary);
  if (!local.some((o) => o.ackedAtMs! <= h.faultAtMs)) {
    return { name, pass: false, detail: `the client inside ${h.oldPrimary} had no write acknowledged before the cut: nothing to stop` };
  }
  const end = h.restoredAtMs ?? Infinity;
  const duringCut = local.filter((o) => o.ackedAtMs! > h.faultAtMs && o.ackedAtMs! <= end);
  if (duringCut.length === 0) return { name, pass: true, detail: `the client inside ${h.oldPrimary} had no write acknowledged while it was cut` };
  const last = duringCut.at(-1)!.ackedAtMs! - h.faultAtMs;
  const n = `${duringCut.length} writes acknowledged while cut, the last`;
  return last <= h.leaseTtlMs
    ? { name, pass: true, detail: `${n} ${last} ms after the cut, within the lease TTL ${h.leaseTtlMs} ms` }
    : { name, pass: false, detail: `the client inside ${h.oldPrimary} had ${n} ${last} ms after the cut (lease TTL ${h.leaseTtlMs} ms)` };
}

function frozenPastLease(h: DbDrillHistory): Check {
  const name = 'frozenPastLease';
  if (h.restoredAtMs === undefined) return { name, pass: false, detail: 'the primary was never thawed' };
  const frozen = h.restoredAtMs - h.faultAtMs;
  return frozen > h.leaseTtlMs
    ? { name, pass: true, detail: `frozen ${frozen} ms, longer than the lease TTL ${h.leaseTtlMs} ms` }
    : { name, pass: false, detail: `frozen only ${frozen} ms, not longer than the lease TTL ${h.leaseTtlMs} ms` };
}

/** The zombie check proves something only if a client did try the thawed primary. */
function oldPrimaryProbedAfterThaw(h: DbDrillHistory): Check {
  const name = 'oldPrimaryProbedAfterThaw';
  const after = h.ops.filter((o) => o.client === 'pinned' && h.restoredAtMs !== undefined && o.sentAtMs > h.restoredAtMs);
  const acked = after.filter((o) => o.outcome === 'ok');
  if (after.length === 0) return { name, pass: false, detail: `no write was sent to ${h.oldPrimary} after the thaw` };
  return acked.length === 0
    ? { name, pass: true, detail: `${after.length} writes sent straight to ${h.oldPrimary} after the thaw, none acknowledged` }
    : { name, pass: false, detail: `${acked.length} of ${after.length} writes sent straight to ${h.oldPrimary} after the thaw were acknowledged` };
}

function coordinatorKilledMidRunbook(h: DbDrillHistory): Check {
  const name = 'coordinatorKilledMidRunbook';
  const k = h.coordinatorKill;
  if (!k) return { name, pass: false, detail: 'no runbook was seen starting, so no coordinator was killed mid-runbook' };
  const done = k.stepsDoneBeforeKill.length === 0 ? 'no step finished' : `finished: ${k.stepsDoneBeforeKill.join(', ')}`;
  return { name, pass: true, detail: `the coordinator in ${k.region} was killed ${k.killedAtMs - h.faultAtMs} ms after the fault, in runbook ${k.runbookId} (${done})` };
}
