/** compareAndPut on the in-memory quorum (the etcd adapter is covered by test/integration/traffic). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, MemoryQuorum } from '../../../src/coord/index.ts';

test('compareAndPut: create when absent, replace only the revision read, conflict names the current one', async () => {
  const quorum = new MemoryQuorum(new ManualClock());
  const [a, b] = [quorum.connect('a'), quorum.connect('b')];
  const created = await a.compareAndPut('k', 0n, 'one');
  assert.equal(created.kind, 'written');
  assert.deepEqual(await b.compareAndPut('k', 0n, 'two'), { kind: 'conflict', modRevision: quorum.entry('k')?.modRevision }, 'a second create loses');
  const read = await b.read('k');
  assert.ok(read.kind === 'found');
  assert.equal((await b.compareAndPut('k', read.modRevision, 'two')).kind, 'written');
  const stale = await a.compareAndPut('k', read.modRevision, 'three');
  assert.equal(stale.kind, 'conflict', 'a writer that read before the other write does not overwrite it');
  assert.equal(quorum.entry('k')?.value, 'two');
  a.setReachable(false);
  assert.equal((await a.compareAndPut('k', 0n, 'x')).kind, 'unavailable');
});
