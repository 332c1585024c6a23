/**
 * data: the PostgreSQL adapter. It runs and controls real members (primary and streaming
 * standbys, each possibly inside a region's network namespace), reads their replication state,
 * and performs the failover steps the planner (src/failover) decides: fence, promote, repoint,
 * rejoin. It decides nothing itself, except the pure `judgeEligibility`.
 *
 * What a caller must do:
 * - describe each member once (PgMember: name, dataDir, host, port, prefix) and pass the
 *   cluster's PgAuth to every call;
 * - treat every result as a union: `unreachable` is an expected outcome, not an error; thrown
 *   InfraError means a tool or server refused in a way that needs a human;
 * - judge a candidate with judgeEligibility over two or more observeCandidate() samples taken
 *   at least a few hundred ms apart, never from pg_stat_replication's state column;
 * - in synchronous mode, call setSynchronous on the candidate before promoting it;
 * - drop the slot of a member that is removed for good (dropSlot), or its WAL piles up.
 */
export type { Lsn } from './lsn.ts';
export { parseLsn, parseOptionalLsn, formatLsn, compareLsn, lsnLagBytes, maxLsn } from './lsn.ts';
export type { TimelineHistory, TimelineSwitch, WalPosition, HistoryPosition } from './history.ts';
export { parseTimelineHistory, locateOnHistory, historiesAgree, historyFileName } from './history.ts';
export type {
  PgEndpoint, PgMember, PgAuth, Unreachable, DbState, PrimaryState, StandbyState, ReplicaInfo,
  WalReceiverInfo, Observation,
} from './types.ts';
export { PG_AUTH_ENV } from './auth-env.ts';
export { loadPgTlsDir, libpqSslParams, type PgTls, type PgServerTls, type PgTlsFiles } from './tls.ts';
export { judgeEligibility, settledPosition, type Eligibility, type EligibilityEvidence, type IneligibleReason } from './eligibility.ts';
export {
  withClient, closeClient, queryRows, describeTarget, sslOptions, DbUnavailable, DbQueryFailed, DEFAULT_DB_TIMEOUTS,
  type PgTarget, type DbTimeouts, type UnavailableCode,
} from './connect.ts';
export { adminTarget, dropSlot, ensureMemberSlot } from './admin.ts';
export { passfileLine, writeReplicationPassfile } from './passfile.ts';
export { readMemberState, readMemberStateOn, readPrimaryLsn, readPrimaryLsnOn, observeCandidate, observeCandidateOn, type SessionRead } from './observe.ts';
export { KeptSession, SessionPool, type RunOptions } from './kept-session.ts';
export {
  initPrimary, createStandby, start, stop, stopSurely, restart, isRunning, hasDataDir, logFileOf, CLUSTER_SETTINGS,
  type InitPrimaryOptions, type InitPrimaryResult, type CreateStandbyOptions, type CreateStandbyResult,
  type StartResult, type StopResult, type StopMode,
} from './control.ts';
export { promote, repoint, setSynchronous, type PromoteResult, type RepointResult, type SetSynchronousResult, type OpOptions } from './roles.ts';
export { rewindAndRejoin, type RejoinResult, type RejoinOptions } from './rejoin.ts';
export { fencePrimary, isFenced, unfencePrimary, type FenceResult, type UnfenceResult } from './fence.ts';
export { freezeStandby, type FreezeResult, type FreezeOptions } from './freeze.ts';
// A member's own files, for code on its host (its agent): a stopped server's auto.conf, owned files.
export { FENCE_STANDBY_NAME, writeStandbyConfig, type StandbyConfigOptions } from './standby-config.ts';
export { synchronousStandbyNamesValue, parseSyncNames, slotNameFor, editAutoConf, type ConfValue, type SyncNames } from './conf.ts';
export { commandFor, osUserOf, ensureOwnedDir, writeOwnedFile, DEFAULT_PG_BIN_DIR } from './process.ts';
