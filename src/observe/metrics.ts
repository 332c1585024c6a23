/**
 * One agent's Prometheus metrics, on its own prom-client Registry (never the global default one,
 * so several agents can share a test process). Counters are fed as things happen (probes, DNS
 * queries, rebuilds); gauges that describe the current state (routing, votes, answers, peers) are
 * refreshed from the agent's state when scraped, so they can never drift from /status.
 * Names, labels and meanings come from catalog.ts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DROPPED, RCODE, drainOf, typeCode, type QueryEvent, type ServiceAnswers, type TrafficControls } from '../gslb/index.ts';
import {
  probeEndpoint, topologyEndpoints, type EndpointRef, type HealthSnapshot, type PeerStatus, type ProbeFn,
  type ProbeResult, type ProbedEndpoint, type VantageView,
} from '../health/index.ts';
import type { CapacityStatus } from '../capacity/index.ts';
import type { Topology } from '../spec/index.ts';
import { METRICS, type MetricSpec } from './catalog.ts';
import { answerShares } from './shares.ts';
import type { FinishedStep, StoresReading } from './stores.ts';

/** What the state gauges read at scrape time. */
export interface AgentState {
  readonly view: VantageView;
  readonly snapshot: HealthSnapshot;
  readonly peers: readonly PeerStatus[];
  readonly answers: readonly ServiceAnswers[];
  /** The agent's database supervision, when it has any (GET /status `stores`). */
  readonly stores?: StoresReading;
  /** The operators' traffic controls in force (GET /status `traffic`); `none`: no etcd. */
  readonly traffic?: { readonly source: 'etcd' | 'none'; readonly controls: TrafficControls };
  /** Measured load, capacity and overload holds per service (GET /status `capacity`). */
  readonly capacity?: CapacityStatus;
}

export interface AgentMetricsOptions {
  readonly topology: Topology;
  readonly region: string;
  readonly bootId: string;
  readonly version?: string;
  readonly state: () => AgentState;
  /** Process and Node.js metrics (prom-client's defaults); default true. */
  readonly defaultMetrics?: boolean;
}

