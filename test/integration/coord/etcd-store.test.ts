/**
 * EtcdStore against a real 3-member etcd cluster: leases, fencing, partitions (SIGSTOP), the
 * Patroni zombie-leader case, coordinator election with a killed process, audit across members.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { EtcdStore } from '../../../src/coord/etcd-store.ts';
import { coordKeys } from '../../../src/coord/keys.ts';
import type { AcquireOutcome, CoordinationStore, HeldLease, LeaseLostReason } from '../../../src/coord/ports.ts';
import { startEtcdCluster, type EtcdTestCluster } from '../../support/etcd-cluster.ts';
import { freePort } from '../../support/ports.ts';
import { startTcpProxy } from '../../support/tcp-proxy.ts';
import { InfraError, InputError } from '../../../src/common/errors.ts';

const TTL = 2000; // etcd's minimum with a 1000 ms election timeout
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cluster: EtcdTestCluster;
const stores: CoordinationStore[] = [];

/** A store that talks only to the given members. */
function storeOn(...members: number[]): EtcdStore {
  const store = new EtcdStore({ endpoints: members.map((i) => cluster.endpoints[i]!), log: silent });
  stores.push(store);
  return store;
}

function acquired(outcome: AcquireOutcome): HeldLease {
  if (outcome.kind !== 'acquired') assert.fail(`expected acquired, got ${outcome.kind}`);
  return outcome.lease;
}

/** Repeats `fn` until `done` says so (the cluster is healing), up to `timeoutMs`. */
async function until<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

async function memberRoles(): Promise<{ leader: number; followers: number[] }> {
  const name = await cluster.leaderName();
  const leader = cluster.members.findIndex((m) => m.name === name);
  assert.ok(leader >= 0, 'cluster has a leader');
  return { leader, followers: [0, 1, 2].filter((i) => i !== leader) };
}

before(async () => {
  cluster = await startEtcdCluster();
});

after(async () => {
  await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
  await cluster?.close();
});

