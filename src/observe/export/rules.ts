/**
 * Alerting rules over the agents' metrics (names from catalog.ts, target label `agent` from
 * scrape.ts). Generic: nothing depends on the topology's names, so the rules stay valid as
 * regions, services and stores are added; only a `for:` follows the topology's probe settings.
 * Each rule says in its description what to look at.
 */
import { HealthCheckSchema, type Topology } from '../../spec/index.ts';
import { METRICS } from '../catalog.ts';
import { AGENT_JOB } from './scrape.ts';

/**
 * The job of a global Prometheus that federates regional ones (one per region, each target
 * labelled `region`), as `lab up --with prometheus` runs it (src/lab/prometheus-plan.ts, same
 * name). Without federation no series has this job and its rule stays silent.
 */
export const FEDERATE_JOB = 'federate';

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'critical' | 'warning' };
  readonly annotations: { readonly summary: string; readonly description: string };
}

const M = Object.fromEntries(Object.entries(METRICS).map(([k, v]) => [k, v.name])) as { [K in keyof typeof METRICS]: (typeof METRICS)[K]['name'] };

/** Per agent, is every endpoint of the service in the region drained? */
const drainedByAgent = `max by (agent, service, region) (${M.endpointRoutedUp})`;

/**
 * How long the agents may take to call a region down after it is cut off: up to
 * `unhealthyThreshold` probes one interval apart, the last failing at its timeout; the slowest
 * service counts. Without a topology, the schema's default health settings.
 */
export function probeThresholdsMs(topology?: Pick<Topology, 'services'>): number {
  const checks = topology && topology.services.length > 0 ? topology.services.map((s) => s.health) : [HealthCheckSchema.parse({})];
  return Math.max(...checks.map((h) => h.unhealthyThreshold * h.interval + h.timeout));
}

