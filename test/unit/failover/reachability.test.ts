/** Connect budgets from what a member did lately (src/failover/adapters/reachability.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Reachability } from '../../../src/failover/adapters/reachability.ts';

function at(startMs = 0) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

test('a member never seen or answering gets the configured timeouts', () => {
  const clock = at();
  const r = new Reachability({ connectMs: 1000, statementMs: 2000 }, clock.now);
  assert.deepEqual(r.timeoutsFor('eu'), { connectMs: 1000, statementMs: 2000 });
  r.record('eu', true, 12);
  assert.deepEqual(r.timeoutsFor('eu'), { connectMs: 1000, statementMs: 2000 });
});

test('a member silent a moment ago gets three times its usual answer time, within [250 ms, configured]', () => {
  const clock = at();
  const r = new Reachability({ connectMs: 1000, statementMs: 2000 }, clock.now);
  const cases: [usualMs: number, expectedMs: number][] = [[10, 250], [200, 600], [900, 1000]];
  for (const [usual, expected] of cases) {
    r.record('eu', true, usual);
    r.record('eu', false, 1000);
    assert.equal(r.timeoutsFor('eu').connectMs, expected, `usual ${usual} ms`);
    assert.equal(r.timeoutsFor('eu').statementMs, 2000);
  }
  r.record('us', false, 1000);
  assert.equal(r.timeoutsFor('us').connectMs, 1000, 'never answered: no usual time to go by');
});

test('after 15 s of silence full attempts again, so a member that came back slower is not kept out', () => {
  const clock = at();
  const r = new Reachability({ connectMs: 1000 }, clock.now);
  r.record('eu', true, 10);
  r.record('eu', false, 1000);
  clock.advance(10_000);
  r.record('eu', false, 250);
  r.timeoutsFor('eu'); // this second's full attempt
  assert.equal(r.timeoutsFor('eu').connectMs, 250, 'counted from the first failure, not the last');
  clock.advance(5_001);
  assert.equal(r.timeoutsFor('eu').connectMs, 1000);
  assert.equal(r.timeoutsFor('eu').connectMs, 1000);
});

test('while silent, one full attempt every 2 s: a member restarting slowly is noticed within seconds', () => {
  const clock = at();
  const r = new Reachability({ connectMs: 1000 }, clock.now);
  r.record('eu', true, 10);
  r.record('eu', false, 1000);
  const budgets: number[] = [];
  for (let i = 0; i < 10; i++) {
    budgets.push(r.timeoutsFor('eu').connectMs ?? 0);
    clock.advance(500);
  }
  assert.deepEqual(budgets, [250, 250, 250, 250, 1000, 250, 250, 250, 1000, 250]);
});

test('observe times the contact and records the verdict', async () => {
  const clock = at();
  const r = new Reachability({ connectMs: 1000 }, clock.now);
  await r.observe('eu', async () => (clock.advance(20), { reachable: true }), (x) => x.reachable);
  await r.observe('eu', async () => (clock.advance(1000), { reachable: false }), (x) => x.reachable);
  assert.equal(r.timeoutsFor('eu').connectMs, 250);
});

test('silentFor: how long ago a silent member last failed; undefined once it answers', () => {
  const clock = at();
  const r = new Reachability({ connectMs: 1000 }, clock.now);
  assert.equal(r.silentFor('eu'), undefined);
  r.record('eu', false, 250);
  clock.advance(300);
  r.record('eu', false, 250);
  clock.advance(100);
  assert.equal(r.silentFor('eu'), 100);
  r.record('eu', true, 10);
  assert.equal(r.silentFor('eu'), undefined);
});
