/**
 * Property: whatever the schedule of acquires, releases, partitions, heals and elapsed time,
 * (1) at no instant do two holders both consider themselves valid, (2) a holder that considers
 * itself valid owns the key in the quorum, and (3) every acquire that succeeds gets a token
 * larger than every earlier one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import { ManualClock } from '../../../src/coord/clock.ts';
import { MemoryQuorum, type MemoryStore } from '../../../src/coord/memory-store.ts';
import type { HeldLease } from '../../../src/coord/ports.ts';

const KEY = 'meridian/primary/db';
const TTL = 3000;
const AGENTS = ['eu', 'us'] as const; // two agents collide more often than three

const step = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('acquire' as const), agent: fc.constantFrom(...AGENTS) }), weight: 3 },
  fc.record({ op: fc.constant('release' as const), agent: fc.constantFrom(...AGENTS) }),
  { arbitrary: fc.record({ op: fc.constant('partition' as const), agent: fc.constantFrom(...AGENTS) }), weight: 2 },
  fc.record({ op: fc.constant('heal' as const), agent: fc.constantFrom(...AGENTS) }),
  { arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: TTL / 2 }) }), weight: 3 },
);

test('no two valid holders at once; a valid holder owns the key; tokens strictly increase', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 50 }), async (steps) => {
      const clock = new ManualClock();
      const quorum = new MemoryQuorum(clock);
      const stores = new Map<string, MemoryStore>(AGENTS.map((a) => [a, quorum.connect(a, { log: pino({ level: 'silent' }) })]));
      const leases = new Map<string, HeldLease>();
      let lastToken = 0n;
      const checkOneHolder = (): void => {
        const valid = [...leases].filter(([, l]) => l.isValid());
        assert.ok(valid.length <= 1, `at ${clock.nowMs()} several valid holders: ${valid.map(([a]) => a).join(', ')}`);
        // Stronger: a holder that believes it is valid really owns the key in the quorum.
        for (const [agent, lease] of valid) {
          const onServer = quorum.entry(KEY)?.createRevision;
          assert.equal(onServer, lease.token, `at ${clock.nowMs()} ${agent} is valid with token ${lease.token}, quorum has ${onServer}`);
        }
      };
      for (const s of steps) {
        if (s.op === 'wait') {
          // Check every 100 ms of the wait, not only at its end.
          for (let left = s.ms; left > 0; left -= 100) {
            await clock.advance(Math.min(100, left));
            checkOneHolder();
          }
          continue;
        }
        const store = stores.get(s.agent)!;
        if (s.op === 'partition') store.setReachable(false);
        if (s.op === 'heal') store.setReachable(true);
        if (s.op === 'release') await leases.get(s.agent)?.release();
        if (s.op === 'acquire') {
          const outcome = await store.acquire(KEY, s.agent, TTL);
          if (outcome.kind === 'acquired') {
            assert.ok(outcome.lease.token > lastToken, `token ${outcome.lease.token} after ${lastToken}`);
            lastToken = outcome.lease.token;
            leases.set(s.agent, outcome.lease);
          }
        }
        checkOneHolder();
      }
      await Promise.all([...leases.values()].map((l) => l.release()));
    }),
    { numRuns: 100 },
  );
});
