/**
 * Every metric an agent exposes, as data: name, type, labels and meaning. One list feeds the
 * registry (metrics.ts), the alerting rules and Grafana dashboard (export/), and the table in
 * docs/observability.md (a unit test keeps the docs in step), so a name is spelled once.
 *
 * Prometheus conventions: `meridian_` prefix, base units in the name (seconds, bytes, ratio),
 * counters end in `_total`, 1/0 gauges for booleans. Label values are bounded: probe failures and
 * DNS types/rcodes are folded into small fixed sets (see metrics.ts). Store metrics and reserved
 * ones all have labels, so they expose no sample (rather than a misleading 0) until fed.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly help: string;
  /** histogram only, in the metric's base unit. */
  readonly buckets?: readonly number[];
  /** `wired`: fed by the agent today; `reserved`: registered now, fed once the data layer reports it. */
  readonly status: 'wired' | 'reserved';
}

const ENDPOINT = ['service', 'region', 'endpoint'] as const;

/** Probe latencies: a healthy loopback probe is sub-millisecond, a timed-out one is the timeout. */
const PROBE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Runbook steps range from a lease write (ms) to a promotion or base backup (minutes). */
const STEP_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export const METRICS = {
  agentInfo: { name: 'meridian_agent_info', type: 'gauge', labels: ['region', 'boot_id', 'version'], help: 'Always 1; labels identify the agent process (boot_id changes on restart).', status: 'wired' },
  probeResults: { name: 'meridian_probe_results_total', type: 'counter', labels: [...ENDPOINT, 'vantage', 'result'], help: 'Health probes sent from this vantage point, by result (ok, timeout, refused, reset, unreachable, http_error, error).', status: 'wired' },
  probeDuration: { name: 'meridian_probe_duration_seconds', type: 'histogram', labels: [...ENDPOINT, 'vantage'], help: 'Duration of health probes from this vantage point, failed ones included.', buckets: PROBE_BUCKETS, status: 'wired' },
  endpointSeenUp: { name: 'meridian_endpoint_seen_up', type: 'gauge', labels: [...ENDPOINT, 'vantage'], help: "Each vantage point's thresholded view of the endpoint as this agent knows it (1 up, 0 down; absent while unknown or the peer's view is stale).", status: 'wired' },
  endpointRoutedUp: { name: 'meridian_endpoint_routed_up', type: 'gauge', labels: [...ENDPOINT], help: "This agent's routing verdict after the majority merge (1 routed, 0 drained).", status: 'wired' },
  endpointDownVotes: { name: 'meridian_endpoint_down_votes', type: 'gauge', labels: [...ENDPOINT], help: 'Vantage points with a fresh view that see the endpoint down.', status: 'wired' },
  endpointVoters: { name: 'meridian_endpoint_voters', type: 'gauge', labels: [...ENDPOINT], help: 'Vantage points with a fresh up/down view of the endpoint (the majority is over these).', status: 'wired' },
  answerRegion: { name: 'meridian_answer_region', type: 'gauge', labels: ['service', 'region', 'client_network'], help: 'Whether the region is in the current DNS answer for the service and client network (1/0).', status: 'wired' },
  answerShare: { name: 'meridian_answer_share_ratio', type: 'gauge', labels: ['service', 'region', 'client_network'], help: 'Expected share of new traffic to the region from the current answer (weights, or addresses when clients pick at random).', status: 'wired' },
  answerFailOpen: { name: 'meridian_answer_fail_open', type: 'gauge', labels: ['service', 'client_network'], help: 'Whether the answer fails open (every candidate region is down, so all are answered) (1/0).', status: 'wired' },
  trafficDrained: { name: 'meridian_traffic_drained', type: 'gauge', labels: ['service', 'region'], help: "Whether an operator's drain keeps the region out of the service's answers, as this agent last read the traffic controls from etcd (1/0; absent without etcd).", status: 'wired' },
  serviceLoad: { name: 'meridian_service_load_requests_per_second', type: 'gauge', labels: ['service', 'region'], help: "The region's load as this agent last read it from the service's load source (capacity.load: a Prometheus query), in requests/s; absent before the first reading, kept after a region stops reporting (docs/capacity.md).", status: 'wired' },
  serviceCapacity: { name: 'meridian_service_capacity_requests_per_second', type: 'gauge', labels: ['service', 'region'], help: "What the region's healthy instances can serve: capacity.perInstance × instances behind endpoints routed up (services that declare capacity only).", status: 'wired' },
  trafficHeld: { name: 'meridian_traffic_held', type: 'gauge', labels: ['service', 'region', 'why'], help: "1 while a region down by majority is kept in the service's answers instead of being shifted away, and why (capacity: capacity.onOverload hold and the others cannot absorb its load; the numbers are on /status and the timeline).", status: 'wired' },
  answerBuilds: { name: 'meridian_answer_table_builds_total', type: 'counter', labels: [], help: 'Answer tables built: one at start, then one per routing change (each swaps what DNS answers).', status: 'wired' },
  answerLastBuild: { name: 'meridian_answer_table_last_build_timestamp_seconds', type: 'gauge', labels: [], help: 'Unix time of the last answer table build.', status: 'wired' },
  dnsQueries: { name: 'meridian_dns_queries_total', type: 'counter', labels: ['qtype', 'rcode', 'transport'], help: 'DNS queries answered (or DROPPED) by this agent; uncommon qtypes are counted as OTHER.', status: 'wired' },
  peerReachable: { name: 'meridian_peer_reachable', type: 'gauge', labels: ['peer'], help: 'Whether the last view push to the peer was delivered (1/0; 0 before the first push).', status: 'wired' },
  peerViewFresh: { name: 'meridian_peer_view_fresh', type: 'gauge', labels: ['peer'], help: "Whether the peer's last view is fresh enough to vote (1/0).", status: 'wired' },
  peerViewAge: { name: 'meridian_peer_view_age_seconds', type: 'gauge', labels: ['peer'], help: "Age of the last view the peer pushed, by this agent's clock (absent before the first).", status: 'wired' },
  timelineEvents: { name: 'meridian_timeline_events_total', type: 'counter', labels: ['kind'], help: "Events recorded in this agent's timeline, by kind.", status: 'wired' },
  storeRpo: { name: 'meridian_store_rpo_seconds', type: 'gauge', labels: ['store'], help: "The store's RPO target from the topology (0: synchronous, no acknowledged write may be lost).", status: 'wired' },
  storeRto: { name: 'meridian_store_rto_seconds', type: 'gauge', labels: ['store'], help: "The store's RTO target from the topology.", status: 'wired' },
  coordinatorReachable: { name: 'meridian_coordinator_reachable', type: 'gauge', labels: ['backend'], help: "Whether this agent reaches a quorum of the coordination store, by backend (etcd) (1/0; absent when it supervises no store).", status: 'wired' },
  leaseHeld: { name: 'meridian_coordinator_lease_held', type: 'gauge', labels: ['store'], help: 'Whether this agent is the elected failover coordinator of the store (holds the coordinator lease) (1/0). Exactly one agent should, per store.', status: 'wired' },
  leaseTerm: { name: 'meridian_coordinator_term', type: 'gauge', labels: ['store'], help: "The store's term: the fencing token of its primary record, as this agent last read it.", status: 'wired' },
  storeWaiting: { name: 'meridian_store_waiting', type: 'gauge', labels: ['store', 'why'], help: 'What the store reconciler waits for instead of acting (1 for the current reason: lease-held, paused, automatic-off, approval, rejected, approval-off, no-candidate, sync-proof, max-lag, unavailable); only on the coordinator; the words are on /status and the timeline.', status: 'wired' },
  storePaused: { name: 'meridian_store_paused', type: 'gauge', labels: ['store'], help: 'Whether an operator paused the store (maintenance mode: no automatic failover, repoint or rebuild) (1/0).', status: 'wired' },
  storeSyncDegraded: { name: 'meridian_store_sync_degraded', type: 'gauge', labels: ['store'], help: 'A synchronous store whose recorded synchronous set is empty: commits are acknowledged without a standby (failover.syncStrict false, no standby streaming) (1/0).', status: 'wired' },
  storePrimary: { name: 'meridian_store_primary', type: 'gauge', labels: ['store', 'region'], help: 'Whether the region holds the store primary, by the primary record this agent last read (1/0).', status: 'wired' },
  replicationLagBytes: { name: 'meridian_store_replication_lag_bytes', type: 'gauge', labels: ['store', 'region'], help: "WAL bytes the region's replica is behind the primary (replicas only, never the primary itself).", status: 'wired' },
  replicationLagSeconds: { name: 'meridian_store_replication_lag_seconds', type: 'gauge', labels: ['store', 'region'], help: "How far behind the primary the region's replica is, in time (replicas only, never the primary itself).", status: 'wired' },
  replicaSynchronous: { name: 'meridian_store_replica_synchronous', type: 'gauge', labels: ['store', 'region'], help: "Whether the region's replica streams as a synchronous standby (pg_stat_replication sync_state sync or quorum): 1, else 0 (replicas the primary lists only).", status: 'wired' },
  splitBrainTrips: { name: 'meridian_split_brain_guard_trips_total', type: 'counter', labels: ['store'], help: "Times this region's database was fenced by the split-brain guard (it lost its primary lease, or a newer term exists).", status: 'wired' },
  runbookRunning: { name: 'meridian_runbook_running', type: 'gauge', labels: ['store', 'runbook'], help: 'Whether a runbook (failover, switchover, rejoin) is running for the store on this agent (1/0; absent until one ran here).', status: 'wired' },
  runbookSteps: { name: 'meridian_runbook_steps_total', type: 'counter', labels: ['store', 'runbook', 'step', 'result'], help: 'Runbook steps executed by this agent as coordinator, by step kind and result (ok, failed, skipped); counted as each step ends (on the merge tick after it is audited).', status: 'wired' },
  runbookStepDuration: { name: 'meridian_runbook_step_duration_seconds', type: 'histogram', labels: ['store', 'runbook', 'step'], help: 'Duration of runbook steps executed by this agent as coordinator, by step kind.', buckets: STEP_BUCKETS, status: 'wired' },
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRICS;

export const METRIC_LIST: readonly MetricSpec[] = Object.values(METRICS);

/** Prefix of prom-client's process and Node.js default metrics, also exposed by every agent. */
export const DEFAULT_METRIC_PREFIXES = ['process_', 'nodejs_'] as const;
