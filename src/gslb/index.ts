/**
 * gslb: global server load balancing by authoritative DNS.
 *
 * A routing policy (failover, weighted, geo, latency, all-healthy) turns one HealthSnapshot into
 * the regions and endpoints each service answers with; the answer table encodes every response
 * of the zone once; the DNS server serves those bytes over UDP and TCP.
 *
 * What a caller must do: build a new table with buildAnswerTable() whenever the topology or the
 * health snapshot changes (never per query), and give startDnsServer() a getter that returns the
 * current table. The server reads it once per query, so swapping is atomic. Close the server on
 * shutdown. Policies are pure; the only clock read is the default SOA serial (pass `serial` to
 * avoid it), and nothing counts queries globally: use startDnsServer's onQuery for metrics (it gets
 * the query type and response code as the answer table knew them, without a second decode).
 *
 * Operators' traffic controls (drains, weight overrides) are an input of the table like health:
 * pass the ones in force as `controls` and rebuild when they change. Judge a change with
 * planTrafficChange (the safety rules) before storing it.
 *
 * Overload holds (capacity-rules.ts, `capacity.onOverload: hold`) are an input too: compute them
 * with overloadHolds() from the health, the controls and the measured load, pass heldRegions() as
 * `held`, and rebuild when they change.
 */
export { buildAnswerTable, type AnswerTable, type AnswerTableOptions, type ClientInfo, type ExchangeCodes } from './answer-table.ts';
export { DROPPED, NO_QTYPE, RCODE, typeCode } from './wire.ts';
export type { ServiceAnswers } from './describe.ts';
export type { StaticName, StaticNames } from './zone.ts';
export { staticNameOf } from './zone.ts';
export { ResponseRateLimiter, rateLimitOf, clientNetwork, type RateLimitSettings, type RateVerdict } from './rate-limit.ts';
export { TCP_DEFAULTS, type TcpLimits } from './tcp.ts';
export { startDnsServer, type DnsServer, type DnsServerOptions, type QueryEvent } from './dns-server.ts';
export type { DnsTransport, DatagramHandler, UdpTransportFactory } from './transport.ts';
export { chooseUdpTransport, UDP_TRANSPORT_ENV, type UdpTransportChoice } from './native-transport.ts';
export { decide, dependsOnClient, policyRegions, NO_HOLDS, type HeldRegions, type RoutingDecision, type RegionChoice, type PolicyType } from './policy.ts';
export { answeringRegions, capacityIfLost, heldRegions, overloadHolds, serviceCapacity, type OverloadHold } from './capacity-rules.ts';
export {
  NO_CONTROLS, drainOf, weightOf, describeDrain, type TrafficControls, type Drain, type WeightOverride, type ControlOrigin,
} from './traffic-controls.ts';
export { checkSafety, describeViolation, minHealthyRegionsOf, regionStates, type SafetyRule, type SafetyVerdict, type Violation } from './traffic-safety.ts';
export { planTrafficChange, invalidNames, type TrafficRequest, type ChangePlan } from './traffic-change.ts';
export { encodeTrafficControls, decodeTrafficControls } from './traffic-records.ts';
export { previewDrain, type DrainPreview, type ServiceDrainEffect } from './traffic-preview.ts';
export { clientNetworkMatcher, type ClientNetworkMatcher } from './client-networks.ts';
