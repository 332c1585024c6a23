/**
 * failover/adapters: the real implementations of the failover ports, over src/data (PostgreSQL)
 * and src/coord (etcd). One AdapterContext per store; `realPorts(ctx)` gives the executor's
 * ReplicaControl, TrafficControl and LeaseCheck; `coordAuditSink` writes step records to the
 * etcd audit stream (tee it with jsonlAuditSink); StoreObserver builds the planner's StoreState.
 *
 * What a caller must do: hold the coordinator election lease and expose it through
 * `ctx.coordinatorLease` (every port refuses without it); give `ctx.hostOf(region)` a MemberHost
 * that runs demote/rejoin where that member's files are (localMemberHost on its own agent); keep
 * the primary record invariant: it is written only under the primary lease (store-records.ts).
 */
import type { LeaseCheck, ReplicaControl, TrafficControl } from '../ports.ts';
import type { AdapterContext } from './context.ts';
import { realReplicaControl } from './replica-control.ts';
import { realLeaseCheck, realTrafficControl } from './traffic-lease.ts';

export type { AdapterContext } from './context.ts';
export { coordinatorFence, leaseKeyOf } from './context.ts';
export { realReplicaControl } from './replica-control.ts';
export { realLeaseCheck, realTrafficControl } from './traffic-lease.ts';
export { promoteRegion } from './promote.ts';
export { localMemberHost, type MemberHost, type LocalMemberHost, type RejoinJobStatus, type Exclusive } from './member-host.ts';
export { storeMembers, storeRegions, regionAt, memberOf, type StoreMember } from './members.ts';
export { toMemberState, lastKnownOf, type LastKnown, type MemberEvidence, type ClusterEvidence } from './member-state.ts';
export { StoreObserver, isFenced, leaseOfRegion, type ObserverOptions, type PrimaryObservation, type RejoinJobReport, type SnapshotInput, type SnapshotOutcome, type StoreSnapshots } from './snapshot.ts';
export { writeHeartbeat, type HeartbeatOutcome } from './heartbeat.ts';
export { auditStream, coordAuditSink, readStepRecords, toAuditRecord, fromAuditRecord, type StepRecordsOutcome } from './coord-audit.ts';
export {
  storeKeys, holderIds, holderRegion, leaseHeldFor, readStoreView, encodePrimaryRecord, decodePrimaryRecord, encodeMark, decodeMark,
  encodeSyncRecord, decodeSyncRecord, encodePause,
  type PrimaryRecord, type Mark, type StoreView, type StoreViewOutcome, type SyncRecord, type PauseRecord,
} from './store-records.ts';

export interface RealPorts {
  readonly replica: ReplicaControl;
  readonly traffic: TrafficControl;
  readonly lease: LeaseCheck;
}

export function realPorts(ctx: AdapterContext): RealPorts {
  return { replica: realReplicaControl(ctx), traffic: realTrafficControl(ctx), lease: realLeaseCheck(ctx) };
}
