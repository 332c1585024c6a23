/**
 * Timeline events built from the agent's own records, with the same fields as its structured
 * logs (`event: 'health.transition' | 'answers.changed' | 'peer.reachability'`). Pure.
 */
import type { ServiceAnswers } from '../gslb/index.ts';
import type { EndpointTransition, EndpointVerdict, PeerReachability, PeerStatus } from '../health/index.ts';
import { endpointKey } from '../health/index.ts';
import type { NewEvent } from './timeline.ts';

export function vantageEvent(vantage: string, t: EndpointTransition): NewEvent {
  const reason = t.result.kind === 'failed' ? t.result.reason : undefined;
  return {
    kind: 'health.transition',
    summary: `${t.key} ${t.from} -> ${t.to} seen from ${vantage}${reason ? ` (${reason})` : ''}`,
    details: {
      scope: 'vantage',
      vantage,
      key: t.key,
      endpoint: t.ref,
      from: t.from,
      to: t.to,
      probe: { kind: t.result.kind, latencyMs: t.result.latencyMs, ...(reason ? { reason } : {}) },
    },
  };
}

export function routedEvent(vantage: string, v: EndpointVerdict): NewEvent {
  const to = v.up ? 'up' : 'down';
  const who = v.downVotes.length > 0 ? ` (${v.downVotes.join(', ')})` : '';
  return {
    kind: 'health.transition',
    summary: `${endpointKey(v.ref)} routed ${to} by ${vantage}: ${v.downVotes.length}/${v.voters.length} vantage points see it down${who}`,
    details: { scope: 'routed', vantage, key: endpointKey(v.ref), endpoint: v.ref, from: v.up ? 'down' : 'up', to, downVotes: v.downVotes, voters: v.voters },
  };
}

type Answer = ServiceAnswers['answers'][number];

/** One event per service whose answers changed. */
export function answerChanges(vantage: string, previous: readonly ServiceAnswers[], next: readonly ServiceAnswers[]): NewEvent[] {
  const before = new Map(previous.map((s) => [s.service, s]));
  return next.flatMap((service): NewEvent[] => {
    const old = before.get(service.service)?.answers ?? [];
    if (JSON.stringify(compact(old)) === JSON.stringify(compact(service.answers))) return [];
    const oldByNetwork = new Map(old.map((a) => [a.clientNetwork, a]));
    const same = (a: Answer, b: Answer | undefined) => b !== undefined && JSON.stringify(compact([a])) === JSON.stringify(compact([b]));
    const parts = service.answers
      .filter((a) => !same(a, oldByNetwork.get(a.clientNetwork)))
      .map((a) => {
        const was = oldByNetwork.get(a.clientNetwork);
        const scope = service.answers.length > 1 ? ` for ${a.clientNetwork === '*' ? 'other clients' : a.clientNetwork}` : '';
        return `${regionsText(a)}${scope}${was ? ` (was ${regionsText(was)})` : ''}`;
      });
    return [{
      kind: 'answers.changed',
      summary: `${service.service} answers ${parts.join('; ') || 'changed'} at ${vantage}`,
      details: { vantage, service: service.service, previous: compact(old), answers: compact(service.answers) },
    }];
  });
}

export function peerChange(self: string, p: PeerStatus, from: PeerReachability): NewEvent {
  const again = from === 'unreachable' ? ' again' : '';
  return {
    kind: 'peer.reachability',
    summary: p.reachability === 'unreachable'
      ? `peer ${p.region} unreachable from ${self}${p.lastError ? `: ${p.lastError}` : ''}`
      : `peer ${p.region} ${p.reachability}${again} from ${self}`,
    details: { self, peer: p.region, from, to: p.reachability, ...(p.lastError ? { reason: p.lastError } : {}) },
  };
}

function regionsText(a: Answer): string {
  const regions = a.weights ? Object.entries(a.weights).map(([r, w]) => `${r}:${w}`) : a.regions;
  return `${regions.join(', ') || 'nothing'}${a.failOpen ? ' (fail-open)' : ''}`;
}

function compact(answers: readonly Answer[]) {
  return answers.map((a) => ({ clientNetwork: a.clientNetwork, regions: a.regions, addresses: a.addresses, weights: a.weights, failOpen: a.failOpen }));
}
