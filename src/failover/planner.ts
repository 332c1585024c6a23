/**
 * The runbook planner: pure functions from one StoreState snapshot (and the time) to a Plan.
 * No I/O, no clock. Each planner can be called again from any intermediate state of its own
 * runbook and returns only the steps that remain (see converge.ts for how).
 */
export { planFailover, type FailoverOptions } from './plan-failover.ts';
export { planSwitchover, type SwitchoverOptions } from './plan-switchover.ts';
export { planRejoin, type RejoinOptions } from './plan-rejoin.ts';
export { chooseCandidate, type CandidateChoice, type CandidateOptions } from './candidate.ts';
export { describeStep } from './steps.ts';
