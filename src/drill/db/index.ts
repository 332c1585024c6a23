/**
 * drill/db: database drills. A write load client records every write (id, times, outcome, the
 * server that committed it); a drill injects one fault into a store (region outage, partition,
 * primary crash, coordinator crash, primary freeze) through a DbDrillEnvironment, always undoes
 * it, reads which ids survived on the primary, and judges the history with `checkHistory`.
 *
 * A caller must: build a DbDrillEnvironment (the running lab's comes from
 * `labDbDrillEnvironment(store)` in ./lab-environment.ts, kept out of this surface so the drill
 * core never loads the lab), call `runDbDrill`, and keep the returned history to audit or
 * recompute the report (`buildDbDrillReport(history)` is pure). A drill returns data: the CLI
 * renders and writes the report files (src/cli/drill-reports.ts).
 */
export * from './types.ts';
export { WriteClient, toOp, type WriteClientOptions } from './write-client.ts';
export { SqlWriteTransport, DRILL_TABLE, DEFAULT_WRITE_DEADLINES, type SqlEndpoint, type SqlWriteTransportOptions } from './sql-transport.ts';
export { runStatement, type StatementDeadlines, type StatementOutcome, type StatementTarget } from './single-statement.ts';
export { identityFrom, regionFrom, timelineOfWalFile, type ServerFacts } from './server-identity.ts';
export { ensureDrillTable, readSurvivingIds } from './survivors.ts';
export { postmasterPidOf, postmasterPort, postmastersAmong, signalCluster, type ClusterSignal } from './pg-processes.ts';
export { HttpWriteTransport, judgeAnswer, type HttpWriteTransportOptions } from './http-transport.ts';
export { runDbDrill, type DbDrillOptions, type DbDrillResult } from './drills.ts';
export { buildDbDrillReport, describeSnapshot, type DbDrillHistory, type DbDrillReport, type DbDrillEvent, type CoordinatorKill, type ClientTotals } from './report.ts';
export { recoveryProgress, coordinatorOf, openRunbook, mergeRunbookSteps, planChanges, type RecoveryProgress, type RecoveryInput, type PlanChange } from './progress.ts';
export { StoreWatcher } from './store-watcher.ts';
export { formatDbDrillReport, formatMs } from './report-text.ts';
export { runLocalWriter, parseWriterLine, WRITER_CREDENTIAL_ENV, type LocalWriterConfig } from './local-writer.ts';
export { startChildWriter, type ChildWriterOptions } from './child-writer.ts';
export { agentStoreView } from './agent-views.ts';
