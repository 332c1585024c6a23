/**
 * The chaos report: a pure function of the recorded history. Per round: the fault and its seeded
 * parameters, whether and when the store converged (or what was still wrong at the bound), and the
 * longest gap between two acknowledged writes of the main client. Overall, over every client's
 * writes of every round: acknowledged writes lost (against the ids on the surviving primary, with
 * `checkHistory`), zombie acks (zombies.ts), duplicates, split brain, rounds that never converged.
 * Plain data: the CLI prints it, writes it as JSON, and renders it as HTML (src/observe/report).
 * Times in the report are milliseconds from the run's start.
 */
import { checkHistory, type SplitBrainExample } from '../history/index.ts';
import type { Problem } from './convergence.ts';
import { describeFault, type Fault, type FaultKind } from './plan.ts';
import type { ChaosHistory, RoundRecord } from './types.ts';
import { longestWriteGap } from './write-gaps.ts';
import { findZombieAcks, type ZombieAck } from './zombies.ts';

export interface ChaosRoundReport {
  readonly index: number;
  readonly kind: FaultKind;
  readonly fault: Fault;
  readonly description: string;
  readonly primaryBefore: string | null;
  readonly targets: readonly string[];
  /** From the run's start. */
  readonly startedAtMs: number;
  readonly faultEndedAtMs: number;
  readonly endedAtMs: number;
  readonly converged: boolean;
  /** From the fault's end; null when it never converged within the bound. */
  readonly convergeMs: number | null;
  readonly primaryAfter: string | null;
  /** What was still wrong at the bound (empty when converged). */
  readonly problems: readonly Problem[];
  readonly longestWriteGap: { readonly gapMs: number; readonly fromMs: number; readonly toMs: number; readonly open: boolean };
  /** What the round did and saw; `atMs` from the round's start. */
  readonly events: readonly { readonly atMs: number; readonly step: string; readonly detail: string }[];
  readonly error?: string;
}

export interface ClientWrites {
  readonly writes: number;
  readonly ok: number;
  readonly fail: number;
  readonly unknown: number;
  readonly skipped: number;
}

export interface ChaosReport {
  readonly kind: 'chaos';
  readonly store: string;
  readonly replication: 'sync' | 'async';
  readonly seed: number;
  readonly leaseTtlMs: number;
  readonly convergeBoundMs: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly pass: boolean;
  readonly reasons: readonly string[];
  readonly rounds: readonly ChaosRoundReport[];
  readonly roundsNotConverged: readonly number[];
  readonly clients: Readonly<Record<string, ClientWrites>>;
  readonly survivorsFrom: string | null;
  /** `count` null: not checked, there was no primary to read the surviving ids from. */
  readonly lostAckedWrites: { readonly count: number | null; readonly firstIds: readonly string[]; readonly rpoMs: number; readonly targetRpoMs: number };
  readonly zombieAcks: { readonly count: number; readonly first: readonly ZombieAck[] };
  readonly duplicates: { readonly count: number; readonly ids: readonly string[] };
  readonly splitBrain: { readonly count: number; readonly examples: readonly SplitBrainExample[] };
  readonly unknownOutcomes: { readonly present: number; readonly absent: number };
  /** The main client's writes per second by send time, for the chart. */
  readonly mainWrites: { readonly bucketMs: number; readonly ok: readonly number[]; readonly fail: readonly number[]; readonly unknown: readonly number[] };
}

const FIRST = 10;
const BUCKET_MS = 1000;

export function buildChaosReport(h: ChaosHistory): ChaosReport {
  const mainAcks = h.ops.filter((o) => o.client === 'main' && o.outcome === 'ok').map((o) => o.ackedAtMs!);
  const rounds = h.rounds.map((r) => roundReport(r, h.startMs, mainAcks));
  const checked = checkHistory({ ops: h.ops, survivingIds: h.survivingIds, faultAtMs: h.rounds[0]?.startedAtMs ?? h.startMs, targets: h.targets });
  const zombies = findZombieAcks(h.ops, h.recordSightings);
  const lost = h.survivorsFrom === null
    ? { count: null, firstIds: [], rpoMs: 0, targetRpoMs: h.targets.rpoMs }
    : { count: checked.ackedLost.count, firstIds: checked.ackedLost.ids.slice(0, FIRST), rpoMs: checked.ackedLost.rpoMs, targetRpoMs: h.targets.rpoMs };
  const partial = {
    rounds,
    roundsNotConverged: rounds.filter((r) => !r.converged).map((r) => r.index),
    survivorsFrom: h.survivorsFrom,
    lostAckedWrites: lost,
    zombieAcks: { count: zombies.length, first: zombies.slice(0, FIRST) },
    duplicates: { count: checked.duplicates.count, ids: checked.duplicates.ids.slice(0, FIRST) },
    splitBrain: checked.splitBrain,
  };
  const reasons = failures(partial);
  return {
    kind: 'chaos', store: h.store, replication: h.replication, seed: h.seed, leaseTtlMs: h.leaseTtlMs, convergeBoundMs: h.convergeBoundMs,
    startedAt: new Date(h.startMs).toISOString(), durationMs: h.endMs - h.startMs, pass: reasons.length === 0, reasons,
    ...partial,
    clients: clientTotals(h),
    unknownOutcomes: { present: checked.unknownOutcomes.present.length, absent: checked.unknownOutcomes.absent.length },
    mainWrites: mainSeries(h),
  };
}

