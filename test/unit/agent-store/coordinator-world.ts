/**
 * Shared by the coordinator-loop tests (the real Coordinator on the in-memory quorum, a manual
 * clock and fake clusters): stopping a running coordinator after each test, and the fake world as
 * the store observer would see it.
 */
import { afterEach } from 'node:test';
import type { Coordinator } from '../../../src/agent/store/coordinator.ts';
import type { CoordinationStore, ManualClock } from '../../../src/coord/index.ts';
import { storeKeys, type StoreSnapshots } from '../../../src/failover/adapters/index.ts';
import type { Pause } from '../../../src/failover/index.ts';
import type { FakeCluster } from '../../../src/failover/testing/index.ts';

/** Registers an afterEach that stops the coordinator a test started; call the result when one starts. */
export function stopCoordinatorAfterEach(): (coordinator: Coordinator, clock: ManualClock) => void {
  let running: { coordinator: Coordinator; clock: ManualClock } | undefined;
  afterEach(async () => {
    if (!running) return;
    // A tick in flight waits on the manual clock: keep time moving until the loops have stopped.
    let closed = false;
    const closing = running.coordinator.close().then(() => (closed = true));
    for (let i = 0; i < 2000 && !closed; i++) await running.clock.advance(100);
    await closing;
    running = undefined;
  });
  return (coordinator, clock) => {
    running = { coordinator, clock };
  };
}

/** The fake world as the observer would see it; the pause is read from the quorum, as the real one does. */
export function fakeSnapshots(cluster: FakeCluster, coord: CoordinationStore): StoreSnapshots {
  return {
    async snapshot(input) {
      cluster.agentsTick();
      const read = await coord.read(storeKeys.paused(cluster.store));
      const paused = read.kind === 'found' ? (JSON.parse(read.value) as Pause) : null;
      const s = cluster.snapshot(input.runbook);
      const members = s.members.map((m) => {
        const job = input.jobs?.get(m.region);
        return job ? { ...m, rejoinJob: job } : m;
      });
      return { kind: 'snapshot', state: { ...s, members, paused, coordinator: { token: input.coordinatorToken } } };
    },
  };
}
