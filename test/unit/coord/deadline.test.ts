import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deadlineAfterRound, extendDeadline, leaseTiming, nextRoundAtMs, safetyMarginMs } from '../../../src/coord/deadline.ts';

describe('lease deadline math', () => {
  const timing = leaseTiming(2000, 200);

  test('keepalive every TTL/3; each request times out within half a period', () => {
    assert.deepEqual(timing, { ttlMs: 2000, marginMs: 200, keepaliveEveryMs: 666, requestTimeoutMs: 333 });
  });

  test('the deadline counts from the SEND time of the confirmed round, not the ack time', () => {
    const sentAtMs = 10_000;
    const ackAtMs = 10_900; // a slow answer must not buy the holder 900 ms more
    const deadline = deadlineAfterRound(timing, sentAtMs);
    assert.equal(deadline, 11_800);
    assert.ok(deadline < ackAtMs + timing.ttlMs - timing.marginMs);
  });

  const extensions = [
    { name: 'a newer round extends', current: 11_800, sent: 10_666, expected: 12_466 },
    { name: 'a reordered older round never shortens', current: 12_466, sent: 10_000, expected: 12_466 },
    { name: 'the same round twice changes nothing', current: 11_800, sent: 10_000, expected: 11_800 },
  ];
  for (const c of extensions) {
    test(`extendDeadline: ${c.name}`, () => assert.equal(extendDeadline(timing, c.current, c.sent), c.expected));
  }

  const margins = [
    { ttlMs: 500, expected: 100 },
    { ttlMs: 2000, expected: 200 },
    { ttlMs: 10_000, expected: 1000 },
    { ttlMs: 60_000, expected: 1000 },
  ];
  for (const c of margins) {
    test(`safety margin for TTL ${c.ttlMs}ms is ${c.expected}ms`, () => assert.equal(safetyMarginMs(c.ttlMs), c.expected));
  }

  test('next round: on cadence after success, a third of it after failure, never in the past', () => {
    assert.equal(nextRoundAtMs(timing, 1000, 1010, true), 1666);
    assert.equal(nextRoundAtMs(timing, 1000, 1010, false), 1222);
    assert.equal(nextRoundAtMs(timing, 1000, 2500, true), 2500);
  });

  test('rejects a TTL or margin that leaves no room for a keepalive', () => {
    assert.throws(() => leaseTiming(0), /TTL must be positive/);
    assert.throws(() => leaseTiming(2000, 1000), /margin/);
    assert.throws(() => leaseTiming(2000, -1), /margin/);
  });
});
