import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterRead, deadlineOf, openedAt, type StreamClock } from '../../../src/gslb/tcp-deadline.ts';

const T = { idleMs: 10_000, messageMs: 3_000 };

/** Reads as [at ms, whole messages completed, bytes left pending]. */
type Read = readonly [number, number, number];

const CASES: readonly { name: string; reads: readonly Read[]; deadline: number }[] = [
  { name: 'a connection that sends nothing: idle from the accept', reads: [], deadline: 10_000 },
  { name: 'one byte starts a message: it must be whole 3 s later', reads: [[1_000, 0, 1]], deadline: 4_000 },
  { name: 'dribbled bytes do not push the message deadline back', reads: [[1_000, 0, 1], [2_000, 0, 2], [3_500, 0, 3]], deadline: 4_000 },
  { name: 'a byte just before the idle deadline buys only the message deadline', reads: [[9_900, 0, 1], [12_000, 0, 2]], deadline: 12_900 },
  { name: 'a whole message restarts the idle time', reads: [[1_000, 0, 5], [1_200, 1, 0]], deadline: 11_200 },
  { name: 'a read that ends one message and starts the next: the next one\'s deadline from now', reads: [[1_000, 0, 5], [2_000, 1, 4]], deadline: 5_000 },
  { name: 'pipelined whole messages in one read, nothing pending', reads: [[500, 3, 0]], deadline: 10_500 },
];

for (const c of CASES) {
  test(`dns tcp deadline: ${c.name}`, () => {
    let clock: StreamClock = openedAt(0);
    for (const [at, whole, pending] of c.reads) clock = afterRead(clock, whole, pending, at);
    assert.equal(deadlineOf(clock, T), c.deadline);
  });
}
