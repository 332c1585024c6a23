/**
 * drill/history: the pure write-history checker for database drills. A caller records every
 * operation of its load client (id, times, outcome, which server answered), lists the ids the
 * surviving primary holds after the drill, and calls `checkHistory` with the fault times and
 * the RTO/RPO targets. The report is deterministic, so a saved history can be re-checked.
 */
export { checkHistory, primaryKey } from './checker.ts';
export type {
  HistoryInput, HistoryOp, HistoryReport, HistoryTargets, ServerIdentity, SplitBrainExample,
} from './types.ts';
