/**
 * Part (c)'s figures (pure): one record per drill from its drill report, per system the RTO p50
 * and max, lost acknowledged writes, split brain and zombie acks, the Meridian/Patroni ratios and
 * the issue's targets judged met or not. Records in, plain objects out.
 */
import type { DbDrillHistory, DbDrillResult } from '../../src/drill/db/index.ts';
import { ratio, summarize, type ShiftSummary } from '../shift/stats.ts';
import type { ThroughputResult } from './throughput.ts';

export interface DrillRecord {
  /** 1-based. */
  readonly drill: number;
  /** The region cut: the primary's when the drill started. */
  readonly cutRegion: string;
  readonly newPrimary: string | null;
  /** Last ack before the cut → first durable ack after it (the checker's RTO); null: no recovery. */
  readonly rtoMs: number | null;
  readonly ackedWrites: number;
  /** Acknowledged writes missing from the primary when the drill ended. */
  readonly lostAtDrillEnd: number;
  /**
   * Acknowledged writes missing once the store was whole again (the ids re-read from its primary
   * then): a primary that lost the new leader's writes after the drill's end is caught here.
   * null when the store did not become whole (then `lostAtDrillEnd` is the figure).
   */
  readonly lostAfterRestore: number | null;
  /**
   * After the recovery, the longest stretch without a durable ack of the main client, up to its
   * last write (the heal and the time after it included): a second outage, e.g. when the old
   * primary returns and takes over again. null without a recovery.
   */
  readonly worstGapAfterRecoveryMs: number | null;
  readonly splitBrain: number;
  readonly zombieAcks: number;
  readonly duplicates: number;
  /** Every check of the drill report passed (judged on the final survivors). */
  readonly pass: boolean;
  readonly failedChecks: readonly string[];
  /** The end of the drill → the store whole again (null: not within the bound). */
  readonly restoreMs: number | null;
  /** What it took beyond the system's routine to make the store whole again (an operator's reinit). */
  readonly intervention?: string;
  /** Why the drill has no figures, or what went wrong around it. */
  readonly note?: string;
}

/** A drill that could not run (the series records it and goes on or stops). */
export function failedDrill(drill: number, cutRegion: string, note: string): DrillRecord {
  return {
    drill, cutRegion, newPrimary: null, rtoMs: null, ackedWrites: 0, lostAtDrillEnd: 0, lostAfterRestore: null, worstGapAfterRecoveryMs: null,
    splitBrain: 0, zombieAcks: 0, duplicates: 0, pass: false, failedChecks: [], restoreMs: null, note,
  };
}

/** `atEnd`: the drill as it returned; `final`: recomputed on the ids re-read once the store was whole (or undefined). */
export function drillRecord(drill: number, atEnd: DbDrillResult, final: DbDrillResult | undefined, restoreMs: number | null, note?: string, intervention?: string): DrillRecord {
  const r = (final ?? atEnd).report;
  return {
    drill,
    cutRegion: atEnd.report.faultRegion,
    newPrimary: r.newPrimary,
    rtoMs: r.rtoMs,
    ackedWrites: r.history.ackedWrites,
    lostAtDrillEnd: atEnd.report.lostAckedWrites.count,
    lostAfterRestore: final ? final.report.lostAckedWrites.count : null,
    worstGapAfterRecoveryMs: worstGapAfterRecovery((final ?? atEnd).history),
    splitBrain: r.splitBrain.count,
    zombieAcks: r.zombieAcks.count,
    duplicates: r.duplicates.count,
    pass: r.pass,
    failedChecks: r.reasons,
    restoreMs,
    ...(note ? { note } : {}),
    ...(intervention ? { intervention } : {}),
  };
}

/** See DrillRecord.worstGapAfterRecoveryMs; durable = the id is among the history's surviving ids. */
export function worstGapAfterRecovery(h: DbDrillHistory): number | null {
  const surviving = new Set(h.survivingIds);
  const main = h.ops.filter((o) => o.client === 'main');
  const durable = main.filter((o) => o.outcome === 'ok' && surviving.has(o.id)).map((o) => ({ sent: o.sentAtMs, acked: o.ackedAtMs! })).sort((a, b) => a.acked - b.acked);
  const first = durable.findIndex((a) => a.sent > h.faultAtMs);
  if (first === -1) return null;
  const end = Math.max(...main.map((o) => o.sentAtMs));
  const times = [...durable.slice(first).map((a) => a.acked), end];
  let worst = 0;
  for (let i = 1; i < times.length; i += 1) worst = Math.max(worst, times[i]! - times[i - 1]!);
  return worst;
}

/** The lost-write figure of a drill: after the restore when the store became whole, else at the drill's end. */
export const lostOf = (d: DrillRecord): number => d.lostAfterRestore ?? d.lostAtDrillEnd;

/** Who fails over (`meridian` or `patroni`) and how the store replicates. */
export interface SystemIdentity {
  readonly system: string;
  readonly kind: 'meridian' | 'patroni';
  readonly replication: 'sync' | 'async';
  readonly description: string;
}

export interface SystemSummary extends SystemIdentity {
  readonly drillsPlanned: number;
  readonly drills: number;
  /** Drills with an RTO (a durable ack after the cut). */
  readonly recovered: number;
  readonly rto: ShiftSummary | null;
  readonly lostAckedWrites: number;
  readonly drillsWithLoss: number;
  readonly splitBrain: number;
  readonly zombieAcks: number;
  readonly drillsWithZombieAcks: number;
  /** Drills after which the store became whole only through an operator's intervention. */
  readonly drillsWithIntervention: number;
  /** The worst gap after recovery over all drills (see DrillRecord). */
  readonly worstGapAfterRecoveryMs: number | null;
  readonly drillsPassed: number;
  readonly throughput: ThroughputResult | null;
  /** Why the series ended before `drillsPlanned`, or why the system did not run at all. */
  readonly stopped?: string;
}

