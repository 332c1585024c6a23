/**
 * In-memory implementations of the failover ports, for unit tests only (fakes at ports).
 * FakeCluster also checks the safety invariants on every effect (see its `violations`).
 */
export { FakeCluster, type FakeClusterInit, type FakeMemberInit, type Effect, type FakeClock, type PortMethod } from './fake-cluster.ts';
export { MemoryAudit } from './memory-audit.ts';
export { VirtualClock } from './virtual-clock.ts';
