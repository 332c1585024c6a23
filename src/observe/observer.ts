/**
 * What the agent calls at the points where it already logs structured events: one object that
 * feeds the metrics and the timeline, and serves them over HTTP (routes.ts). The agent passes
 * getters for its state; nothing here can block or fail the agent's own work.
 */
import type { ServiceAnswers } from '../gslb/index.ts';
import { routingChanges, type EndpointTransition, type HealthSnapshot, type PeerReachability, type PeerStatus } from '../health/index.ts';
import type { Topology } from '../spec/index.ts';
import { AgentMetrics, type AgentState } from './metrics.ts';
import { answerChanges, peerChange, routedEvent, vantageEvent } from './events.ts';
import { storeChanges, type StoresReading } from './stores.ts';
import { DEFAULT_RING_SIZE, EventRing, type NewEvent, type TimelineEvent } from './timeline.ts';

export interface AgentObserverOptions {
  readonly topology: Topology;
  readonly region: string;
  readonly bootId: string;
  readonly state: () => AgentState;
  readonly ringSize?: number;
  /** Wall clock for event times; default Date.now. */
  readonly now?: () => number;
  readonly defaultMetrics?: boolean;
}

export class AgentObserver {
  readonly metrics: AgentMetrics;
  readonly timeline: EventRing;
  private readonly reachability = new Map<string, PeerReachability>();
  private lastStores?: StoresReading;
  // Grows by a few keys per runbook: runbooks are rare, an agent runs a handful a day at most.
  private readonly seenRunbookRecords = new Set<string>();

  constructor(private readonly options: AgentObserverOptions) {
    this.metrics = new AgentMetrics(options);
    this.timeline = new EventRing(options.region, options.bootId, options.ringSize ?? DEFAULT_RING_SIZE, options.now ?? Date.now);
    this.metrics.recordTableBuild(this.now()); // the agent builds its first table before it creates this
    this.record({ kind: 'agent.started', summary: `agent ${options.region} started`, details: { bootId: options.bootId } });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  get region(): string {
    return this.options.region;
  }

  state(): AgentState {
    return this.options.state();
  }

  /** A probe threshold was crossed at this vantage point. */
  vantageTransition(t: EndpointTransition): void {
    this.record(vantageEvent(this.options.region, t));
  }

  /** The merge changed which endpoints are routed. */
  routingChanged(before: HealthSnapshot, after: HealthSnapshot): void {
    for (const verdict of routingChanges(before, after)) this.record(routedEvent(this.options.region, verdict));
  }

  /** A new answer table was built; `previous` and `next` are its descriptions. */
  answersRebuilt(previous: readonly ServiceAnswers[], next: readonly ServiceAnswers[]): void {
    this.metrics.recordTableBuild(this.now());
    for (const event of answerChanges(this.options.region, previous, next)) this.record(event);
  }

  /**
   * Called on every merge tick: records a timeline event when a peer's reachability changed.
   * (The peer exchange logs these itself; diffing its status here keeps health/ untouched.)
   */
  peersObserved(peers: readonly PeerStatus[]): void {
    for (const p of peers) {
      const before = this.reachability.get(p.region) ?? 'unknown';
      if (before === p.reachability) continue;
      this.reachability.set(p.region, p.reachability);
      this.record(peerChange(this.options.region, p, before));
    }
  }

  /**
   * Called on every merge tick: records primary moves, fencing and runbook steps (as they are audited) of the
   * agent's database supervision (read from its state) as timeline events and metrics, whether a
   * runbook is running here, and refreshes the replication lag gauges from it.
   */
  storesObserved(): void {
    const stores = this.options.state().stores;
    if (!stores) return;
    const changes = storeChanges(this.options.region, this.lastStores, stores, this.seenRunbookRecords);
    this.lastStores = stores;
    this.metrics.recordFinishedSteps(changes.steps);
    this.metrics.setReplicationLags(stores);
    for (const store of changes.fenceTrips) this.metrics.recordSplitBrainGuardTrip(store);
    for (const r of changes.running) this.metrics.setRunbookRunning(r.store, r.runbook, r.running);
    for (const event of changes.events) this.record(event);
  }

  /** For later callers (failover steps, operator actions) as much as for the agent. */
  record(event: NewEvent): TimelineEvent {
    this.metrics.recordTimelineEvent(event.kind);
    return this.timeline.record(event);
  }
}