export interface SystemRun extends SystemIdentity {
  readonly drillsPlanned: number;
  readonly records: readonly DrillRecord[];
  readonly throughput: ThroughputResult | null;
  readonly stopped?: string;
}

export function summarizeSystem(run: SystemRun): SystemSummary {
  const rtos = run.records.map((d) => d.rtoMs).filter((v): v is number => v !== null);
  return {
    system: run.system,
    kind: run.kind,
    replication: run.replication,
    description: run.description,
    drillsPlanned: run.drillsPlanned,
    drills: run.records.length,
    recovered: rtos.length,
    rto: summarize(rtos),
    lostAckedWrites: run.records.reduce((n, d) => n + lostOf(d), 0),
    drillsWithLoss: run.records.filter((d) => lostOf(d) > 0).length,
    splitBrain: run.records.reduce((n, d) => n + d.splitBrain, 0),
    zombieAcks: run.records.reduce((n, d) => n + d.zombieAcks, 0),
    drillsWithZombieAcks: run.records.filter((d) => d.zombieAcks > 0).length,
    drillsWithIntervention: run.records.filter((d) => d.intervention !== undefined).length,
    worstGapAfterRecoveryMs: maxOrNull(run.records.map((d) => d.worstGapAfterRecoveryMs)),
    drillsPassed: run.records.filter((d) => d.pass).length,
    throughput: run.throughput,
    ...(run.stopped ? { stopped: run.stopped } : {}),
  };
}

function maxOrNull(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : Math.max(...present);
}

export interface RtoRatio {
  readonly system: string;
  readonly reference: string;
  /** system p50 / reference p50 (below 1: the system recovers sooner). */
  readonly p50: number | null;
  readonly max: number | null;
}

/** Every Meridian system against every Patroni system. */
export function rtoRatios(summaries: readonly SystemSummary[]): RtoRatio[] {
  const meridian = summaries.filter((s) => s.kind === 'meridian');
  const patroni = summaries.filter((s) => s.kind === 'patroni');
  return meridian.flatMap((m) => patroni.map((p) => ({ system: m.system, reference: p.system, p50: ratio(m.rto?.p50Ms, p.rto?.p50Ms), max: ratio(m.rto?.maxMs, p.rto?.maxMs) })));
}

export interface TargetVerdict {
  readonly target: string;
  readonly system: string;
  readonly measured: string;
  readonly verdict: 'met' | 'not met' | 'not measured';
}

export const RTO_TARGET_MS = 5000;
export const RTO_RATIO_TARGET = 0.25;

/**
 * The targets. Meridian's RTO targets count as met only if every drill of its series ran
 * and recovered: a drill without recovery has no finite RTO to put in a median.
 */
export function targetVerdicts(summaries: readonly SystemSummary[], ratios: readonly RtoRatio[]): TargetVerdict[] {
  const complete = (s: SystemSummary) => s.drills === s.drillsPlanned && s.recovered === s.drills && s.rto !== null;
  const verdicts: TargetVerdict[] = [];
  for (const s of summaries.filter((x) => x.kind === 'meridian')) {
    verdicts.push({
      target: `RTO p50 ≤ ${RTO_TARGET_MS / 1000} s`,
      system: s.system,
      measured: s.rto ? `p50 ${(s.rto.p50Ms / 1000).toFixed(2)} s (${s.recovered}/${s.drillsPlanned} drills recovered)` : 'no RTO',
      verdict: !complete(s) ? (s.rto ? 'not met' : 'not measured') : s.rto!.p50Ms <= RTO_TARGET_MS ? 'met' : 'not met',
    });
    for (const r of ratios.filter((x) => x.system === s.system)) {
      // A reference drill without recovery would only raise the reference's p50, so the ratio over
      // its recovered drills is an upper bound for ours: a 'met' on it holds.
      const ref = summaries.find((x) => x.system === r.reference)!;
      const partial = complete(ref) ? '' : ` (${r.reference} recovered in ${ref.recovered}/${ref.drillsPlanned} drills: p50 over those)`;
      verdicts.push({
        target: `RTO p50 ≤ ${RTO_RATIO_TARGET}× ${r.reference}`,
        system: s.system,
        measured: r.p50 === null ? 'no ratio' : `${r.p50.toFixed(2)}×${partial}`,
        verdict: r.p50 === null ? 'not measured' : !complete(s) ? 'not met' : r.p50 <= RTO_RATIO_TARGET ? 'met' : 'not met',
      });
    }
    if (s.replication === 'sync') {
      verdicts.push({
        target: 'zero lost acknowledged writes in sync mode',
        system: s.system,
        measured: `${s.lostAckedWrites} lost over ${s.drills} drills`,
        verdict: s.drills === 0 ? 'not measured' : s.lostAckedWrites === 0 ? 'met' : 'not met',
      });
    }
    verdicts.push({
      target: 'zero writes acknowledged by the isolated old primary after the new one (zombie acks)',
      system: s.system,
      measured: `${s.zombieAcks} over ${s.drills} drills`,
      verdict: s.drills === 0 ? 'not measured' : s.zombieAcks === 0 ? 'met' : 'not met',
    });
  }
  return verdicts;
}

/** Sync commits/s ÷ async commits/s of one kind of system (below 1: what waiting for a standby costs). */
export function syncCostRatio(summaries: readonly SystemSummary[], kind: SystemIdentity['kind']): number | null {
  const rate = (replication: 'sync' | 'async') => summaries.find((x) => x.kind === kind && x.replication === replication)?.throughput?.commitsPerSecond;
  return ratio(rate('sync'), rate('async'));
}
