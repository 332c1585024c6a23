import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeViews, routingChanges, sameRouting } from '../../../src/health/index.ts';
import { A, B, C, TOPOLOGY, view } from './fixtures.ts';

const NOW = 100_000;
const STALE = 1_500;
const fresh = (v: ReturnType<typeof view>) => ({ view: v, receivedAtMs: NOW - 200 });
const stale = (v: ReturnType<typeof view>) => ({ view: v, receivedAtMs: NOW - STALE - 1 });

// Expected routing per endpoint a, b, c: 'U' routed up, 'D' routed down. `votes` = down/voters of b.
const cases: { name: string; self: ReturnType<typeof view>; peers: ReturnType<typeof fresh>[]; routed: string; bVotes: string; reachable: string[] }[] = [
  {
    name: 'all agents agree everything is up',
    self: view('ra', 'UUU'), peers: [fresh(view('rb', 'UUU')), fresh(view('rc', 'UUU'))],
    routed: 'UUU', bVotes: '0/3', reachable: ['rb', 'rc'],
  },
  {
    name: "one agent's bad network (only a sees b down) does not drain b",
    self: view('ra', 'UDU'), peers: [fresh(view('rb', 'UUU')), fresh(view('rc', 'UUU'))],
    routed: 'UUU', bVotes: '1/3', reachable: ['rb', 'rc'],
  },
  {
    name: 'the same seen from a healthy agent: b still up',
    self: view('rc', 'UUU'), peers: [fresh(view('ra', 'UDU')), fresh(view('rb', 'UUU'))],
    routed: 'UUU', bVotes: '1/3', reachable: ['ra', 'rb'],
  },
  {
    name: 'region b cut off by the network: the two survivors drain it (2 of 2)',
    self: view('ra', 'UDU'), peers: [fresh(view('rc', 'UDU')), stale(view('rb', 'DUD'))],
    routed: 'UDU', bVotes: '2/2', reachable: ['rc'],
  },
  {
    name: 'the cut-off agent b alone decides from its own view (static stability)',
    self: view('rb', 'DUD'), peers: [stale(view('ra', 'UDU')), stale(view('rc', 'UDU'))],
    routed: 'DUD', bVotes: '0/1', reachable: [],
  },
  {
    name: 'a tie (1 of 2) keeps the endpoint up',
    self: view('ra', 'UDU'), peers: [fresh(view('rc', 'UUU'))],
    routed: 'UUU', bVotes: '1/2', reachable: ['rc'],
  },
  {
    name: 'two of three agents see b down: drained',
    self: view('ra', 'UDU'), peers: [fresh(view('rb', 'UUU')), fresh(view('rc', 'UDU'))],
    routed: 'UDU', bVotes: '2/3', reachable: ['rb', 'rc'],
  },
  {
    name: 'a stale peer view stops counting: its down vote is gone',
    self: view('ra', 'UUU'), peers: [stale(view('rb', 'UDU')), fresh(view('rc', 'UDU'))],
    routed: 'UUU', bVotes: '1/2', reachable: ['rc'],
  },
  {
    name: 'a view exactly staleAfterMs old still counts',
    self: view('ra', 'UDU'), peers: [{ view: view('rc', 'UDU'), receivedAtMs: NOW - STALE }],
    routed: 'UDU', bVotes: '2/2', reachable: ['rc'],
  },
  {
    name: 'unknown is not a vote: self unknown, one peer down decides',
    self: view('ra', 'Uuu'), peers: [fresh(view('rc', 'UDu'))],
    routed: 'UDU', bVotes: '1/1', reachable: ['rc'],
  },
  {
    name: 'nobody knows yet: every endpoint up (unknown routes as up)',
    self: view('ra', 'uuu'), peers: [fresh(view('rb', 'uuu'))],
    routed: 'UUU', bVotes: '0/0', reachable: ['rb'],
  },
  {
    name: 'a peer claiming to be self is ignored',
    self: view('ra', 'UUU'), peers: [fresh(view('ra', 'DDD'))],
    routed: 'UUU', bVotes: '0/1', reachable: [],
  },
];

for (const c of cases) {
  test(`mergeViews: ${c.name}`, () => {
    const snapshot = mergeViews(TOPOLOGY, c.self, c.peers, NOW, STALE);
    const routed = [A, B, C].map((k) => (snapshot.endpoints.get(k)?.up ? 'U' : 'D')).join('');
    assert.equal(routed, c.routed);
    const b = snapshot.endpoints.get(B);
    assert.equal(`${b?.downVotes.length}/${b?.voters.length}`, c.bVotes);
    assert.deepEqual(snapshot.reachablePeers, c.reachable);
    assert.equal(snapshot.atMs, NOW);
  });
}

test('mergeViews: every topology endpoint is present, with its ref', () => {
  const snapshot = mergeViews(TOPOLOGY, view('ra', 'UUU'), [], NOW, STALE);
  assert.deepEqual([...snapshot.endpoints.keys()], [A, B, C]);
  assert.deepEqual(snapshot.endpoints.get(B)?.ref, { service: 'web', region: 'rb', address: '10.0.0.2' });
});

test('mergeViews: a peer going stale changes the verdict with time alone', () => {
  const peers = [{ view: view('rc', 'UDU'), receivedAtMs: NOW }];
  const before = mergeViews(TOPOLOGY, view('ra', 'UDU'), peers, NOW, STALE);
  const after = mergeViews(TOPOLOGY, view('ra', 'UUU'), peers, NOW + STALE + 1, STALE);
  assert.equal(before.endpoints.get(B)?.up, false);
  assert.equal(after.endpoints.get(B)?.up, true);
});

test('sameRouting / routingChanges: only routed up/down matters', () => {
  const one = mergeViews(TOPOLOGY, view('ra', 'UDU'), [fresh(view('rb', 'UUU')), fresh(view('rc', 'UUU'))], NOW, STALE);
  const other = mergeViews(TOPOLOGY, view('ra', 'UUU'), [fresh(view('rb', 'UUU'))], NOW + 10, STALE);
  const drained = mergeViews(TOPOLOGY, view('ra', 'UDU'), [fresh(view('rc', 'UDU'))], NOW, STALE);
  assert.equal(sameRouting(one, other), true, 'different votes, same routing');
  assert.equal(sameRouting(undefined, one), false);
  assert.equal(sameRouting(one, drained), false);
  assert.deepEqual(routingChanges(one, drained).map((v) => v.ref.region), ['rb']);
  assert.deepEqual(routingChanges(undefined, drained).map((v) => v.ref.region), ['rb']);
  assert.deepEqual(routingChanges(drained, one).map((v) => v.ref.region), ['rb']);
});
