/**
 * failover: quorum-fenced PostgreSQL failover, switchover and rejoin.
 *
 * Functional core: `planFailover` / `planSwitchover` / `planRejoin` turn one StoreState snapshot
 * (built by the caller from src/data, src/coord and the DNS view) into a Plan: noop, blocked
 * with a reason, or a runbook of steps, each with a human-readable reason.
 * Imperative shell: `executePlan` applies a runbook through the ports (ReplicaControl,
 * TrafficControl, LeaseCheck, AuditSink), recording every step.
 *
 * What a caller must do, each tick: hold the coordinator lease (src/coord); read the audit and
 * rebuild `StoreState.runbook` with `runbookProgress`; snapshot the store; plan; if the plan is
 * `run`, execute it; on any outcome other than `completed`, re-snapshot and re-plan (never
 * resume a stale plan). Plans are safe to re-run from any intermediate state.
 */
export type {
  Eligibility, FencingToken, Lsn, MemberState, Plan, PrimaryLease, RejoinMethod, RunbookKind, RunbookProgress,
  Step, StepKind, StoreMode, StoreState,
} from './types.ts';
export {
  planFailover, planSwitchover, planRejoin, chooseCandidate, describeStep,
  type FailoverOptions, type SwitchoverOptions, type RejoinOptions, type CandidateChoice, type CandidateOptions,
} from './planner.ts';
export { executePlan, type ExecutorDeps, type RunOutcome, type RunPlan } from './executor.ts';
export type { ExecutorTiming } from './step-actions.ts';
export {
  systemClock, type Clock, type CoordinatorStatus, type LeaseCheck, type PortOutcome, type ReplicaControl, type TrafficControl,
} from './ports.ts';
export {
  RUNBOOK_STEP_ID, runbookProgress, teeAudit, encodeStepRecord, decodeStepRecord,
  type AuditResult, type AuditSink, type StepRecord,
} from './audit.ts';
export { jsonlAuditSink, readJsonlAudit, type JsonlAudit } from './audit-jsonl.ts';
export { formatLsn } from './lsn.ts';
