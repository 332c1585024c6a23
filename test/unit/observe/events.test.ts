import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceAnswers } from '../../../src/gslb/index.ts';
import type { EndpointTransition, PeerStatus } from '../../../src/health/index.ts';
import { AgentObserver, answerChanges, peerChange, routedEvent, vantageEvent } from '../../../src/observe/index.ts';
import { KEYS, TOPOLOGY, stateOf, view } from './fixtures.ts';

const ref = { service: 'web', region: 'rb', address: '10.0.2.11' };

test('a vantage transition names the endpoint, the vantage point and the probe failure', () => {
  const t: EndpointTransition = { key: 'web/rb/10.0.2.11', ref, from: 'up', to: 'down', result: { kind: 'failed', reason: 'refused', latencyMs: 1 } };
  const e = vantageEvent('ra', t);
  assert.equal(e.kind, 'health.transition');
  assert.equal(e.summary, 'web/rb/10.0.2.11 up -> down seen from ra (refused)');
  assert.deepEqual(e.details, { scope: 'vantage', vantage: 'ra', key: 'web/rb/10.0.2.11', endpoint: ref, from: 'up', to: 'down', probe: { kind: 'failed', latencyMs: 1, reason: 'refused' } });
  const back = vantageEvent('ra', { ...t, from: 'down', to: 'up', result: { kind: 'ok', latencyMs: 2 } });
  assert.equal(back.summary, 'web/rb/10.0.2.11 down -> up seen from ra');
});

test('a routed transition says who decided and by how many votes', () => {
  const e = routedEvent('ra', { ref, up: false, downVotes: ['ra', 'rc'], voters: ['ra', 'rb', 'rc'] });
  assert.equal(e.summary, 'web/rb/10.0.2.11 routed down by ra: 2/3 vantage points see it down (ra, rc)');
  assert.equal(e.details.to, 'down');
  assert.equal(routedEvent('ra', { ref, up: true, downVotes: [], voters: ['ra', 'rb'] }).summary, 'web/rb/10.0.2.11 routed up by ra: 0/2 vantage points see it down');
});

const answers = (regions: string[], extra: Partial<ServiceAnswers['answers'][number]> = {}, network = '*'): ServiceAnswers['answers'][number] => ({
  clientNetwork: network, regions, addresses: regions.map((r) => `10.0.${r.length}.1`), failOpen: false, reason: 'r', ...extra,
});
const svc = (service: string, list: ServiceAnswers['answers']): ServiceAnswers => ({ service, fqdn: `${service}.z`, policy: 'failover', answers: list });

for (const [name, previous, next, expected] of [
  ['no change, no event', [svc('web', [answers(['ra'])])], [svc('web', [answers(['ra'])])], []],
  ['a failover', [svc('web', [answers(['ra'])])], [svc('web', [answers(['rb'])])], ['web answers rb (was ra) at ra']],
  ['only the changed service', [svc('web', [answers(['ra'])]), svc('api', [answers(['ra'])])], [svc('web', [answers(['ra'])]), svc('api', [answers([], { failOpen: true })])], ['api answers nothing (fail-open) (was ra) at ra']],
  ['weighted', [svc('wt', [answers(['ra', 'rb'], { weights: { ra: 3, rb: 1 } })])], [svc('wt', [answers(['ra'], { weights: { ra: 3 } })])], ['wt answers ra:3 (was ra:3, rb:1) at ra']],
  ['per client network, only the ones that changed', [svc('geo', [answers(['ra'], {}, 'eu'), answers(['rb'])])], [svc('geo', [answers(['rb'], {}, 'eu'), answers(['rb'])])], ['geo answers rb for eu (was ra) at ra']],
] as const) {
  test(`answer changes: ${name}`, () => {
    assert.deepEqual(answerChanges('ra', previous as readonly ServiceAnswers[], next as readonly ServiceAnswers[]).map((e) => e.summary), expected);
  });
}

test('peer reachability events carry the reason', () => {
  const p: PeerStatus = { region: 'rc', viewUrl: 'http://x/v1/view', reachability: 'unreachable', lastError: 'timeout', lastViewAgeMs: 900, fresh: false };
  assert.equal(peerChange('ra', p, 'reachable').summary, 'peer rc unreachable from ra: timeout');
  assert.equal(peerChange('ra', { ...p, reachability: 'reachable' }, 'unreachable').summary, 'peer rc reachable again from ra');
  assert.equal(peerChange('ra', { ...p, reachability: 'reachable' }, 'unknown').summary, 'peer rc reachable from ra');
});

test('the observer records start, peer changes only when they change, and counts events by kind', async () => {
  let clock = 5_000;
  const state = stateOf(view('ra', Object.fromEntries(KEYS.map((k) => [k, 'up' as const]))));
  const observer = new AgentObserver({ topology: TOPOLOGY, region: 'ra', bootId: 'b1', state: () => state, now: () => clock++, defaultMetrics: false });
  const peer = state.peers[0] as PeerStatus;
  observer.peersObserved([{ ...peer, reachability: 'unknown' }]);
  observer.peersObserved([{ ...peer, reachability: 'reachable' }]);
  observer.peersObserved([{ ...peer, reachability: 'reachable' }]);
  observer.peersObserved([{ ...peer, reachability: 'unreachable', lastError: 'ECONNREFUSED' }]);
  const page = observer.timeline.page();
  assert.deepEqual(page.events.map((e) => [e.seq, e.kind, e.summary]), [
    [1, 'agent.started', 'agent ra started'],
    [2, 'peer.reachability', 'peer rb reachable from ra'],
    [3, 'peer.reachability', 'peer rb unreachable from ra: ECONNREFUSED'],
  ]);
  assert.ok(page.events.every((e) => e.region === 'ra' && e.boot === 'b1'));
  assert.match(await observer.metrics.exposition(), /meridian_timeline_events_total\{kind="peer.reachability"\} 2/);
});
