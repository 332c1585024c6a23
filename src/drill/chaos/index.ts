/**
 * drill/chaos: seeded, reproducible randomized fault rounds under continuous writes (`meridian
 * drill chaos`). `planChaos(seed, rounds, …)` is the schedule (pure); `runChaos(env, …)` runs it
 * against a ChaosEnvironment and returns `{ report, history }`; `buildChaosReport(history)` is
 * pure, and so is `judgeConvergence(snapshot)`, the definition of a converged store.
 *
 * A caller must: build a ChaosEnvironment (the running lab's comes from `labChaosEnvironment(store)`
 * in ./lab-environment.ts, kept out of this surface so the drill core never loads the lab), call
 * `runChaos`, and render or save what it returns (the CLI does: text, JSON, HTML).
 */
export { planChaos, describeFault, FAULT_KINDS, PICKS, type Fault, type FaultKind, type Round, type ChaosPlanOptions } from './plan.ts';
export { mulberry32, deriveSeed } from './prng.ts';
export {
  judgeConvergence, compareTokens, CONVERGENCE_CHECKS,
  type Convergence, type ConvergenceCheck, type ConvergenceSnapshot, type MemberFacts, type AgentFacts, type NamedWrite, type Problem,
} from './convergence.ts';
export { longestWriteGap, type WriteGap } from './write-gaps.ts';
export { findZombieAcks, type RecordSighting, type ZombieAck, type AckedWrite } from './zombies.ts';
export { readAgentStoreStatus, runbookStepKinds, stepKindOf, type AgentStoreStatus, type RecordView, type RunbookSeen, type StepSeen } from './agent-status.ts';
export { buildChaosReport, type ChaosReport, type ChaosRoundReport, type ClientWrites } from './report.ts';
export { formatChaosReport } from './report-text.ts';
export { runChaos, type ChaosOptions, type ChaosResult } from './run.ts';
export type { ChaosEnvironment, ChaosEvent, ChaosHistory, MemberAddress, RoundRecord, RoundConvergence } from './types.ts';
