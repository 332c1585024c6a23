/**
 * A MemberHost in another region: the coordinator asks that region's agent (its API) to demote
 * or rejoin its own database, presenting the coordinator's fencing token. That agent checks the
 * token against the election key in etcd before it touches anything.
 */
import { InfraError } from '../../common/errors.ts';
import type { FencingToken } from '../../coord/index.ts';
import type { PortOutcome, RejoinMethod } from '../../failover/index.ts';
import type { MemberHost } from '../../failover/adapters/index.ts';

/** A rebuild runs in the background on that agent: the request only starts it or asks how it goes. */
const REJOIN_TIMEOUT_MS = 10_000;
const DEMOTE_TIMEOUT_MS = 2 * 60_000;

export function remoteMemberHost(apiUrl: string, store: string, token: () => FencingToken | undefined): MemberHost {
  const call = async (op: 'demote' | 'rejoin', body: Record<string, string>, timeoutMs: number): Promise<PortOutcome> => {
    const current = token();
    if (current === undefined) return { kind: 'refused', detail: 'this agent is not the coordinator any more' };
    const url = new URL(`/v1/stores/${encodeURIComponent(store)}/local/${op}`, apiUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, token: current.toString() }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new InfraError(`the agent at ${apiUrl} did not answer the ${op} request`, { cause: err });
    }
    const answer = (await res.json().catch(() => ({}))) as { kind?: string; detail?: string; error?: string };
    if (answer.kind === 'done' || answer.kind === 'refused' || answer.kind === 'pending') return { kind: answer.kind, detail: answer.detail ?? '' };
    throw new InfraError(`the agent at ${apiUrl} answered the ${op} request with status ${res.status}: ${answer.error ?? 'no detail'}`);
  };
  return {
    demote: (to) => call('demote', { to: to.name }, DEMOTE_TIMEOUT_MS),
    rejoin: (from, method: RejoinMethod) => call('rejoin', { from: from.name, method }, REJOIN_TIMEOUT_MS),
  };
}