function roundReport(r: RoundRecord, runStartMs: number, mainAcks: readonly number[]): ChaosRoundReport {
  const c = r.convergence;
  const gap = longestWriteGap(mainAcks, { fromMs: r.startedAtMs, toMs: r.endedAtMs });
  const rel = (ms: number) => ms - runStartMs;
  return {
    index: r.index, kind: r.fault.kind, fault: r.fault, description: describeFault(r.fault), primaryBefore: r.primaryBefore, targets: r.targets,
    startedAtMs: rel(r.startedAtMs), faultEndedAtMs: rel(r.faultEndedAtMs), endedAtMs: rel(r.endedAtMs),
    converged: c.outcome === 'converged' && r.error === undefined,
    convergeMs: c.outcome === 'converged' ? c.afterMs : null,
    primaryAfter: c.primary,
    problems: c.outcome === 'timedOut' ? c.problems : [],
    longestWriteGap: { gapMs: gap.gapMs, fromMs: rel(gap.fromMs), toMs: rel(gap.toMs), open: gap.open },
    events: r.events.map((e) => ({ ...e, atMs: e.atMs - r.startedAtMs })),
    ...(r.error ? { error: r.error } : {}),
  };
}

type Judged = Pick<ChaosReport, 'rounds' | 'survivorsFrom' | 'lostAckedWrites' | 'zombieAcks' | 'duplicates' | 'splitBrain' | 'roundsNotConverged'>;

function failures(r: Judged): string[] {
  const out: string[] = [];
  for (const round of r.rounds) {
    if (round.error) out.push(`round ${round.index} (${round.kind}): ${round.error}`);
    else if (!round.converged) out.push(`round ${round.index} (${round.kind}) never converged: ${round.problems.map((p) => p.check).filter((c, i, all) => all.indexOf(c) === i).join(', ')}`);
  }
  if (r.survivorsFrom === null) out.push('no primary to read the surviving writes from: lost writes could not be checked');
  const l = r.lostAckedWrites;
  if (l.count !== null && l.count > 0 && !(l.targetRpoMs > 0 && l.rpoMs <= l.targetRpoMs)) out.push(`${l.count} acknowledged write(s) lost over ${l.rpoMs} ms (target RPO ${l.targetRpoMs} ms)`);
  if (r.zombieAcks.count > 0) out.push(`${r.zombieAcks.count} write(s) acknowledged by a primary the record no longer (or never) named`);
  if (r.duplicates.count > 0) out.push(`${r.duplicates.count} write id(s) applied or acknowledged twice`);
  if (r.splitBrain.count > 0) out.push(`split brain: ${r.splitBrain.count} write(s) acknowledged while two primaries both accepted writes`);
  return out;
}

function clientTotals(h: ChaosHistory): Record<string, ClientWrites> {
  const totals: Record<string, { writes: number; ok: number; fail: number; unknown: number; skipped: number }> = {};
  for (const op of h.ops) {
    const t = (totals[op.client] ??= { writes: 0, ok: 0, fail: 0, unknown: 0, skipped: h.skipped[op.client] ?? 0 });
    t.writes += 1;
    t[op.outcome] += 1;
  }
  return totals;
}

function mainSeries(h: ChaosHistory): ChaosReport['mainWrites'] {
  const count = Math.max(1, Math.ceil((h.endMs - h.startMs) / BUCKET_MS));
  const series = { ok: new Array<number>(count).fill(0), fail: new Array<number>(count).fill(0), unknown: new Array<number>(count).fill(0) };
  for (const op of h.ops) {
    if (op.client !== 'main') continue;
    const i = Math.floor((op.sentAtMs - h.startMs) / BUCKET_MS);
    if (i >= 0 && i < count) series[op.outcome][i]! += 1;
  }
  return { bucketMs: BUCKET_MS, ...series };
}
