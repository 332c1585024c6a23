/**
 * The planners: pure functions from one StoreState snapshot (and the time) to a Plan. No I/O,
 * no clock. `reconcile` is the automatic one, called every tick; switchover and rejoin are what
 * operators ask for. Each can be called again from any intermediate state and returns only the
 * steps that remain (converge.ts).
 */
export { reconcile, newSyncSet, type ReconcileOptions } from './reconcile.ts';
export { planSwitchover, type SwitchoverOptions } from './plan-switchover.ts';
export { planRejoin, type RejoinOptions } from './plan-rejoin.ts';
export { chooseCandidate, type CandidateChoice, type CandidateOptions } from './candidate.ts';
export { syncProof, isFrozen, recordedSyncSet, describeSyncSet, type SyncProof } from './sync-proof.ts';
export { describeStep } from './steps.ts';
