/**
 * The database drill report: a pure function of the recorded history (every write of every
 * client, the ids found on the surviving primary, the drill's own steps, what the store and the
 * agents reported). RTO, RPO, lost writes, split brain and zombie acks come from `checkHistory`;
 * this adds the drill-specific checks and a timeline. See docs/drills.md.
 */
import { checkHistory, primaryKey, type HistoryReport } from '../history/index.ts';
import type { Check, DbDrillHistory } from './records.ts';
import { drillChecks } from './report-checks.ts';
import type { DbDrillKind, StoreSnapshot, WriteOp } from './types.ts';

export type { Check, CoordinatorKill, DbDrillEvent, DbDrillHistory } from './records.ts';

export interface ClientTotals {
  readonly writes: number;
  readonly ok: number;
  readonly fail: number;
  readonly unknown: number;
  readonly skipped: number;
}

export interface DbDrillReport {
  readonly kind: 'db-drill';
  readonly drill: DbDrillKind;
  readonly store: string;
  readonly transport: 'sql' | 'http';
  readonly replication: 'sync' | 'async';
  readonly faultRegion: string;
  readonly startedAt: string;
  /** Milliseconds relative to the fault (negative: before it). */
  readonly timeline: readonly { readonly atMs: number; readonly step: string; readonly detail: string }[];
  readonly oldPrimary: string | null;
  readonly newPrimary: string | null;
  readonly recoveredBy: 'failover' | 'restartInPlace' | null;
  readonly rtoMs: number | null;
  readonly rpoMs: number;
  readonly targets: { readonly rtoMs: number; readonly rpoMs: number };
  readonly lostAckedWrites: { readonly count: number; readonly firstIds: readonly string[] };
  readonly splitBrain: HistoryReport['splitBrain'];
  readonly zombieAcks: { readonly count: number; readonly firstIds: readonly string[]; readonly afterHealCount: number };
  readonly duplicates: { readonly count: number; readonly ids: readonly string[] };
  readonly unknowns: { readonly count: number; readonly present: number; readonly absent: number };
  readonly failedButPresent: number;
  readonly clients: Readonly<Record<string, ClientTotals>>;
  readonly checks: readonly Check[];
  readonly pass: boolean;
  readonly reasons: readonly string[];
  /** The checker's full report, for whoever wants every id. */
  readonly history: HistoryReport;
}

const FIRST_IDS = 10;

export function buildDbDrillReport(h: DbDrillHistory): DbDrillReport {
  const checked = checkHistory({
    ops: h.ops,
    survivingIds: h.survivingIds,
    faultAtMs: h.faultAtMs,
    ...(h.restoredAtMs === undefined ? {} : { healAtMs: h.restoredAtMs }),
    ...(h.recovery.seenAtMs === undefined || h.recovery.by !== 'failover' ? {} : { failoverAtMs: h.recovery.seenAtMs }),
    targets: h.targets,
  });
  const checks = drillChecks(h, checked);
  const failed = checks.filter((c) => !c.pass);
  const unknownCount = checked.unknownOutcomes.present.length + checked.unknownOutcomes.absent.length;
  return {
    kind: 'db-drill',
    drill: h.drill,
    store: h.store,
    transport: h.transport,
    replication: h.replication,
    faultRegion: h.faultRegion,
    startedAt: new Date(h.startMs).toISOString(),
    timeline: timelineOf(h),
    oldPrimary: checked.zombieAcks.oldPrimary,
    newPrimary: checked.zombieAcks.newPrimary ?? newPrimaryByClient(h),
    recoveredBy: h.recovery.outcome === 'settled' ? (h.recovery.by ?? null) : null,
    rtoMs: checked.rtoMs,
    rpoMs: checked.ackedLost.rpoMs,
    targets: h.targets,
    lostAckedWrites: { count: checked.ackedLost.count, firstIds: checked.ackedLost.ids.slice(0, FIRST_IDS) },
    splitBrain: checked.splitBrain,
    zombieAcks: { count: checked.zombieAcks.count, firstIds: checked.zombieAcks.ids.slice(0, FIRST_IDS), afterHealCount: checked.zombieAcks.afterHealCount },
    duplicates: { count: checked.duplicates.count, ids: checked.duplicates.ids.slice(0, FIRST_IDS) },
    unknowns: { count: unknownCount, present: checked.unknownOutcomes.present.length, absent: checked.unknownOutcomes.absent.length },
    failedButPresent: checked.failedButPresent.length,
    clients: clientTotals(h),
    checks,
    pass: failed.length === 0,
    reasons: failed.map((c) => `${c.name}: ${c.detail}`),
    history: checked,
  };
}

/** The identity that acked the main client's last write, when the checker saw no primary change. */
function newPrimaryByClient(h: DbDrillHistory): string | null {
  const last = h.ops.filter((o) => o.client === 'main' && o.outcome === 'ok' && o.server && o.ackedAtMs! > h.faultAtMs).at(-1);
  return last?.server ? primaryKey(last.server) : null;
}

function clientTotals(h: DbDrillHistory): Record<string, ClientTotals> {
  const names = [...new Set([...h.ops.map((o) => o.client), ...Object.keys(h.skipped)])].sort();
  return Object.fromEntries(
    names.map((name) => {
      const mine = h.ops.filter((o) => o.client === name);
      const count = (outcome: WriteOp['outcome']) => mine.filter((o) => o.outcome === outcome).length;
      return [name, { writes: mine.length, ok: count('ok'), fail: count('fail'), unknown: count('unknown'), skipped: h.skipped[name] ?? 0 }];
    }),
  );
}

/** The drill's own steps, the runbook steps the agents showed, and the store's changes, by time. */
function timelineOf(h: DbDrillHistory): DbDrillReport['timeline'] {
  const rel = (atMs: number) => atMs - h.faultAtMs;
  const rows = [
    ...h.events.map((e) => ({ atMs: e.atMs, step: e.step, detail: e.detail })),
    ...h.runbookSteps
      .filter((s) => s.startedAtMs !== undefined)
      .map((s) => ({
        atMs: s.startedAtMs!,
        // The executor's own `runbook` records open and close a runbook run.
        step: s.stepId === 'runbook' ? `runbook ${s.runbookId}` : `runbook step ${s.stepId}`,
        detail: `${s.result}${s.endedAtMs === undefined ? '' : ` after ${s.endedAtMs - s.startedAtMs!} ms`}${s.detail ? `: ${s.detail}` : ''} (seen by ${s.seenBy})`,
      })),
    ...h.storeChanges.map((s) => ({ atMs: s.atMs, step: 'store', detail: describeSnapshot(s) })),
    ...(h.plans ?? []).map((p) => ({ atMs: p.atMs, step: `plan (${p.agentRegion})`, detail: `${p.kind}: ${p.reason}` })),
  ];
  return rows.sort((a, b) => a.atMs - b.atMs).map((r) => ({ ...r, atMs: rel(r.atMs) }));
}

export function describeSnapshot(s: StoreSnapshot): string {
  const members = s.members.map((m) => `${m.region} ${m.reachable ? m.role : 'unreachable'}`).join(', ');
  return `primary ${s.primary ?? 'none'}; ${members}`;
}
