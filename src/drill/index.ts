/**
 * drill: fault drills whose reports are computed from a recorded history, never a stopwatch.
 *
 * The region-outage drill runs a caching stub resolver + load client (what a real client sees)
 * and a DNS watcher (what every nameserver answers), cuts a region through a DrillEnvironment,
 * and always heals it before returning. A caller must: build a DrillEnvironment (the running
 * lab's comes from `labDrillEnvironment()` in ./lab-environment.ts, kept out of this surface so
 * the drill core never loads the lab), call `runRegionOutageDrill`, and keep the returned history
 * if it wants to recompute or audit the report (`buildOutageReport(history)` is pure).
 */
export type { DrillEnvironment, Nameserver, RegionEndpoints, LoadOp, ResolverExchange, WatcherSample, FaultTimeline } from './types.ts';
export { serverKey } from './types.ts';
export { systemClock, type Clock } from './clock.ts';
export { StubResolver, type Resolution, type StubResolverOptions, type QueryFn } from './stub-resolver.ts';
export { queryA, type DnsQueryOutcome } from './dns-transport.ts';
export { LoadClient, type LoadClientOptions } from './load-client.ts';
export type { NameResolver } from './http-exchange.ts';
export { DnsWatcher, type DnsWatcherOptions } from './dns-watcher.ts';
export { buildOutageReport, addressRegions, type OutageHistory, type OutageReport, type Check, type WaitResult } from './outage-report.ts';
export type { Phase, PhaseCounts, NameserverShift, ClientErrorWindow, ClientShift, TimeToReturn, LatencySummary } from './outage-metrics.ts';
export { runRegionOutageDrill, validateDrillTarget, type RegionOutageOptions, type RegionOutageResult, type DrillEvent } from './region-outage.ts';
export {
  runDbDrill, buildDbDrillReport, formatDbDrillReport, WriteClient, SqlWriteTransport, HttpWriteTransport, DB_DRILL_KINDS,
  type DbDrillKind, type DbDrillEnvironment, type DbDrillOptions, type DbDrillResult, type DbDrillHistory, type DbDrillReport, type WriteOp, type WriteTransport,
} from './db/index.ts';
