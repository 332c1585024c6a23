/**
 * failover: the quorum-fenced store reconciler, plus planned switchover and rejoin.
 *
 * Functional core: `reconcile` (every tick) / `planSwitchover` / `planRejoin` turn one StoreState
 * snapshot (built by the caller from src/data, src/coord and the DNS view) into a Plan: noop,
 * blocked with a reason, or the next steps toward the wanted state, each with a reason.
 * Imperative shell: `executePlan` applies them through the ports (ReplicaControl,
 * TrafficControl, LeaseCheck, AuditSink), recording every step.
 *
 * What a caller must do, each tick: hold the coordinator lease (src/coord); read the audit and
 * rebuild `StoreState.runbook` with `runbookProgress`; snapshot the store; plan; if the plan is
 * `run`, execute it; then tick again at once (a plan stops at each decision that needs a new
 * look, e.g. after freezing the standbys). Never resume a stale plan: plans are safe to re-run
 * from any intermediate state, and a failed step only means the next tick looks again.
 */
export type {
  Eligibility, FencingToken, Lsn, MemberState, Pause, Plan, PrimaryLease, RejoinMethod, RunbookKind, RunbookProgress,
  Step, StepKind, StoreMode, StoreState, SyncSet, WaitCode,
} from './types.ts';
export {
  reconcile, newSyncSet, planSwitchover, planRejoin, chooseCandidate, describeStep, syncProof, isFrozen, recordedSyncSet, describeSyncSet,
  type ReconcileOptions, type SwitchoverOptions, type RejoinOptions, type CandidateChoice, type CandidateOptions, type SyncProof,
} from './planner.ts';
export { rejoinRecheckMs } from './converge.ts';
export {
  previewFailover, previewSwitchover, assumePrimaryLost,
  type FailoverPreview, type SwitchoverPreview, type Promotion, type StandbyLag, type Planner,
} from './hypothetical.ts';
export { executePlan, type ExecutorDeps, type RunOutcome, type RunPlan } from './executor.ts';
export type { ExecutorTiming } from './step-actions.ts';
export {
  systemClock, type Clock, type CoordinatorStatus, type LeaseCheck, type PortOutcome, type ReplicaControl, type TrafficControl,
} from './ports.ts';
export {
  RUNBOOK_STEP_ID, runbookProgress, teeAudit, encodeStepRecord, decodeStepRecord,
  type AuditResult, type RecordResult, type AuditSink, type StepRecord,
} from './audit.ts';
export { jsonlAuditSink, readJsonlAudit, type JsonlAudit } from './audit-jsonl.ts';
export { formatLsn, heldLsn } from './lsn.ts';
export {
  gateApproval, answerRun, startsFailover, promotesAway, situationOf, isOpen, runId,
  type ApprovalMode, type ApprovalRun, type RunState, type PlannedStep, type GateInput, type GateOutcome, type GateDecision, type AnswerOutcome,
} from './approval.ts';
export { runbookHistory, type RunbookHistory } from './run-history.ts';
