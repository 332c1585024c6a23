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

export async function readAgentStatuses(topology: Topology, timeoutMs = 2_000): Promise<AgentReading[]> {
  return Promise.all(
    topology.regions.map(async (r): Promise<AgentReading> => {
      const api = r.agent?.api;
      if (!api) return { region: r.name, api: '', kind: 'unreachable', reason: 'no agent address in the topology' };
      const got = await getJson(new URL('/status', api), { timeoutMs });
      return 'body' in got
        ? { region: r.name, api, kind: 'ok', status: got.body as AgentStatus }
        : { region: r.name, api, kind: 'unreachable', reason: got.error };
    }),
  );
}
