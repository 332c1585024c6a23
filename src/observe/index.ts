/**
 * observe: what an agent tells people and Prometheus about itself. Per agent: a prom-client
 * Registry (GET /metrics), a bounded ring of timeline events (GET /v1/events, merged across agents
 * by `mergeTimelines`), a live dashboard (GET /) fed by server-sent events (GET /v1/stream) and
 * by the other agents' documents, read by this agent (GET /v1/regions).
 *
 * A caller (the agent) must: create one AgentObserver with getters for its state, call its hooks
 * where it logs the matching structured events (vantageTransition, routingChanged, answersRebuilt,
 * peersObserved on every merge tick), pass `metrics.instrumentProbe()` as the Prober's probe and
 * `metrics.recordDnsAnswer` as the DNS server's onQuery, mount `observeRoutes(...).handle` on its
 * API, and call the routes' close() on shutdown. Nothing here may block the agent's own work.
 * The drill HTML report is in ./report, the Prometheus exporter in ./export (not loaded here).
 */
export { METRICS, METRIC_LIST, DEFAULT_METRIC_PREFIXES, type MetricSpec, type MetricKey, type MetricType } from './catalog.ts';
export { AgentMetrics, probeResultClass, type AgentMetricsOptions, type AgentState, type ProbeResultClass } from './metrics.ts';
export { answerShares } from './shares.ts';
export {
  EventRing, mergeTimelines, eventId, parseSince, DEFAULT_RING_SIZE,
  type TimelineEvent, type TimelineKind, type NewEvent, type EventsPage,
} from './timeline.ts';
export { vantageEvent, routedEvent, answerChanges, peerChange } from './events.ts';
export { AgentObserver, type AgentObserverOptions } from './observer.ts';
export { observeRoutes, type ObserveRoutes, type ObserveRoutesOptions } from './routes.ts';
export { PeerReadings, parseCursors, type PeerAgent, type RegionReading, type Cursor } from './peer-readings.ts';
export { dashboardHtml } from './dashboard/page.ts';
export { readAgentEvents, TimelineFollower, type EventsReading, type FollowRound } from './events-client.ts';
export { storeChanges, type StoresReading, type StoreReading, type StoreChanges, type FinishedStep } from './stores.ts';
export { parsePrometheusText, findSamples, sampleValue, type Exposition, type Sample } from './prom-text.ts';
