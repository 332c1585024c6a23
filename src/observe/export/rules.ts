/**
 * Alerting rules over the agents' metrics (names from catalog.ts, target label `agent` from
 * scrape.ts). Generic: nothing depends on the topology's names, so the rules stay valid as
 * regions, services and stores are added. Each rule says in its description what to look at.
 */
import { METRICS } from '../catalog.ts';
import { AGENT_JOB } from './scrape.ts';

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

const routing: Rule[] = [
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

const data: Rule[] = [
  {
    alert: 'MeridianReplicationLagOverRpo',
    // The best replica is what a failover would promote: its lag is the data a failover would lose.
    expr: `min by (store) (${M.replicationLagSeconds}) > on (store) max by (store) (${M.storeRpo} > 0)`,
    for: '30s',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Store {{ $labels.store }}: every replica lags more than the RPO',
      description: 'The least-lagging replica of {{ $labels.store }} is {{ $value | humanizeDuration }} behind: a failover now would lose more than the RPO allows.',
    },
  },
  {
    alert: 'MeridianSyncStoreReplicaBehind',
    expr: `min by (store) (${M.replicationLagBytes}) > 0 and on (store) max by (store) (${M.storeRpo}) == 0`,
    for: '30s',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Store {{ $labels.store }} (RPO 0): no replica is caught up',
      description: 'Every replica of the synchronous store {{ $labels.store }} has been behind for 30s: acknowledged writes may exist only on the primary.',
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

export function alertingRules(): Record<string, unknown> {
  return {
    groups: [
      { name: 'meridian-routing', rules: routing },
      { name: 'meridian-data', rules: data },
    ],
  };
}
