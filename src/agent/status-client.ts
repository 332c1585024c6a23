/**
 * Reads GET /status from every region's agent, for `meridian status`. Never throws for an agent
 * that does not answer: it is reported as unreachable with the reason.
 */
import { getJson } from '../common/http-get.ts';
import type { Topology } from '../spec/index.ts';
import type { AgentStatus } from './status.ts';

export type AgentReading =
  | { readonly region: string; readonly api: string; readonly kind: 'ok'; readonly status: AgentStatus }
  | { readonly region: string; readonly api: string; readonly kind: 'unreachable'; readonly reason: string };

/** A region's agent API (regions[].agent.api), when the topology gives one. */
export interface AgentAddress {
  readonly region: string;
  readonly api: string | undefined;
}

/** `headers`: the caller's credential (`authorization: Bearer …`, a viewer token at least). */
export async function readAgentStatuses(topology: Topology, timeoutMs = 2_000, headers: Readonly<Record<string, string>> = {}): Promise<AgentReading[]> {
  return readStatusesOf(topology.regions.map((r) => ({ region: r.name, api: r.agent?.api })), timeoutMs, headers);
}

/** The same from the agents' addresses alone (the lab's state has them, without a topology to load). */
export async function readStatusesOf(agents: readonly AgentAddress[], timeoutMs = 2_000, headers: Readonly<Record<string, string>> = {}): Promise<AgentReading[]> {
  return Promise.all(
    agents.map(async ({ region, api }): Promise<AgentReading> => {
      if (!api) return { region, api: '', kind: 'unreachable', reason: 'no agent address in the topology' };
      const got = await getJson(new URL('/status', api), { timeoutMs, headers });
      return 'body' in got ? { region, api, kind: 'ok', status: got.body as AgentStatus } : { region, api, kind: 'unreachable', reason: got.error };
    }),
  );
}
