/**
 * agent: the regional agent process. One per region; it probes every service endpoint of every
 * region from here (a vantage point), exchanges views with the other regions' agents, merges them
 * by majority, and serves the resulting GSLB answers as authoritative DNS, plus a small HTTP API
 * (/healthz, /status, /v1/view).
 *
 * A caller must: load a validated Topology in which every region has `agent` and every service
 * has endpoints for the regions its policy uses (runAgent checks and throws InputError), call
 * runAgent, and call close() on shutdown (SIGTERM/SIGINT).
 */
export { runAgent, type RunAgentOptions, type RunningAgent } from './run.ts';
export { planAgent, parseHostPort, type AgentPlan, type ListenAddress, type PlanOverrides } from './plan.ts';
export { buildStatus, type AgentStatus, type EndpointStatus, type VantageCell } from './status.ts';
export { readAgentStatuses, type AgentReading } from './status-client.ts';
export { agentsTable, healthTable, answersTable, summarize, type Table } from './status-report.ts';
export { explainBindError } from './bind.ts';