describe('EtcdStore on a 3-member etcd cluster', () => {
  test('acquire, lost race as a value, release; tokens strictly increase across holders', async () => {
    const key = coordKeys.primaryLease('basic-db');
    const [a, b] = [storeOn(0), storeOn(1, 2)];
    const first = acquired(await a.acquire(key, 'eu', TTL));
    assert.deepEqual(await b.acquire(key, 'us', TTL), { kind: 'held', holder: 'eu', token: first.token });
    assert.deepEqual(await b.currentHolder(key), { kind: 'held', holder: 'eu', token: first.token });
    await sleep(TTL + 500); // keepalives keep it across more than a TTL
    assert.ok(first.isValid());
    assert.deepEqual(await first.release(), { kind: 'revoked' });
    assert.equal(first.isValid(), false);
    assert.deepEqual(await b.currentHolder(key), { kind: 'free' });
    const second = acquired(await b.acquire(key, 'us', TTL));
    await second.release();
    const third = acquired(await a.acquire(key, 'eu', TTL));
    assert.ok(first.token < second.token && second.token < third.token, `${first.token} < ${second.token} < ${third.token}`);
    await third.release();
  });

  test('fenced writes: written under the current token, fenced under an old one; fencedCreate is idempotent', async () => {
    const key = coordKeys.primaryLease('fence-db');
    const store = storeOn(0, 1, 2);
    const lease = acquired(await store.acquire(key, 'eu', TTL));
    const written = await store.fencedTxn(lease.fence, [
      { kind: 'put', key: 'meridian/test/fence/a', value: '1' },
      { kind: 'delete', key: 'meridian/test/fence/b' },
    ]);
    assert.equal(written.kind, 'written');
    const step = coordKeys.runbookStep('rb-fence', 'promote');
    assert.equal((await store.fencedCreate(lease.fence, step, 'first')).kind, 'created');
    assert.deepEqual(await store.fencedCreate(lease.fence, step, 'second'), { kind: 'exists', value: 'first' });
    await lease.release();
    assert.deepEqual(await store.fencedWrite(lease.fence, 'meridian/test/fence/a', '2'), { kind: 'fenced' });
    const read = await store.read('meridian/test/fence/a');
    assert.equal(read.kind === 'found' && read.value, '1');
  });

  for (const holderRole of ['follower', 'leader'] as const) {
    test(`holder on the ${holderRole} member, other two frozen: onLost within TTL, no write gets through, the zombie is fenced after the heal`, async () => {
      const key = coordKeys.primaryLease(`iso-${holderRole}`);
      const roles = await memberRoles();
      const holderMember = holderRole === 'leader' ? roles.leader : roles.followers[0]!;
      const others = [0, 1, 2].filter((i) => i !== holderMember);
      const [h, o] = [storeOn(holderMember), storeOn(...others)];
      const old = acquired(await h.acquire(key, 'eu', TTL));
      await sleep(1000); // a few keepalive rounds
      const lost = new Promise<{ reason: LeaseLostReason; afterMs: number }>((resolve) =>
        old.onLost((reason) => resolve({ reason, afterMs: performance.now() - pausedAt })),
      );
      const pausedAt = performance.now();
      others.forEach((i) => cluster.pause(i));
      try {
        // The minority member cannot commit: the write is not applied, and that is not "fenced" either.
        assert.equal((await h.fencedWrite(old.fence, 'meridian/test/iso', 'during')).kind, 'unavailable');
        assert.equal((await h.currentHolder(key)).kind, 'unavailable');
        const { reason, afterMs } = await lost;
        assert.equal(reason.kind, 'deadlinePassed');
        assert.ok(afterMs <= TTL, `onLost came ${Math.round(afterMs)}ms after the partition; the rule is one TTL (${TTL}ms)`);
        assert.ok(afterMs >= TTL / 2, `onLost came suspiciously early (${Math.round(afterMs)}ms)`);
        assert.equal(old.isValid(), false);
      } finally {
        others.forEach((i) => cluster.resume(i));
      }
      await cluster.waitHealthy();
      const fresh = acquired(await until(() => o.acquire(key, 'us', TTL), (r) => r.kind === 'acquired', 15_000));
      assert.ok(fresh.token > old.token, `new token ${fresh.token} > old ${old.token}`);
      // The Patroni failure: everything healed, the old holder still has its token in memory.
      const zombie = await until(() => h.fencedWrite(old.fence, 'meridian/test/iso', 'zombie'), (r) => r.kind !== 'unavailable');
      assert.deepEqual(zombie, { kind: 'fenced', currentToken: fresh.token });
      assert.deepEqual(await h.acquire(key, 'eu', TTL), { kind: 'held', holder: 'us', token: fresh.token });
      await fresh.release();
    });
  }

  test('holder member frozen, majority alive: holder stops within TTL, the majority hands the key over, with a newer token', async () => {
    const key = coordKeys.primaryLease('minority-db');
    const { followers } = await memberRoles();
    const holderMember = followers[0]!; // a follower: no raft election needed, so takeover ≈ TTL
    const others = [0, 1, 2].filter((i) => i !== holderMember);
    const [h, o] = [storeOn(holderMember), storeOn(...others)];
    const old = acquired(await h.acquire(key, 'eu', TTL));
    await sleep(700);
    const pausedAt = performance.now();
    const lost = new Promise<number>((resolve) => old.onLost(() => resolve(performance.now() - pausedAt)));
    cluster.pause(holderMember);
    try {
      const fresh = acquired(await until(() => o.acquire(key, 'us', TTL), (r) => r.kind === 'acquired'));
      const takeoverMs = performance.now() - pausedAt;
      const lostMs = await lost;
      assert.ok(lostMs <= TTL, `holder stopped ${Math.round(lostMs)}ms after the partition`);
      assert.ok(lostMs < takeoverMs, `the old holder stopped (${Math.round(lostMs)}ms) before the new one started (${Math.round(takeoverMs)}ms)`);
      // etcd expires leases on a 500 ms sweep and the revoke goes through raft.
      assert.ok(takeoverMs <= TTL + 1500, `takeover took ${Math.round(takeoverMs)}ms`);
      assert.ok(fresh.token > old.token);
      cluster.resume(holderMember);
      await cluster.waitHealthy();
      const zombie = await until(() => h.fencedWrite(old.fence, 'meridian/test/minority', 'zombie'), (r) => r.kind !== 'unavailable');
      assert.deepEqual(zombie, { kind: 'fenced', currentToken: fresh.token });
      await fresh.release();
    } finally {
      cluster.resume(holderMember);
    }
  });

  test('a lease this store gave up, still alive on the server, is revoked when the store takes the key again', async () => {
    const key = coordKeys.primaryLease('abandoned-db');
    const target = new URL(cluster.endpoints[0]!);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    const store = new EtcdStore({ endpoints: [proxy.url], log: silent });
    stores.push(store);
    const raw = new Etcd3({ hosts: [...cluster.endpoints] });
    // The test renews the lease from outside, as a raft leader change does to every lease: the
    // server keeps it although its holder stopped keeping it and could not revoke it.
    let renewId: string | undefined;
    const renewing = setInterval(() => {
      if (!renewId) return;
      const id = renewId;
      void raw.leaseClient.leaseKeepAlive().then((stream) => {
        stream.on('error', () => undefined);
        stream.write({ ID: id });
        setTimeout(() => stream.end(), 200);
      }).catch(() => undefined);
    }, 300);
    try {
      const first = acquired(await store.acquire(key, 'eu/agent:boot-1', TTL));
      renewId = (await raw.get(key).exec()).kvs[0]?.lease;
      assert.ok(renewId, 'the key is bound to a lease');
      const lost = new Promise<LeaseLostReason>((resolve) => first.onLost(resolve));
      proxy.cut(); // keepalives, and the revoke on loss, reach no etcd member
      assert.equal((await lost).kind, 'deadlinePassed');
      await sleep(300);
      proxy.restore();
      assert.equal((await raw.get(key).exec()).kvs[0]?.lease, renewId, 'the abandoned lease still holds the key on the server');
      // Another store, even under the same holder id, did not grant that lease: it must wait.
      const other = storeOn(1, 2);
      assert.equal((await other.acquire(key, 'eu/agent:boot-1', TTL)).kind, 'held');
      const again = acquired(await until(() => store.acquire(key, 'eu/agent:boot-1', TTL), (r) => r.kind !== 'unavailable'));
      assert.ok(again.token > first.token, 'a new key, so a new token: writes under the old one stay fenced');
      await again.release();
    } finally {
      clearInterval(renewing);
      raw.close();
      await proxy.close();
    }
  });

  test('coordinator election: kill the coordinator process, another candidate wins within about a TTL and continues its runbook', async () => {
    const key = coordKeys.election('coord-test');
    const step1 = coordKeys.runbookStep('rb-election', 'step-1');
    const step2 = coordKeys.runbookStep('rb-election', 'step-2');
    const fixture = fileURLToPath(new URL('./fixtures/campaigner.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, cluster.endpoints.join(','), key, 'eu', String(TTL), step1], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      const first = JSON.parse(line.toString()) as { elected: string; token: string; step: string };
      assert.deepEqual([first.elected, first.step], ['eu', 'created']);

      const abort = new AbortController();
      const candidateStores = [storeOn(0), storeOn(1, 2)];
      const candidates = candidateStores.map((s, i) =>
        s.campaign(key, ['us', 'ap'][i]!, TTL, { signal: abort.signal }).then((o) => ({ o, atMs: performance.now(), store: s })),
      );
      await sleep(500);
      assert.deepEqual(await storeOn(2).currentHolder(key), { kind: 'held', holder: 'eu', token: BigInt(first.token) });
      const killedAt = performance.now();
      child.kill('SIGKILL');
      const winner = await Promise.race(candidates);
      abort.abort();
      const outcomes = await Promise.all(candidates);
      assert.equal(outcomes.filter((c) => c.o.kind === 'elected').length, 1, 'exactly one candidate elected');
      assert.equal(winner.o.kind, 'elected');
      if (winner.o.kind !== 'elected') return;
      const lease = winner.o.lease;
      assert.ok(winner.atMs - killedAt <= TTL + 1500, `new coordinator after ${Math.round(winner.atMs - killedAt)}ms`);
      assert.ok(lease.token > BigInt(first.token));
      // The new coordinator replays the runbook: step 1 is already done, step 2 is its own.
      const winnerStore = winner.store;
      assert.deepEqual(await winnerStore.fencedCreate(lease.fence, step1, lease.holderId), { kind: 'exists', value: 'eu' });
      assert.equal((await winnerStore.fencedCreate(lease.fence, step2, lease.holderId)).kind, 'created');
      await lease.release();
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('audit records appended through different members read back in commit order', async () => {
    const stream = `it-${Date.now()}`;
    const [a, b, c] = [storeOn(0), storeOn(1), storeOn(2)];
    const at = new Date().toISOString();
    const actions = ['fence-old-primary', 'promote-replica', 'switch-dns', 'verify'];
    for (const [i, action] of actions.entries()) {
      const outcome = await [a, b, c][i % 3]!.appendAudit(stream, { actor: `agent-${i % 3}`, action, result: 'ok', token: '42', startedAt: at, endedAt: at });
      assert.equal(outcome.kind, 'appended');
    }
    const read = await c.readAudit(stream);
    assert.equal(read.kind, 'read');
    if (read.kind !== 'read') return;
    assert.deepEqual(read.entries.map((e) => e.record.action), actions);
    assert.deepEqual(read.entries.map((e) => e.record.actor), ['agent-0', 'agent-1', 'agent-2', 'agent-0']);
    assert.ok(read.entries.every((e, i) => i === 0 || e.revision > read.entries[i - 1]!.revision));
  });

  test('a frozen member costs one call its deadline at most: later calls skip it until it answers again', async () => {
    const store = storeOn(0, 1, 2);
    const { followers } = await memberRoles();
    const frozen = followers[0]!;
    const slow: number[] = [];
    cluster.pause(frozen);
    try {
      for (let i = 0; i < 30; i++) {
        const started = performance.now();
        const read = await store.read(coordKeys.primaryLease('skip-db'));
        assert.notEqual(read.kind, 'unavailable', 'the majority answers');
        const took = performance.now() - started;
        if (took >= 900) slow.push(Math.round(took)); // the request deadline is 1000 ms
      }
    } finally {
      cluster.resume(frozen);
    }
    // A timed breaker let a real call probe the frozen member every second (and needed three
    // failures to open): several reads paid the full deadline.
    assert.ok(slow.length <= 1, `reads that waited on the frozen member: ${slow.join(', ')} ms`);
    await cluster.waitHealthy();
    await sleep(1200); // the probe (every 500 ms) sees it back
    for (let i = 0; i < 10; i++) assert.notEqual((await store.read(coordKeys.primaryLease('skip-db'))).kind, 'unavailable');
  });

  test('placeLeader moves the raft leader out of the region holding a primary, then leaves it', async () => {
    const store = storeOn(0, 1, 2);
    const regionOf = (url: string) => { const i = cluster.endpoints.indexOf(url); return i < 0 ? undefined : `r${i}`; };
    const { leader } = await memberRoles();
    const outcome = await store.placeLeader([`r${leader}`], regionOf);
    assert.match(outcome, new RegExp(`^etcd leader moved to r\\d: r${leader} holds 1 primary`));
    const moved = await until(memberRoles, (roles) => roles.leader !== leader);
    assert.notEqual(moved.leader, leader, 'the leader left the primary\'s region');
    assert.match(await store.placeLeader([`r${leader}`], regionOf), /^etcd leader stays: the leader \(r\d\) holds no primary/);
    await cluster.waitHealthy();
  });

  test('connect() fails fast with InfraError when no member answers, InputError on a bad endpoint', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const started = performance.now();
    await assert.rejects(EtcdStore.connect({ endpoints: [nobody], requestTimeoutMs: 500, log: silent }), InfraError);
    assert.ok(performance.now() - started < 3000);
    assert.throws(() => new EtcdStore({ endpoints: ['127.0.0.1:2379'] }), InputError);
    const store = await EtcdStore.connect({ endpoints: [...cluster.endpoints], log: silent });
    await store.close();
  });
});
