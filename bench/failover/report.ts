/**
 * Part (c)'s printed result (pure): the per-system table, the RTO of every drill, the
 * Meridian/Patroni ratios, the write throughput of sync against async, and the issue's targets.
 */
import { textTable } from '../lib/table.ts';
import { lostOf, type DrillRecord, type RtoRatio, type SystemSummary, type TargetVerdict } from './figures.ts';

const seconds = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);
const fmtRatio = (r: number | null): string => (r === null ? '–' : r.toFixed(2));

export interface FailoverReportInput {
  readonly summaries: readonly SystemSummary[];
  readonly records: Readonly<Record<string, readonly DrillRecord[]>>;
  readonly ratios: readonly RtoRatio[];
  readonly verdicts: readonly TargetVerdict[];
  /** Meridian sync ÷ async commits/s. */
  readonly syncCost: number | null;
}

export function renderFailoverReport(input: FailoverReportInput): string {
  const main = textTable(
    ['system', 'drills', 'recovered', 'RTO p50', 'min', 'max', 'worst gap after', 'lost acked (drills)', 'split brain', 'zombie acks (drills)', 'reinit needed', 'checks passed', 'writes/s (8 conn.)'],
    input.summaries.map((s) => [
      s.system,
      `${s.drills}/${s.drillsPlanned}`,
      `${s.recovered}/${s.drills}`,
      seconds(s.rto?.p50Ms),
      seconds(s.rto?.minMs),
      seconds(s.rto?.maxMs),
      seconds(s.worstGapAfterRecoveryMs),
      `${s.lostAckedWrites} (${s.drillsWithLoss})`,
      String(s.splitBrain),
      `${s.zombieAcks} (${s.drillsWithZombieAcks})`,
      String(s.drillsWithIntervention),
      `${s.drillsPassed}/${s.drills}`,
      s.throughput ? String(s.throughput.commitsPerSecond) : '–',
    ]),
  );
  const perDrill = input.summaries.map((s) => {
    const drills = input.records[s.system] ?? [];
    return `  ${s.system.padEnd(15)} ${drills.map((d) => `${d.rtoMs === null ? '–' : d.rtoMs}${lostOf(d) > 0 ? ` (lost ${lostOf(d)})` : ''}`).join(', ') || '–'}`;
  });
  const stopped = input.summaries.filter((s) => s.stopped).map((s) => `  ${s.system}: ${s.stopped}`);
  const ratios = input.ratios.map((r) => `  ${r.system}/${r.reference}: p50 ${fmtRatio(r.p50)}, max ${fmtRatio(r.max)}`);
  const targets = textTable(['target', 'system', 'measured', 'verdict'], input.verdicts.map((v) => [v.target, v.system, v.measured, v.verdict.toUpperCase()]));
  return [
    main,
    '',
    'worst gap after: after the recovery, the longest time without a durable ack (a second outage, e.g. at the heal).',
    'reinit needed: drills after which the store was whole again only once an operator re-cloned members (patronictl reinit).',
    'RTO per drill (ms; lost acknowledged writes in brackets):',
    ...perDrill,
    ...(stopped.length > 0 ? ['', 'series that stopped early or did not run:', ...stopped] : []),
    '',
    'RTO ratios (below 1: Meridian recovers sooner):',
    ...ratios,
    '',
    `write throughput, Meridian sync ÷ async: ${fmtRatio(input.syncCost)}`,
    '',
    targets,
  ].join('\n');
}

/** One line per drill while the series runs. */
export function describeDrill(system: string, d: DrillRecord, drills: number): string {
  if (d.rtoMs === null && d.ackedWrites === 0 && d.note) return `${system} drill ${d.drill}/${drills}: cut ${d.cutRegion}: NO FIGURES: ${d.note}`;
  const lost = d.lostAfterRestore === null ? `lost ${d.lostAtDrillEnd} (store not whole again)` : `lost ${d.lostAfterRestore} (${d.lostAtDrillEnd} at the drill's end)`;
  const parts = [
    `cut ${d.cutRegion} → ${d.newPrimary ?? 'no new primary'}`,
    `RTO ${seconds(d.rtoMs)}`,
    `worst gap after ${seconds(d.worstGapAfterRecoveryMs)}`,
    lost,
    `split brain ${d.splitBrain}`,
    `zombie acks ${d.zombieAcks}`,
    d.pass ? 'checks pass' : `FAILED: ${d.failedChecks.join(' | ')}`,
    d.restoreMs === null ? 'NOT whole again' : `whole again after ${seconds(d.restoreMs)}${d.intervention ? ` only after ${d.intervention}` : ''}`,
  ];
  return `${system} drill ${d.drill}/${drills}: ${parts.join('; ')}${d.note ? ` (${d.note})` : ''}`;
}
