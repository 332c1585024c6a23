/**
 * Reads GET /status from every region's agent, for `meridian status`. Never throws for an agent
 * that does not answer: it is reported as unreachable with the reason.
 */
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
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
      const got = await getJson(new URL('/status', api), timeoutMs);
      return 'body' in got
        ? { region: r.name, api, kind: 'ok', status: got.body as AgentStatus }
        : { region: r.name, api, kind: 'unreachable', reason: got.error };
    }),
  );
}

function getJson(url: URL, timeoutMs: number): Promise<{ body: unknown } | { error: string }> {
  const get = url.protocol === 'https:' ? httpsRequest : request;
  return new Promise((resolve) => {
    const req = get(url, { method: 'GET', agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve({ error: `status ${res.statusCode}` });
        try {
          resolve({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch {
          resolve({ error: 'response is not JSON' });
        }
      });
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.name === 'AbortError' ? 'timeout' : (err.code ?? err.message) }));
    req.end();
  });
}