/** A Prometheus duration of at least `ms`, in whole seconds. */
const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))}s`;

const routing = (probeMs: number): Rule[] => [
  {
    alert: 'MeridianRegionDown',
    // A majority of the agents Prometheus still scrapes drained the region. An agent cut off from
    // its peers decides alone; counting agents keeps one isolated agent from raising this.
    expr: `count by (service, region) (${drainedByAgent} == 0) * 2 > count by (service, region) (${drainedByAgent})`,
    for: '10s',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Region {{ $labels.region }} drained from {{ $labels.service }}',
      description: 'A majority of the scraped agents route no endpoint of {{ $labels.service }} in {{ $labels.region }}: traffic has moved away. Check the dashboard (GET / on any agent) for which vantage points lost it and why, and `meridian events`.',
    },
  },
  {
    alert: 'MeridianAnswerFailOpen',
    expr: `max by (service, client_network) (${M.answerFailOpen}) == 1`,
    for: '10s',
    labels: { severity: 'critical' },
    annotations: {
      summary: '{{ $labels.service }} answers fail-open',
      description: 'Every candidate region of {{ $labels.service }} (clients {{ $labels.client_network }}) is seen down, so all are answered: clients may hit dead endpoints.',
    },
  },
  {
    alert: 'MeridianAgentDown',
    expr: `up{job=~"${AGENT_JOB}.*"} == 0`,
    for: '30s',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Agent {{ $labels.agent }} is not scraped',
      description: 'Prometheus cannot scrape the agent of {{ $labels.agent }}: the region may be cut off, or its agent stopped. Its DNS answers and vantage point are missing.',
    },
  },
  {
    alert: 'MeridianRegionLostFromFederation',
    // A cut region's federated series go stale rather than 0, so MeridianAgentDown (up == 0 on
    // the agent job) never sees it in the global Prometheus; the federation target's own `up`
    // does. Held longer than the agents need to call a region down, so a blip shorter than what
    // the probes would act on stays quiet. (An agent that stops behind a live regional
    // Prometheus is federated as up == 0: MeridianAgentDown.)
    expr: `up{job="${FEDERATE_JOB}"} == 0`,
    for: seconds(probeMs),
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Region {{ $labels.region }} is gone from the global federation',
      description: 'The global Prometheus has not reached the Prometheus of {{ $labels.region }} ({{ $labels.instance }}) for longer than the agents take to call a region down: the region is cut off, or its Prometheus stopped. Its series are stale here. Open the dashboard of a surviving agent (GET / on its API) to see whether the agents drained it, and why.',
    },
  },
  {
    alert: 'MeridianPeerUnreachable',
    expr: `${M.peerReachable} == 0`,
    for: '1m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Agent {{ $labels.agent }} cannot reach peer {{ $labels.peer }}',
      description: 'View pushes from {{ $labels.agent }} to {{ $labels.peer }} fail: their votes no longer count for each other.',
    },
  },
];

/** One series per (store, standby region), whichever agents and Prometheus servers reported it. */
const worstLagPerStandby = (metric: string) => `max by (store, region) (${metric})`;

const data: Rule[] = [
  {
    alert: 'MeridianReplicationLagOverRpo',
    // Every agent exports every standby's lag (each reads the primary), so one standby has a
    // series per agent, and per regional Prometheus once federated. Per standby, take the
    // largest: the agents measure the same thing at slightly different moments, and an agent
    // that stopped refreshing (cut off from etcd, it keeps its last observation) must not hide
    // a lag the others see growing; `for` absorbs the moments where readings differ. Across
    // standbys, the smallest: a failover promotes the most caught-up one, so its lag is the data
    // a failover now would lose.
    expr: `min by (store) (${worstLagPerStandby(M.replicationLagSeconds)}) > on (store) max by (store) (${M.storeRpo} > 0)`,
    for: '30s',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Store {{ $labels.store }}: every replica lags more than the RPO',
      description: 'The least-lagging replica of {{ $labels.store }} is {{ $value | humanizeDuration }} behind: a failover now would lose more than the RPO allows.',
    },
  },
  {
    alert: 'MeridianSyncStoreNoSyncReplica',
    // Not "lag bytes > 0": under steady writes a synchronous standby's replay is always a little
    // behind (commits wait for its flush, not its replay), so that fired on healthy stores. What
    // RPO 0 needs is a standby confirming commits. Per standby the worst reading (an agent cut
    // off keeps its last one), then the best standby, as the lag rule does.
    expr: `max by (store) (min by (store, region) (${M.replicaSynchronous})) == 0 and on (store) max by (store) (${M.storeRpo}) == 0`,
    for: '30s',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Store {{ $labels.store }} (RPO 0): no replica confirms commits',
      description: 'No replica of the synchronous store {{ $labels.store }} has streamed as a synchronous standby for 30s: commits wait (writes stall) until one does, and a failover has no caught-up replica to promote.',
    },
  },
  {
    alert: 'MeridianSyncStoreDegraded',
    // failover.syncStrict false and no standby streaming: the primary's agent emptied the
    // synchronous set, so commits are acknowledged by the primary alone until one streams again.
    expr: `max by (store) (${M.storeSyncDegraded}) == 1`,
    for: '30s',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Store {{ $labels.store }} runs asynchronously: acknowledged writes are on one database only',
      description: 'The synchronous set of {{ $labels.store }} has been empty for 30s (failover.syncStrict is false and no standby streams): losing its primary now loses acknowledged writes. Bring a standby back (meridian db status, meridian db rejoin).',
    },
  },
  {
    alert: 'MeridianStorePaused',
    expr: `max by (store) (${M.storePaused}) == 1`,
    for: '1h',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Store {{ $labels.store }} has been paused for an hour',
      description: 'No automatic failover, repoint or rebuild happens on {{ $labels.store }} while it is paused. End the maintenance with: meridian resume --store {{ $labels.store }}',
    },
  },
  {
    alert: 'MeridianCoordinatorMissing',
    expr: `sum by (store) (${M.leaseHeld}) == 0`,
    for: '30s',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Store {{ $labels.store }} has no failover coordinator',
      description: 'No agent is the elected failover coordinator of {{ $labels.store }}: a primary failure would not be handled. Check the coordination store (etcd) quorum.',
    },
  },
  {
    alert: 'MeridianCoordinationStoreUnreachable',
    expr: `max by (backend) (${M.coordinatorReachable}) == 0`,
    for: '30s',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'No agent reaches a {{ $labels.backend }} quorum',
      description: 'Leases cannot be renewed or acquired: failover is fenced off until the quorum is back (by design: no lease, no promotion).',
    },
  },
  {
    alert: 'MeridianSplitBrainGuardTripped',
    expr: `increase(${M.splitBrainTrips}[5m]) > 0`,
    for: '0s',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Split-brain guard tripped for {{ $labels.store }}',
      description: 'The database of {{ $labels.store }} in {{ $labels.agent }} was fenced (it lost the primary lease, or a newer term exists). Check that exactly one primary takes writes; read the failover audit log before anything else.',
    },
  },
  {
    alert: 'MeridianLeaseHeldTwice',
    expr: `sum by (store) (${M.leaseHeld}) > 1`,
    for: '0s',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Two agents claim to coordinate {{ $labels.store }}',
      description: 'More than one agent reports being the elected coordinator: at most one can be right (the other has not noticed its lease expired yet). Fencing tokens protect the data; check clocks and etcd.',
    },
  },
  {
    alert: 'MeridianRunbookStepFailed',
    expr: `increase(${M.runbookSteps}{result="failed"}[10m]) > 0`,
    for: '0s',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Runbook {{ $labels.runbook }} step {{ $labels.step }} failed for {{ $labels.store }}',
      description: 'A step of the {{ $labels.runbook }} runbook failed on {{ $labels.agent }}; it is retried or re-planned. Check the dashboard and the audit log.',
    },
  },
];

/** `topology` sets the probe thresholds the federation rule waits for (default health without). */
export function alertingRules(topology?: Pick<Topology, 'services'>): Record<string, unknown> {
  return {
    groups: [
      { name: 'meridian-routing', rules: routing(probeThresholdsMs(topology)) },
      { name: 'meridian-data', rules: data },
    ],
  };
}
