/**
 * health: whether each public endpoint should receive traffic, decided by a majority of vantage
 * points. Each regional agent probes every endpoint through the path users take (Prober →
 * thresholds → its own VantageView), exchanges views with its peers (PeerExchange), and merges
 * them (mergeViews) into the HealthSnapshot that routing reads.
 *
 * A caller (the agent) must: start a Prober, turn its transitions into a new view (nextView),
 * publish that view to the PeerExchange, hand received views to `receive`, and call mergeViews on
 * every change and on a timer (peer views go stale with time, not only with messages).
 */
export * from './types.ts';
export { applyProbeResult, replayProbeResults, INITIAL_THRESHOLD_STATE, type Thresholds, type ThresholdState } from './thresholds.ts';
export { probeEndpoint, probeUrl, createProbeAgent, type ProbeResult, type ProbeFailure, type ProbeTarget, type ProbeOptions } from './probe.ts';
export { Prober, type ProberOptions, type EndpointTransition, type ProbeFn } from './prober.ts';
export { mergeViews, isFresh, sameRouting, routingChanges, type ReceivedView } from './quorum.ts';
export { PeerExchange, type PeerTarget, type PeerStatus, type PeerReachability, type PeerExchangeOptions, type ReceiveOutcome, type PostFn } from './peers.ts';
export { orderView, parseView, VantageViewSchema, type ViewVerdict } from './view-order.ts';
export { postJson, postJsonForAnswer, type AnswerOutcome, type ClientTls, type PostOptions, type PostOutcome } from './http-post.ts';
export { topologyEndpoints, smallestIntervalMs, staleAfterMsFor, type ProbedEndpoint } from './endpoints.ts';
export { newBootId, firstView, nextView } from './view.ts';
export { SiblingRelay, RELAYED_HEADER, type SiblingRelayOptions, type SiblingStatus } from './sibling-relay.ts';
export { SiblingDirectory, siblingViewUrls, type SiblingEntry, type SelfApi, type LookupAll } from './sibling-directory.ts';
