/**
 * A Grafana dashboard (JSON model, schemaVersion 39) over the agents' metrics: routing and votes,
 * traffic share, DNS, probes, peers, then the data-store rows (replication lag, leases, runbook
 * steps) that fill in once failover is wired. Deterministic: fixed ids, uid and layout.
 */
import { METRICS } from '../catalog.ts';

interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly targets: readonly { readonly expr: string; readonly legend: string }[];
  /** Stacked areas (shares) instead of lines. */
  readonly stacked?: boolean;
  readonly max?: number;
}

const M = Object.fromEntries(Object.entries(METRICS).map(([k, v]) => [k, v.name])) as { [K in keyof typeof METRICS]: (typeof METRICS)[K]['name'] };

const ROWS: readonly { readonly title: string; readonly panels: readonly PanelSpec[] }[] = [
  {
    title: 'Routing',
    panels: [
      { title: 'Routed endpoints per region (min over agents)', description: '1: every agent routes every endpoint of the region; 0: at least one agent drained one.', unit: 'none', max: 1, targets: [{ expr: `min by (service, region) (${M.endpointRoutedUp})`, legend: '{{service}}/{{region}}' }] },
      { title: 'Down votes per endpoint (max over agents)', description: 'Vantage points that see the endpoint down; drained when a majority of the voters do.', unit: 'none', targets: [{ expr: `max by (service, region, endpoint) (${M.endpointDownVotes})`, legend: '{{service}}/{{region}}/{{endpoint}}' }] },
      { title: 'Expected traffic share (all clients)', description: 'Share of new traffic per region from the current answer, averaged over agents.', unit: 'percentunit', stacked: true, max: 1, targets: [{ expr: `avg by (service, region) (${M.answerShare}{client_network="*"})`, legend: '{{service}} {{region}}' }] },
      { title: 'Answer table builds', description: 'Each build swaps what DNS answers: one per routing change.', unit: 'none', targets: [{ expr: `sum by (agent) (increase(${M.answerBuilds}[5m]))`, legend: '{{agent}}' }] },
    ],
  },
  {
    title: 'DNS and probes',
    panels: [
      { title: 'DNS queries per second by rcode', description: 'Queries answered by each agent.', unit: 'reqps', targets: [{ expr: `sum by (agent, rcode) (rate(${M.dnsQueries}[1m]))`, legend: '{{agent}} {{rcode}}' }] },
      { title: 'Probe failure ratio per vantage point and region', description: 'Failed probes / all probes, from each vantage point to each region.', unit: 'percentunit', max: 1, targets: [{ expr: `sum by (vantage, region) (rate(${M.probeResults}{result!="ok"}[1m])) / sum by (vantage, region) (rate(${M.probeResults}[1m]))`, legend: '{{vantage}} -> {{region}}' }] },
      { title: 'Probe latency p99 per vantage point and region', description: 'Through the path users take, failed probes included.', unit: 's', targets: [{ expr: `histogram_quantile(0.99, sum by (le, vantage, region) (rate(${M.probeDuration}_bucket[1m])))`, legend: '{{vantage}} -> {{region}}' }] },
      { title: 'Peer view age', description: 'Age of the last view each agent received from each peer; beyond 3 probe intervals it stops voting.', unit: 's', targets: [{ expr: `max by (agent, peer) (${M.peerViewAge})`, legend: '{{agent}} <- {{peer}}' }] },
    ],
  },
  {
    title: 'Data stores',
    panels: [
      { title: 'Replication lag (time)', description: 'Per store and replica region, as each agent reads it; compare with the RPO.', unit: 's', targets: [{ expr: `max by (store, region) (${M.replicationLagSeconds})`, legend: '{{store}} {{region}}' }, { expr: `max by (store) (${M.storeRpo})`, legend: '{{store}} RPO' }] },
      { title: 'Replication lag (bytes)', description: 'WAL bytes each replica is behind the primary.', unit: 'bytes', targets: [{ expr: `max by (store, region) (${M.replicationLagBytes})`, legend: '{{store}} {{region}}' }] },
      { title: 'Failover lease holders and term', description: 'Exactly one agent should hold each store lease; the term (fencing token) only increases.', unit: 'none', targets: [{ expr: `sum by (store) (${M.leaseHeld})`, legend: '{{store}} holders' }, { expr: `max by (store) (${M.leaseTerm})`, legend: '{{store}} term' }] },
      { title: 'Runbook step duration p95', description: 'Per runbook and step; failed steps are counted in the alerts.', unit: 's', targets: [{ expr: `histogram_quantile(0.95, sum by (le, runbook, step) (rate(${M.runbookStepDuration}_bucket[10m])))`, legend: '{{runbook}} {{step}}' }] },
    ],
  },
];

export function grafanaDashboard(): Record<string, unknown> {
  let id = 0;
  let y = 0;
  const panels: Record<string, unknown>[] = [];
  for (const row of ROWS) {
    panels.push({ id: ++id, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    row.panels.forEach((p, i) => {
      panels.push(timeseries(++id, p, { h: 8, w: 12, x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8 }));
    });
    y += Math.ceil(row.panels.length / 2) * 8;
  }
  return {
    uid: 'meridian-overview',
    title: 'Meridian',
    description: 'Regional agents: routing by majority of vantage points, DNS answers, probes, peers, data stores.',
    tags: ['meridian'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '5s',
    time: { from: 'now-30m', to: 'now' },
    templating: { list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }] },
    annotations: { list: [] },
    panels,
  };
}

function timeseries(id: number, p: PanelSpec, gridPos: Record<string, number>): Record<string, unknown> {
  return {
    id,
    type: 'timeseries',
    title: p.title,
    description: p.description,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos,
    fieldConfig: {
      defaults: {
        unit: p.unit,
        min: 0,
        ...(p.max !== undefined ? { max: p.max } : {}),
        custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: p.stacked ? 60 : 10, stacking: { mode: p.stacked ? 'normal' : 'none', group: 'A' } },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: p.targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), expr: t.expr, legendFormat: t.legend, datasource: { type: 'prometheus', uid: '${datasource}' } })),
  };
}