export type ProbeResultClass = 'ok' | 'timeout' | 'refused' | 'reset' | 'unreachable' | 'http_error' | 'error';
const PROBE_RESULTS: readonly ProbeResultClass[] = ['ok', 'timeout', 'refused', 'reset', 'unreachable', 'http_error', 'error'];
/** Label values are bounded: anything else is counted as OTHER. */
const QTYPES = new Set(['A', 'AAAA', 'NS', 'SOA', 'ANY', 'CNAME', 'TXT', 'MX', 'SRV', 'PTR', 'CAA', 'DS', 'DNSKEY', 'HTTPS', 'SVCB', 'AXFR', 'IXFR']);
const RCODES = new Set(['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'BADVERS', 'DROPPED']);
/** The same labels by code, for the DNS server's hook (it reports codes); other codes are OTHER. */
const QTYPE_LABELS = new Map([...QTYPES].map((name) => [typeCode(name) ?? invariant(`no code for qtype ${name}`), name]));
const RCODE_LABELS = new Map<number, string>([
  ...Object.entries(RCODE).filter(([name]) => RCODES.has(name)).map(([name, code]) => [code, name] as const),
  [DROPPED, 'DROPPED'],
]);

function invariant(message: string): never {
  throw new Error(`invariant: ${message}`);
}

export function probeResultClass(result: ProbeResult): ProbeResultClass {
  if (result.kind === 'ok') return 'ok';
  const reason: string = result.reason;
  if (reason === 'timeout' || reason === 'refused' || reason === 'reset' || reason === 'unreachable') return reason;
  return reason.startsWith('status ') ? 'http_error' : 'error';
}

type Child = { inc(value?: number): void };
interface ProbeChildren {
  readonly results: ReadonlyMap<ProbeResultClass, Child>;
  readonly duration: { observe(value: number): void };
}

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly endpoints: readonly ProbedEndpoint[];
  private readonly regionOfAddress: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** transport → qtype → rcode → count. Plain numbers: prom-client hashes labels on every inc(), even on a child. */
  private readonly dnsCounts = new Map<string, Map<string, Map<string, { n: number }>>>();

  private readonly probeResults = this.counter(METRICS.probeResults);
  private readonly probeDuration = this.histogram(METRICS.probeDuration);
  private readonly endpointSeenUp = this.gauge(METRICS.endpointSeenUp);
  private readonly endpointRoutedUp = this.gauge(METRICS.endpointRoutedUp);
  private readonly endpointDownVotes = this.gauge(METRICS.endpointDownVotes);
  private readonly endpointVoters = this.gauge(METRICS.endpointVoters);
  private readonly answerRegion = this.gauge(METRICS.answerRegion);
  private readonly answerShare = this.gauge(METRICS.answerShare);
  private readonly answerFailOpen = this.gauge(METRICS.answerFailOpen);
  private readonly trafficDrained = this.gauge(METRICS.trafficDrained);
  private readonly serviceLoad = this.gauge(METRICS.serviceLoad);
  private readonly serviceCapacity = this.gauge(METRICS.serviceCapacity);
  private readonly trafficHeld = this.gauge(METRICS.trafficHeld);
  private readonly builds = this.counter(METRICS.answerBuilds);
  private readonly lastBuild = this.gauge(METRICS.answerLastBuild);
  private readonly dnsQueries = this.counter(METRICS.dnsQueries);
  private readonly peerReachable = this.gauge(METRICS.peerReachable);
  private readonly peerViewFresh = this.gauge(METRICS.peerViewFresh);
  private readonly peerViewAge = this.gauge(METRICS.peerViewAge);
  private readonly timelineEvents = this.counter(METRICS.timelineEvents);
  private readonly coordinatorReachable = this.gauge(METRICS.coordinatorReachable);
  private readonly leaseHeld = this.gauge(METRICS.leaseHeld);
  private readonly leaseTerm = this.gauge(METRICS.leaseTerm);
  private readonly storePrimary = this.gauge(METRICS.storePrimary);
  private readonly storePaused = this.gauge(METRICS.storePaused);
  private readonly storeWaiting = this.gauge(METRICS.storeWaiting);
  private readonly storeSyncDegraded = this.gauge(METRICS.storeSyncDegraded);
  private readonly lagBytes = this.gauge(METRICS.replicationLagBytes);
  private readonly lagSeconds = this.gauge(METRICS.replicationLagSeconds);
  private readonly replicaSynchronous = this.gauge(METRICS.replicaSynchronous);
  private readonly splitBrainTrips = this.counter(METRICS.splitBrainTrips);
  private readonly runbookRunning = this.gauge(METRICS.runbookRunning);
  private readonly runbookSteps = this.counter(METRICS.runbookSteps);
  private readonly runbookStepDuration = this.histogram(METRICS.runbookStepDuration);

  constructor(private readonly options: AgentMetricsOptions) {
    const { topology } = options;
    this.endpoints = topologyEndpoints(topology);
    this.regionOfAddress = new Map(
      topology.services.map((s) => [s.name, new Map(Object.entries(s.endpoints ?? {}).flatMap(([r, as]) => as.map((a) => [a, r] as const)))]),
    );
    this.gauge(METRICS.agentInfo).set({ region: options.region, boot_id: options.bootId, version: options.version ?? 'dev' }, 1);
    const rpo = this.gauge(METRICS.storeRpo);
    const rto = this.gauge(METRICS.storeRto);
    for (const store of topology.stores) {
      rpo.set({ store: store.name }, store.targets.rpo / 1000);
      rto.set({ store: store.name }, store.targets.rto / 1000);
    }
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters (promtool rejects them); nodejs_active_{handles,requests,resources} by type carry the same numbers.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition, with the state gauges refreshed from the agent's current state. */
  async exposition(): Promise<string> {
    this.refreshState(this.options.state());
    return this.registry.metrics();
  }

  /** Wraps a probe so every result is counted and timed (the Prober's `probe` port). */
  instrumentProbe(probe: ProbeFn = probeEndpoint): ProbeFn {
    const byTarget = new Map(this.endpoints.map((e) => [targetKey(e.fqdn, e.ref.address, e.service.port), this.probeChildren(e.ref)]));
    return async (target, options) => {
      const result = await probe(target, options);
      const children = byTarget.get(targetKey(target.hostname, target.address, target.port));
      if (children) {
        children.results.get(probeResultClass(result))?.inc();
        children.duration.observe(result.latencyMs / 1000);
      }
      return result;
    };
  }

  /**
   * The DNS server's onQuery: the query type and response code as the answer table knew them
   * (codes: nothing is decoded), two lookups to their labels, then as recordDnsQuery.
   */
  readonly recordDnsAnswer = (q: Pick<QueryEvent, 'qtype' | 'rcode' | 'transport'>): void => {
    this.countDnsQuery(q.transport, QTYPE_LABELS.get(q.qtype) ?? 'OTHER', RCODE_LABELS.get(q.rcode) ?? 'OTHER');
  };

  /** A DNS query by type and response code names (e.g. `AAAA`, `NXDOMAIN`); unknown names count as OTHER. */
  readonly recordDnsQuery = (q: { readonly qtype: string; readonly rcode: string; readonly transport: 'udp' | 'tcp' }): void => {
    this.countDnsQuery(q.transport, QTYPES.has(q.qtype) ? q.qtype : 'OTHER', RCODES.has(q.rcode) ? q.rcode : 'OTHER');
  };

  /** Three map lookups and an increment on plain numbers; the counter is set at scrape time. */
  private countDnsQuery(transport: 'udp' | 'tcp', qtype: string, rcode: string): void {
    let byType = this.dnsCounts.get(transport);
    if (!byType) this.dnsCounts.set(transport, (byType = new Map()));
    let byRcode = byType.get(qtype);
    if (!byRcode) byType.set(qtype, (byRcode = new Map()));
    const count = byRcode.get(rcode);
    if (count) count.n++;
    else byRcode.set(rcode, { n: 1 });
  }

  recordTableBuild(atMs: number): void {
    this.builds.inc();
    this.lastBuild.set(atMs / 1000);
  }

  recordTimelineEvent(kind: string): void {
    this.timelineEvents.inc({ kind });
  }

  // Reserved metrics (and counters the observer feeds): the data layer reports them through these.
  // Coordinator, lease and primary gauges have no setter: they come from the status (refreshStores).
  /** A null leaves that series out (PostgreSQL reported no replay position or replay_lag). */
  setReplicationLag(store: string, region: string, lag: { bytes: number | null; seconds: number | null }): void {
    if (lag.bytes !== null) this.lagBytes.set({ store, region }, lag.bytes);
    if (lag.seconds !== null) this.lagSeconds.set({ store, region }, lag.seconds);
  }

  /**
   * Every standby's lag from the supervision status (the observer calls this on each merge tick).
   * The old series are dropped first: a standby that stopped streaming, or a primary that stopped
   * answering, loses its series rather than keeping a stale lag.
   */
  setReplicationLags(stores: StoresReading): void {
    for (const g of [this.lagBytes, this.lagSeconds, this.replicaSynchronous]) g.reset();
    if (!stores.supervised) return;
    for (const s of stores.stores) {
      if (!s.supervised) continue;
      for (const r of s.replication ?? []) {
        this.setReplicationLag(s.store, r.region, { bytes: r.lagBytes, seconds: r.lagSeconds });
        const confirmsCommits = r.state === 'streaming' && (r.syncState === 'sync' || r.syncState === 'quorum');
        this.replicaSynchronous.set({ store: s.store, region: r.region }, confirmsCommits ? 1 : 0);
      }
    }
  }

  recordSplitBrainGuardTrip(store: string): void {
    this.splitBrainTrips.inc({ store });
  }

  setRunbookRunning(store: string, runbook: string, running: boolean): void {
    this.runbookRunning.set({ store, runbook }, running ? 1 : 0);
  }

  recordRunbookStep(store: string, runbook: string, step: string, result: 'ok' | 'failed' | 'skipped', seconds: number): void {
    this.runbookSteps.inc({ store, runbook, step, result });
    this.runbookStepDuration.observe({ store, runbook, step }, seconds);
  }

  recordFinishedSteps(steps: readonly FinishedStep[]): void {
    for (const s of steps) this.recordRunbookStep(s.store, s.runbook, s.step, s.result, s.seconds);
  }

  /** Coordinator, lease and primary gauges from the supervision status (rebuilt at every scrape). */
  private refreshStores(stores: StoresReading | undefined): void {
    for (const g of [this.coordinatorReachable, this.leaseHeld, this.leaseTerm, this.storePrimary, this.storePaused, this.storeSyncDegraded, this.storeWaiting]) g.reset();
    const supervised = stores?.supervised ? stores.stores.filter((s) => s.supervised) : [];
    if (supervised.length === 0) return;
    this.coordinatorReachable.set({ backend: 'etcd' }, supervised.every((s) => s.etcd.ok) ? 1 : 0);
    for (const s of supervised) {
      this.leaseHeld.set({ store: s.store }, s.coordinator.self ? 1 : 0);
      const term = Number(s.primary?.token);
      if (s.primary && Number.isFinite(term)) this.leaseTerm.set({ store: s.store }, term);
      const spec = this.options.topology.stores.find((t) => t.name === s.store);
      const regions = new Set([...(spec ? [spec.primaryRegion, ...spec.replicaRegions] : []), ...(s.primary ? [s.primary.region] : [])]);
      if (s.primary) for (const region of regions) this.storePrimary.set({ store: s.store, region }, region === s.primary.region ? 1 : 0);
      if (s.paused !== undefined) this.storePaused.set({ store: s.store }, s.paused ? 1 : 0);
      if (s.lastPlan?.waiting) this.storeWaiting.set({ store: s.store, why: s.lastPlan.waiting }, 1);
      if (spec?.replication === 'sync' && s.syncSet !== undefined) this.storeSyncDegraded.set({ store: s.store }, s.syncSet?.count === 0 ? 1 : 0);
    }
  }

  private refreshState(state: AgentState): void {
    // Totals only grow, so the counter stays monotonic although it is rebuilt from them.
    this.dnsQueries.reset();
    for (const [transport, byType] of this.dnsCounts) {
      for (const [qtype, byRcode] of byType) for (const [rcode, count] of byRcode) this.dnsQueries.inc({ qtype, rcode, transport }, count.n);
    }
    for (const g of [this.endpointSeenUp, this.endpointRoutedUp, this.endpointDownVotes, this.endpointVoters]) g.reset();
    const views = [state.view, ...state.peers.filter((p) => p.fresh && p.view).map((p) => p.view as VantageView)];
    for (const { key, ref } of this.endpoints) {
      const labels = endpointLabels(ref);
      const verdict = state.snapshot.endpoints.get(key);
      if (verdict) {
        this.endpointRoutedUp.set(labels, verdict.up ? 1 : 0);
        this.endpointDownVotes.set(labels, verdict.downVotes.length);
        this.endpointVoters.set(labels, verdict.voters.length);
      }
      for (const view of views) {
        const seen = view.endpoints[key];
        if (seen === 'up' || seen === 'down') this.endpointSeenUp.set({ ...labels, vantage: view.vantage }, seen === 'up' ? 1 : 0);
      }
    }
    this.refreshAnswers(state.answers);
    this.refreshTraffic(state.traffic);
    this.refreshCapacity(state.capacity);
    this.refreshStores(state.stores);
    for (const g of [this.peerReachable, this.peerViewFresh, this.peerViewAge]) g.reset();
    for (const p of state.peers) {
      this.peerReachable.set({ peer: p.region }, p.reachability === 'reachable' ? 1 : 0);
      this.peerViewFresh.set({ peer: p.region }, p.fresh ? 1 : 0);
      if (p.lastViewAgeMs !== null) this.peerViewAge.set({ peer: p.region }, p.lastViewAgeMs / 1000);
    }
  }

  /** Every service × region with endpoints: 1 while drained (by its own drain or an all-services one). */
  private refreshTraffic(traffic: AgentState['traffic']): void {
    this.trafficDrained.reset();
    if (traffic?.source !== 'etcd') return;
    for (const service of this.options.topology.services) {
      for (const region of Object.keys(service.endpoints ?? {})) {
        this.trafficDrained.set({ service: service.name, region }, drainOf(traffic.controls, service.name, region) ? 1 : 0);
      }
    }
  }

  /** Load and capacity per service × region with endpoints; held regions 1 (0 for the others of a `hold` service). */
  private refreshCapacity(capacity: CapacityStatus | undefined): void {
    for (const g of [this.serviceLoad, this.serviceCapacity, this.trafficHeld]) g.reset();
    for (const s of capacity?.services ?? []) {
      for (const r of s.regions) {
        const labels = { service: s.service, region: r.region };
        this.serviceCapacity.set(labels, r.capacityRps);
        if (r.loadRps !== null) this.serviceLoad.set(labels, r.loadRps);
        if (s.onOverload === 'hold') this.trafficHeld.set({ ...labels, why: 'capacity' }, s.holds.some((h) => h.region === r.region) ? 1 : 0);
      }
    }
  }

  private refreshAnswers(answers: readonly ServiceAnswers[]): void {
    for (const g of [this.answerRegion, this.answerShare, this.answerFailOpen]) g.reset();
    for (const service of answers) {
      const regionOf = this.regionOfAddress.get(service.service) ?? new Map<string, string>();
      const candidates = [...new Set(regionOf.values())];
      for (const answer of service.answers) {
        const shares = answerShares(answer, (a) => regionOf.get(a));
        const network = answer.clientNetwork;
        this.answerFailOpen.set({ service: service.service, client_network: network }, answer.failOpen ? 1 : 0);
        for (const region of candidates) {
          const labels = { service: service.service, region, client_network: network };
          this.answerRegion.set(labels, answer.regions.includes(region) ? 1 : 0);
          this.answerShare.set(labels, shares[region] ?? 0);
        }
      }
    }
  }

  private probeChildren(ref: EndpointRef): ProbeChildren {
    const labels = { ...endpointLabels(ref), vantage: this.options.region };
    // Every series exists from the start at 0, so rate() and increase() see the first failure.
    const results = new Map(PROBE_RESULTS.map((result) => {
      const child = this.probeResults.labels({ ...labels, result });
      child.inc(0);
      return [result, child] as const;
    }));
    this.probeDuration.zero(labels);
    return { results, duration: this.probeDuration.labels(labels) };
  }

  private counter(spec: MetricSpec): Counter<string> {
    return new Counter({ name: spec.name, help: spec.help, labelNames: spec.labels, registers: [this.registry] });
  }

  private gauge(spec: MetricSpec): Gauge<string> {
    return new Gauge({ name: spec.name, help: spec.help, labelNames: spec.labels, registers: [this.registry] });
  }

  private histogram(spec: MetricSpec): Histogram<string> {
    return new Histogram({ name: spec.name, help: spec.help, labelNames: spec.labels, buckets: [...(spec.buckets ?? [])], registers: [this.registry] });
  }
}

function endpointLabels(ref: EndpointRef): { service: string; region: string; endpoint: string } {
  return { service: ref.service, region: ref.region, endpoint: ref.address };
}

function targetKey(hostname: string, address: string, port: number): string {
  return `${hostname}|${address}|${port}`;
}
