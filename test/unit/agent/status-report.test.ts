import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentsTable, answersTable, buildStatus, healthTable, summarize, type AgentReading } from '../../../src/agent/index.ts';
import { mergeViews, type PeerStatus, type VantageView } from '../../../src/health/index.ts';
import type { ServiceAnswers } from '../../../src/gslb/index.ts';
import { TOPOLOGY, view } from '../health/fixtures.ts';

const NOW = 50_000;
const ANSWERS: ServiceAnswers[] = [
  { service: 'web', fqdn: 'web.global.test', policy: 'failover', answers: [{ clientNetwork: '*', regions: ['rb'], addresses: ['10.0.0.2'], failOpen: false, reason: 'ra down by majority' }] },
];

function statusOf(self: VantageView, peerViews: VantageView[]) {
  const received = peerViews.map((v) => ({ view: v, receivedAtMs: NOW - 100 }));
  const peers: PeerStatus[] = ['ra', 'rb', 'rc'].filter((r) => r !== self.vantage).map((region) => {
    const v = peerViews.find((p) => p.vantage === region);
    return { region, viewUrl: `http://${region}/v1/view`, reachability: v ? 'reachable' : 'unreachable', lastViewAgeMs: v ? 100 : null, fresh: !!v, ...(v ? { view: v } : {}) };
  });
  return buildStatus({
    topology: TOPOLOGY, view: self, snapshot: mergeViews(TOPOLOGY, self, received, NOW, 1_500), peers, staleAfterMs: 1_500, answers: ANSWERS,
    lastProbe: (key) => (key.includes('/ra/') ? { kind: 'failed', reason: 'refused', latencyMs: 1 } : { kind: 'ok', latencyMs: 2 }),
  });
}

test('buildStatus: per service, per region, per endpoint: routed verdict, votes and each vantage', () => {
  const s = statusOf(view('rb', 'DUU', 7), [view('ra', 'UUU')]);
  assert.equal(s.region, 'rb');
  assert.equal(s.viewSeq, 7);
  assert.deepEqual(s.peers.map((p) => [p.region, p.reachability, p.fresh, p.viewSeq ?? null]), [['ra', 'reachable', true, 1], ['rc', 'unreachable', false, null]]);
  const ra = s.services[0]?.regions.find((r) => r.region === 'ra')?.endpoints[0];
  assert.deepEqual(ra, {
    address: '10.0.0.1', routed: 'up', downVotes: ['rb'], voters: ['rb', 'ra'],
    vantages: { rb: { state: 'down', fresh: true }, ra: { state: 'up', fresh: true } },
    lastProbe: { kind: 'failed', reason: 'refused', latencyMs: 1 },
  });
  assert.deepEqual(s.answers, ANSWERS);
});

test('healthTable: columns are vantage points (each agent’s own view), unreachable agents marked, routed verdicts compared', () => {
  const readings: AgentReading[] = [
    { region: 'ra', api: 'http://ra', kind: 'ok', status: statusOf(view('ra', 'DUU'), [view('rb', 'DUU')]) },
    { region: 'rb', api: 'http://rb', kind: 'ok', status: statusOf(view('rb', 'DUU'), []) },
    { region: 'rc', api: 'http://rc', kind: 'unreachable', reason: 'timeout' },
  ];
  const t = healthTable(readings);
  assert.deepEqual(t.header, ['service/region', 'seen from ra', 'seen from rb', 'seen from rc', 'routed']);
  assert.deepEqual(t.rows, [
    // ra counts 2 of 2 down; rb alone (no fresh peer) also decides down.
    ['web/ra', 'down', 'down', 'unreachable', 'down'],
    ['web/rb', 'up', 'up', 'unreachable', 'up'],
    ['web/rc', 'up', 'up', 'unreachable', 'up'],
  ]);
  const disagree = healthTable([
    { region: 'ra', api: 'http://ra', kind: 'ok', status: statusOf(view('ra', 'DUU'), [view('rb', 'DUU')]) },
    { region: 'rc', api: 'http://rc', kind: 'ok', status: statusOf(view('rc', 'UUU'), [view('rb', 'UUU')]) },
  ]);
  assert.deepEqual(disagree.rows[0], ['web/ra', 'down', 'up', 'down (ra); up (rc)']);
  assert.deepEqual(agentsTable(readings).rows, [
    ['ra', 'http://ra', 'ok', 'rb'],
    ['rb', 'http://rb', 'ok', 'none'],
    ['rc', 'http://rc', 'unreachable (timeout)', '-'],
  ]);
});

test('answersTable and summarize', () => {
  const s = statusOf(view('ra', 'UUU'), []);
  assert.deepEqual(answersTable(s).rows, [['web', 'web.global.test', 'failover', '*', 'rb', '10.0.0.2', 'ra down by majority']]);
  assert.equal(summarize(['up', 'up']), 'up');
  assert.equal(summarize(['up', 'down', 'up']), '1 down, 2 up');
  assert.equal(summarize([]), '-');
});
