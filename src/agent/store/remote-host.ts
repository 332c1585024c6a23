/**
 * A MemberHost in another region: the coordinator asks that region's agent to demote or rejoin
 * its own database, presenting the coordinator's fencing token. That agent checks the token
 * against the election key in etcd before it touches anything, and, over mutual TLS (its peer
 * listener), that this agent's certificate names the coordinator's region (../tls/peer-access.ts).
 */
import { InfraError } from '../../common/errors.ts';
import type { FencingToken } from '../../coord/index.ts';
import type { PortOutcome, RejoinMethod } from '../../failover/index.ts';
import type { MemberHost } from '../../failover/adapters/index.ts';
import { postJsonForAnswer, type ClientTls } from '../../health/index.ts';

/** A rebuild runs in the background on that agent: the request only starts it or asks how it goes. */
const REJOIN_TIMEOUT_MS = 10_000;
const DEMOTE_TIMEOUT_MS = 2 * 60_000;

/** Where that region's agent serves the local routes: its API (`http://…`), or its peer listener (`https://…`) with this agent's TLS options. */
export interface MemberAgent {
  readonly baseUrl: string;
  readonly tls?: () => ClientTls;
}

export function remoteMemberHost(agent: MemberAgent, store: string, token: () => FencingToken | undefined): MemberHost {
  const { baseUrl } = agent;
  const call = async (op: 'demote' | 'rejoin', body: Record<string, string>, timeoutMs: number): Promise<PortOutcome> => {
    const current = token();
    if (current === undefined) return { kind: 'refused', detail: 'this agent is not the coordinator any more' };
    const url = new URL(`/v1/stores/${encodeURIComponent(store)}/local/${op}`, baseUrl).toString();
    const outcome = await postJsonForAnswer(url, { ...body, token: current.toString() }, { timeoutMs, ...(agent.tls ? { tls: agent.tls() } : {}) });
    if (outcome.kind === 'failed') throw new InfraError(`the agent at ${baseUrl} did not answer the ${op} request: ${outcome.reason}`);
    const answer = (typeof outcome.body === 'object' && outcome.body !== null ? outcome.body : {}) as { kind?: string; detail?: string; error?: string };
    if (answer.kind === 'done' || answer.kind === 'refused' || answer.kind === 'pending') return { kind: answer.kind, detail: answer.detail ?? '' };
    throw new InfraError(`the agent at ${baseUrl} answered the ${op} request with status ${outcome.status}: ${answer.error ?? 'no detail'}`);
  };
  return {
    demote: (to) => call('demote', { to: to.name }, DEMOTE_TIMEOUT_MS),
    rejoin: (from, method: RejoinMethod) => call('rejoin', { from: from.name, method }, REJOIN_TIMEOUT_MS),
  };
}
