import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../../../src/coord/clock.ts';
import { leaseTiming } from '../../../src/coord/deadline.ts';
import { LeaseKeeper, type LeaseBackend, type RoundResult } from '../../../src/coord/lease-keeper.ts';
import type { LeaseLostReason, ReleaseOutcome } from '../../../src/coord/ports.ts';

const silent = pino({ level: 'silent' });
const TTL = 3000;
const MARGIN = 300; // keepalive every 1000 ms

/** A backend whose rounds answer as `answer` says; 'silence' never settles (a partition). */
class ScriptedBackend implements LeaseBackend {
  answer: RoundResult | 'silence' = { kind: 'confirmed' };
  /** Simulated network delay of each answer, on the manual clock. */
  delayMs = 0;
  rounds: number[] = [];
  revokes = 0;
  constructor(private readonly clock: ManualClock) {}
  renewRound(): Promise<RoundResult> {
    this.rounds.push(this.clock.nowMs());
    const answer = this.answer;
    if (answer === 'silence') return new Promise(() => {});
    return new Promise((resolve) => this.clock.after(this.delayMs, () => resolve(answer)));
  }
  async revoke(): Promise<ReleaseOutcome> {
    this.revokes++;
    return { kind: 'revoked' };
  }
}

function setup(grantSentAtMs = 0) {
  const clock = new ManualClock(grantSentAtMs);
  const backend = new ScriptedBackend(clock);
  const lease = new LeaseKeeper({
    key: 'meridian/primary/db', holderId: 'eu', token: 7n, timing: leaseTiming(TTL, MARGIN),
    grantSentAtMs, clock, backend, log: silent,
  });
  const lost: { reason: LeaseLostReason; atMs: number }[] = [];
  lease.onLost((reason) => lost.push({ reason, atMs: clock.nowMs() }));
  return { clock, backend, lease, lost };
}

describe('LeaseKeeper', () => {
  test('stays valid across many TTLs while rounds are confirmed, one round per TTL/3', async () => {
    const { clock, backend, lease, lost } = setup();
    await clock.advance(10 * TTL);
    assert.equal(lost.length, 0);
    assert.ok(lease.isValid());
    assert.deepEqual(backend.rounds.slice(0, 3), [1000, 2000, 3000]);
    assert.equal(lease.validUntilMs(), 30_000 + TTL - MARGIN);
    await lease.release();
  });

  test('a holder that hears nothing gives up at its last confirmed SEND time + TTL − margin', async () => {
    const { clock, backend, lease, lost } = setup();
    await clock.advance(2500); // rounds sent at 1000 and 2000 are confirmed
    backend.answer = 'silence';
    await clock.advance(10_000);
    assert.equal(lost.length, 1);
    assert.deepEqual(lost[0], { reason: { kind: 'deadlinePassed', deadlineMs: 4700 }, atMs: 4700 });
    assert.equal(lease.isValid(), false);
    assert.equal(lease.validUntilMs(), 0);
  });

  test('with a slow network the deadline still counts from the send time', async () => {
    const { clock, backend, lease } = setup();
    backend.delayMs = 400;
    await clock.advance(1500); // round sent at 1000, acked at 1400
    assert.equal(lease.validUntilMs(), 1000 + TTL - MARGIN);
    await lease.release();
  });

  test('a confirmation that arrives after the deadline does not revive the lease', async () => {
    const { clock, backend, lease, lost } = setup();
    backend.delayMs = 2800; // round sent at 1000 would be confirmed at 3800, after the 2700 deadline
    await clock.advance(5000);
    assert.equal(lost[0]?.reason.kind, 'deadlinePassed');
    assert.equal(lost[0]?.atMs, 2700);
    assert.equal(lease.isValid(clock.nowMs()), false);
    assert.equal(lost.length, 1);
  });

  test('unreachable rounds are retried sooner; one success in time keeps the lease', async () => {
    const { clock, backend, lease, lost } = setup();
    backend.answer = { kind: 'unreachable', reason: 'boom' };
    await clock.advance(1700); // rounds at 1000, 1333, 1666 fail
    backend.answer = { kind: 'confirmed' };
    await clock.advance(400); // round at 1999 succeeds
    assert.equal(lost.length, 0);
    assert.equal(lease.validUntilMs(), 1999 + TTL - MARGIN);
    await lease.release();
  });

  test('the quorum saying the lease is gone ends it at once, and revokes best effort', async () => {
    const { clock, backend, lost } = setup();
    backend.answer = { kind: 'gone', detail: 'lease expired or revoked on the server' };
    await clock.advance(1000);
    assert.deepEqual(lost, [{ reason: { kind: 'goneOnServer', detail: 'lease expired or revoked on the server' }, atMs: 1000 }]);
    assert.equal(backend.revokes, 1);
  });

  test('release ends validity now, notifies once, stops rounds and timers', async () => {
    const { clock, backend, lease, lost } = setup();
    assert.deepEqual(await lease.release(), { kind: 'revoked' });
    assert.equal(lease.isValid(), false);
    assert.deepEqual(lost, [{ reason: { kind: 'released' }, atMs: 0 }]);
    assert.equal(clock.pendingTimers(), 0);
    await clock.advance(10_000);
    assert.equal(backend.rounds.length, 0);
    assert.equal(lost.length, 1);
  });

  test('onLost registered after the end is still called, on the next tick', async () => {
    const { lease } = setup();
    await lease.release();
    const late = await new Promise<LeaseLostReason>((resolve) => lease.onLost(resolve));
    assert.deepEqual(late, { kind: 'released' });
  });

  test('the first deadline counts from when the grant was sent', () => {
    const { lease } = setup(5000);
    assert.equal(lease.validUntilMs(), 5000 + TTL - MARGIN);
    assert.equal(lease.isValid(5000 + TTL - MARGIN - 1), true);
    assert.equal(lease.isValid(5000 + TTL - MARGIN), false);
    void lease.release();
  });
});
