import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { orderView, parseView, PeerExchange, type PostFn, type PostOutcome, type VantageView } from '../../../src/health/index.ts';
import { view } from './fixtures.ts';

const cases: { name: string; held?: VantageView; incoming: VantageView; verdict: string }[] = [
  { name: 'first view from a peer', incoming: view('rb', 'UUU', 5), verdict: 'accepted' },
  { name: 'higher seq from the same boot', held: view('rb', 'UUU', 5), incoming: view('rb', 'UDU', 6), verdict: 'accepted' },
  { name: 'lower seq from the same boot (late delivery)', held: view('rb', 'UUU', 5), incoming: view('rb', 'UDU', 4), verdict: 'olderSeq' },
  { name: 'same seq again (periodic re-push)', held: view('rb', 'UUU', 5), incoming: view('rb', 'UUU', 5), verdict: 'duplicate' },
  { name: 'restarted sender: seq 1 with a new boot id', held: view('rb', 'UUU', 90), incoming: view('rb', 'uuu', 1, 'boot-2'), verdict: 'accepted' },
];
for (const c of cases) {
  test(`orderView: ${c.name}`, () => assert.equal(orderView(c.held, c.incoming), c.verdict));
}

test('parseView: accepts a view, rejects a malformed one with a reason', () => {
  assert.deepEqual(parseView(JSON.parse(JSON.stringify(view('rb', 'UDu')))), { view: view('rb', 'UDu') });
  const bad = parseView({ ...view('rb', 'UUU'), endpoints: { x: 'sideways' } });
  assert.ok('error' in bad && bad.error.startsWith('invalid view: endpoints.x'), JSON.stringify(bad));
  assert.ok('error' in parseView(null));
});

/** A post port that records calls and lets the test settle each one. */
function controlledPost() {
  const calls: { url: string; body: VantageView; settle: (o: PostOutcome) => void }[] = [];
  const post: PostFn = (url, body) => new Promise((settle) => calls.push({ url, body: body as VantageView, settle }));
  return { calls, post };
}

function exchange(post: PostFn, clock: { now: number }, onView: (v: VantageView) => void = () => {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const peers = new PeerExchange({
    self: 'ra',
    peers: [{ region: 'rb', viewUrl: 'http://rb/v1/view' }],
    periodMs: 60_000,
    timeoutMs: 100,
    staleAfterMs: 1_500,
    logger,
    now: () => clock.now,
    onView,
    post,
  });
  return { peers, lines };
}

const tick = () => new Promise((r) => setImmediate(r));

test('PeerExchange: one request in flight per peer; only the newest view follows', async () => {
  const { calls, post } = controlledPost();
  const { peers } = exchange(post, { now: 0 });
  peers.publish(view('ra', 'UUU', 1));
  peers.publish(view('ra', 'UDU', 2));
  peers.publish(view('ra', 'UDD', 3));
  assert.equal(calls.length, 1, 'no second request while one is in flight');
  calls[0]?.settle({ kind: 'delivered' });
  await tick();
  assert.deepEqual(calls.map((c) => c.body.seq), [1, 3], 'seq 2 was superseded, never sent');
  calls[1]?.settle({ kind: 'delivered' });
  await peers.close();
});

test('PeerExchange: unreachable is logged once per transition', async () => {
  const { calls, post } = controlledPost();
  const { peers, lines } = exchange(post, { now: 0 });
  const outcomes: PostOutcome[] = [
    { kind: 'failed', reason: 'ECONNREFUSED' },
    { kind: 'failed', reason: 'timeout' },
    { kind: 'delivered' },
    { kind: 'delivered' },
  ];
  for (const [i, outcome] of outcomes.entries()) {
    peers.publish(view('ra', 'UUU', i + 1));
    calls[i]?.settle(outcome);
    await tick();
  }
  const events = lines.filter((l) => l.event === 'peer.reachability').map((l) => `${l.from}->${l.to}`);
  assert.deepEqual(events, ['unknown->unreachable', 'unreachable->reachable']);
  assert.equal(peers.status()[0]?.reachability, 'reachable');
  await peers.close();
});

test('PeerExchange: received views are ordered, aged by our clock, and unknown senders refused', async () => {
  const clock = { now: 1_000 };
  const accepted: number[] = [];
  const { peers } = exchange(controlledPost().post, clock, (v) => accepted.push(v.seq));
  assert.equal(peers.receive(view('rb', 'UUU', 2)), 'accepted');
  assert.equal(peers.receive(view('rb', 'UDU', 1)), 'olderSeq');
  assert.equal(peers.receive(view('zz', 'UDU', 1)), 'unknownPeer');
  clock.now = 1_400;
  assert.equal(peers.receive(view('rb', 'UUU', 2)), 'duplicate');
  assert.deepEqual(accepted, [2], 'only accepted views trigger a merge');
  clock.now = 2_000;
  const [status] = peers.status();
  assert.equal(status?.lastViewAgeMs, 600, 'a duplicate still refreshes the arrival time');
  assert.equal(status?.fresh, true);
  clock.now = 3_000;
  assert.equal(peers.status()[0]?.fresh, false);
  assert.deepEqual(peers.receivedViews().map((r) => r.view.seq), [2]);
  await peers.close();
});

test('PeerExchange: a region with two agents: each process ordered by its own seq, the newest arrival counts, a quiet one is forgotten', async () => {
  const clock = { now: 1_000 };
  const { peers } = exchange(controlledPost().post, clock);
  assert.equal(peers.receive(view('rb', 'UUU', 40, 'pod-1')), 'accepted');
  clock.now = 1_100;
  assert.equal(peers.receive(view('rb', 'UDU', 3, 'pod-2')), 'accepted', 'a low seq from the other pod is not "older"');
  clock.now = 1_200;
  assert.equal(peers.receive(view('rb', 'UUU', 39, 'pod-1')), 'olderSeq', 'but a late one from the same pod is');
  assert.deepEqual(peers.receivedViews().map((r) => `${r.view.bootId}#${r.view.seq}`).sort(), ['pod-1#40', 'pod-2#3']);
  assert.equal(peers.status()[0]?.view?.bootId, 'pod-2', 'status shows the newest arrival');
  clock.now = 3_000; // pod-1 silent for longer than staleAfterMs (1.5 s)
  assert.equal(peers.receive(view('rb', 'UDD', 4, 'pod-2')), 'accepted');
  assert.deepEqual(peers.receivedViews().map((r) => `${r.view.bootId}#${r.view.seq}`), ['pod-2#4'], 'the silent process is dropped');
  await peers.close();
});
