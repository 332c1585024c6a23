/**
 * capacity: whether the regions that survive a loss or a drain can absorb its load
 * (docs/capacity.md).
 *
 * Pure core: `capacityCheck` (the arithmetic), `instanceCount` and `regionCondition` (what the
 * health snapshot says of a region's instances), `describeCapacity` (one line for people),
 * `parseVector` (a Prometheus answer). Shell: `LoadMonitor` queries each service's load source
 * every interval and keeps the last reading per region.
 *
 * What a caller must do: start() the monitor and close() it on shutdown, pass its readings() to
 * the checks, and judge again on `onChange`. Which regions a service answers with (policy order,
 * drains, weights) is the caller's to say: gslb/capacity-rules.ts does it for the agent.
 */
export { capacityCheck, type CapacityCheck, type CheckedCapacity, type CheckInput, type RegionCapacity } from './check.ts';
export { describeCapacity, verdict } from './describe.ts';
export { instanceCount, regionCondition, type InstanceCount, type RegionCondition } from './instances.ts';
export { NO_LOADS, withProblem, withReadings, type LoadReading, type LoadReadings, type ServiceLoad } from './loads.ts';
export { LoadMonitor, type LoadMonitorOptions } from './monitor.ts';
export { parseVector, queryLoad, type LoadQuery, type VectorParse } from './prometheus.ts';
export {
  capacityStatus, holdOverride, type CapacityStatus, type HoldRecord, type RegionCapacityStatus, type ServiceCapacityStatus,
} from './status.ts';
