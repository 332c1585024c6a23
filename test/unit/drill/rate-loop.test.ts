/**
 * The drills' fixed-rate loop on simulated time (coord's ManualClock behind the drill Clock), so
 * counts are exact: no real timers, no timing tolerance.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/coord/index.ts';
import type { Clock } from '../../../src/drill/index.ts';
import { RateLoop } from '../../../src/drill/rate-loop.ts';

interface SimulatedTime {
  readonly clock: Clock;
  /** Moves time, firing every sleep that falls due, in order. */
  advance(ms: number): Promise<void>;
  /** Moves time without firing anything: a stalled event loop, where timers fire late. */
  stall(ms: number): void;
  pendingTimers(): number;
}

function simulatedTime(): SimulatedTime {
  const manual = new ManualClock(1000);
  let stalledMs = 0;
  const clock: Clock = {
    nowMs: () => manual.nowMs() + stalledMs,
    after: (ms, fn) => manual.after(ms, fn),
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const cancel = manual.after(ms, resolve);
        signal?.addEventListener('abort', () => (cancel(), reject(signal.reason)), { once: true });
      }),
  };
  return {
    clock,
    advance: (ms) => manual.advance(ms),
    stall: (ms) => void (stalledMs += ms),
    pendingTimers: () => manual.pendingTimers(),
  };
}

/** An operation that hangs until the test releases it. */
function held() {
  const releases: (() => void)[] = [];
  const operation = () => new Promise<void>((resolve) => releases.push(resolve));
  return { operation, releases, releaseAll: () => releases.forEach((r) => r()) };
}

describe('RateLoop', () => {
  it('starts one operation per period, the first at once', async () => {
    const time = simulatedTime();
    let started = 0;
    const loop = new RateLoop(async () => void (started += 1), { rate: 100, maxInFlight: 4, clock: time.clock });
    loop.start();
    await time.advance(0);
    assert.equal(started, 1);
    await time.advance(995);
    assert.equal(started, 100, 'slots at 0, 10, …, 990 ms');
    assert.equal(loop.skipped, 0);
    await loop.stop();
  });

  it('keeps at most maxInFlight running and counts each slot that finds them all busy', async () => {
    const time = simulatedTime();
    const ops = held();
    const loop = new RateLoop(ops.operation, { rate: 100, maxInFlight: 3, clock: time.clock });
    loop.start();
    await time.advance(95); // slots at 0..90 ms: ten
    assert.equal(ops.releases.length, 3);
    assert.equal(loop.inFlightCount, 3);
    assert.equal(loop.skipped, 7);
    ops.releases[0]!();
    await time.advance(10); // slot at 100 ms finds a free place
    assert.equal(ops.releases.length, 4);
    assert.equal(loop.skipped, 7);
    ops.releaseAll();
    await loop.stop();
  });

  it('stop starts nothing more, waits for the operations in flight, and leaves no timer', async () => {
    const time = simulatedTime();
    const ops = held();
    const loop = new RateLoop(ops.operation, { rate: 10, maxInFlight: 8, clock: time.clock });
    loop.start();
    await time.advance(150); // slots at 0 and 100 ms
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await time.advance(1000);
    assert.equal(ops.releases.length, 2, 'nothing started after stop');
    assert.equal(stopped, false, 'stop waits for operations in flight');
    ops.releaseAll();
    await stopping;
    assert.equal(loop.inFlightCount, 0);
    assert.equal(time.pendingTimers(), 0);
  });

  it('stops on its own after maxDurationMs', async () => {
    const time = simulatedTime();
    let started = 0;
    const loop = new RateLoop(async () => void (started += 1), { rate: 10, maxInFlight: 1, maxDurationMs: 500, clock: time.clock });
    loop.start();
    await time.advance(5000);
    assert.equal(started, 5, 'slots at 0..400 ms');
    assert.equal(time.pendingTimers(), 0);
  });

  it('a late clock does not lower the rate: overdue slots run at once', async () => {
    const time = simulatedTime();
    let started = 0;
    const loop = new RateLoop(async () => void (started += 1), { rate: 100, maxInFlight: 100, clock: time.clock });
    loop.start();
    await time.advance(0);
    time.stall(100); // the sleep for slot 1 (due at 10 ms) now ends at 110 ms
    await time.advance(10);
    assert.equal(started, 12, 'slots at 0..110 ms, the overdue ones back to back');
    await loop.stop();
  });

  it('work tracked outside the schedule counts towards maxInFlight; a rejected operation frees its place', async () => {
    const time = simulatedTime();
    const outside = held();
    let calls = 0;
    const loop = new RateLoop(() => (calls += 1, Promise.reject(new Error('boom'))), { rate: 100, maxInFlight: 1, clock: time.clock });
    const extra = loop.track(outside.operation());
    loop.start();
    await time.advance(25);
    assert.equal(calls, 0);
    assert.equal(loop.skipped, 3);
    outside.releaseAll();
    await extra;
    await time.advance(20);
    assert.equal(calls, 2, 'each rejected operation left its place free for the next slot');
    await loop.stop();
  });

  it('refuses a rate out of range', () => {
    assert.throws(() => new RateLoop(async () => {}, { rate: 0, maxInFlight: 1 }), /rate must be in \(0, 1000\]/);
    assert.throws(() => new RateLoop(async () => {}, { rate: 1001, maxInFlight: 1 }), /rate must be in/);
  });
});
