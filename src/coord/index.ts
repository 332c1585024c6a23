/**
 * coord: quorum coordination. Leases with a LOCAL deadline, leader election, fencing tokens and
 * an append-only audit stream, over a CoordinationStore (EtcdStore in production, MemoryQuorum in
 * unit tests). See docs/coordination.md.
 *
 * What a caller must do:
 * - Act on a lease only while `lease.isValid()` is true; check it right before every action and
 *   subscribe `onLost` to stop acting as primary at once. `onLost` fires on time even when etcd
 *   is unreachable. Lost is final: acquire again for a newer token.
 * - Record `lease.token` with every action, and make every etcd write that depends on the lease a
 *   fenced write (`fencedTxn`/`fencedWrite`/`fencedCreate` with `lease.fence`).
 * - Treat `held` and `fenced` (you lost) differently from `unavailable` (you do not know).
 * - Release leases, then `close()` the store.
 */
export type * from './ports.ts';
export { EtcdStore, type EtcdStoreOptions } from './etcd-store.ts';
export { BrokenInvariant } from './etcd-client.ts';
export { loadEtcdTls, checkEtcdEndpoints, etcdEndpointProblem, type EtcdTls } from './etcd-tls.ts';
export { etcdRbacCommands, agentEtcdUser, AGENT_ROLE } from './etcd-rbac.ts';
export { MemoryQuorum, MemoryStore } from './memory-store.ts';
export { systemClock, ManualClock, type Clock } from './clock.ts';
export { leaseTiming, safetyMarginMs, deadlineAfterRound, extendDeadline, type LeaseTiming } from './deadline.ts';
export { coordKeys, formatToken, parseToken, KEY_PREFIX } from './keys.ts';
export {
  etcdMemberArgs,
  minimumLeaseTtlMs,
  FAST_TEST_SETTINGS,
  type EtcdMember,
  type EtcdServerTls,
  type EtcdClusterSettings,
} from './etcd-member.ts';
