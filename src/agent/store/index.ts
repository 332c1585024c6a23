/**
 * agent/store: quorum-fenced supervision of the topology's PostgreSQL stores, inside every
 * regional agent (docs/failover.md, "How it runs in the agent").
 *
 * - Each agent guards its own region's database: it holds the store's primary lease while its
 *   database is the recorded primary, and fences it (read-only, sessions cut) the moment that
 *   lease is lost, on the lease's local deadline, even when etcd cannot be reached.
 * - Each agent answers the stores' primary/replica DNS names from the primary record in etcd.
 * - One agent, elected, is the failover coordinator: it snapshots each store, plans with
 *   src/failover and executes through the real adapters (src/failover/adapters); operators ask
 *   it for switchovers and rejoins through the API.
 *
 * What a caller (runAgent) must do: createStoreSupervisor, start() it, feed `staticNames()` into
 * every answer table it builds and rebuild when `onNamesChanged` fires, add `status()` to
 * /status, route API requests through `handle`, and close() it on shutdown.
 */
export { createStoreSupervisor, type StoreSupervisor, type StoreSupervisorInput } from './supervisor.ts';
export { planSupervision, dbAuthFromEnv, defaultStateDir, DB_ENV, REQUIRED_DB_ENV, type StoreSupervisionOptions, type SupervisionPlan, type StorePlan } from './config.ts';
export { decideLocal, confirmAcquired, type LocalAction, type LocalDb, type LocalInput, type Confirmation } from './local-decision.ts';
export { choosePlan, shouldExecute, promotesAway, type PolicySettings, type ExecutionDecision } from './coordinator-policy.ts';
export { storeStaticNames, regionDownByHealth, primaryFqdn, replicaFqdn, mergeStaticNames } from './dns-names.ts';
export { OperatorRequestSchema, LocalRequestSchema, type OperatorRequest, type LocalRequest } from './routes.ts';
export type { StoresStatus, StoreStatus, PlanStatus, RunbookStatus } from './status.ts';
export { replicationRows, type ReplicationStatus } from './replication.ts';
export type { LocalStatus } from './local-guard.ts';
