import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../../../src/coord/clock.ts';
import { coordKeys } from '../../../src/coord/keys.ts';
import { MemoryQuorum } from '../../../src/coord/memory-store.ts';
import type { AcquireOutcome, AuditRecord, HeldLease } from '../../../src/coord/ports.ts';

const silent = pino({ level: 'silent' });
const KEY = coordKeys.primaryLease('orders-db');
const TTL = 3000;

function cluster() {
  const clock = new ManualClock();
  const quorum = new MemoryQuorum(clock);
  const connect = (name: string) => quorum.connect(name, { log: silent, marginMs: 300 });
  return { clock, quorum, connect };
}

function acquired(outcome: AcquireOutcome): HeldLease {
  assert.equal(outcome.kind, 'acquired', `expected acquired, got ${JSON.stringify(outcome, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  return (outcome as Extract<AcquireOutcome, { kind: 'acquired' }>).lease;
}

const record = (action: string): AuditRecord => ({ actor: 'eu', action, result: 'ok', startedAt: new Date(0).toISOString() });

describe('MemoryStore leases', () => {
  test('losing the race is a value naming the holder and its token, not an error', async () => {
    const { connect } = cluster();
    const eu = acquired(await connect('eu').acquire(KEY, 'eu', TTL));
    assert.deepEqual(await connect('us').acquire(KEY, 'us', TTL), { kind: 'held', holder: 'eu', token: eu.token });
    await eu.release();
  });

  test('a client cut off from the quorum gets `unavailable`, never `held`', async () => {
    const { connect } = cluster();
    const us = connect('us');
    us.setReachable(false);
    const outcome = await us.acquire(KEY, 'us', TTL);
    assert.equal(outcome.kind, 'unavailable');
    assert.equal((await us.currentHolder(KEY)).kind, 'unavailable');
  });

  test('fencing tokens strictly increase across holders, through release and through expiry', async () => {
    const { clock, connect } = cluster();
    const [eu, us, ap] = [connect('eu'), connect('us'), connect('ap')];
    const first = acquired(await eu.acquire(KEY, 'eu', TTL));
    await first.release();
    const second = acquired(await us.acquire(KEY, 'us', TTL));
    us.setReachable(false);
    await clock.advance(TTL); // expires server-side: nobody renews
    const third = acquired(await ap.acquire(KEY, 'ap', TTL));
    assert.ok(first.token < second.token && second.token < third.token, `${first.token} < ${second.token} < ${third.token}`);
    await third.release();
  });

  test('a partitioned holder loses its lease before the quorum lets anyone else take it', async () => {
    const { clock, connect } = cluster();
    const [eu, us] = [connect('eu'), connect('us')];
    const old = acquired(await eu.acquire(KEY, 'eu', TTL));
    let lostAt: number | undefined;
    old.onLost(() => (lostAt = clock.nowMs()));
    await clock.advance(1500); // last confirmed round sent at 1000
    eu.setReachable(false);
    for (let t = 1500; t < 5000; t += 100) {
      await clock.advance(100);
      const taken = (await us.currentHolder(KEY)).kind === 'free';
      if (taken) assert.equal(old.isValid(), false, `at ${clock.nowMs()} the key is free but the old holder is still valid`);
    }
    assert.equal(lostAt, 1000 + TTL - 300);
  });

  test('the Patroni case: after the heal the old holder cannot write with its old token', async () => {
    const { clock, connect } = cluster();
    const [eu, us] = [connect('eu'), connect('us')];
    const old = acquired(await eu.acquire(KEY, 'eu', TTL));
    eu.setReachable(false);
    assert.equal((await eu.fencedWrite(old.fence, 'meridian/data/x', 'during')).kind, 'unavailable');
    await clock.advance(TTL);
    const fresh = acquired(await us.acquire(KEY, 'us', TTL));
    eu.setReachable(true);
    assert.deepEqual(await eu.fencedWrite(old.fence, 'meridian/data/x', 'zombie'), { kind: 'fenced', currentToken: fresh.token });
    assert.equal((await us.fencedWrite(fresh.fence, 'meridian/data/x', 'ok')).kind, 'written');
    assert.deepEqual(await eu.acquire(KEY, 'eu', TTL), { kind: 'held', holder: 'us', token: fresh.token });
    await fresh.release();
  });

  test('fencedCreate makes a step that runs twice harmless, and refuses a stale token', async () => {
    const { connect } = cluster();
    const eu = connect('eu');
    const lease = acquired(await eu.acquire(KEY, 'eu', TTL));
    const step = coordKeys.runbookStep('rb-1', 'promote');
    assert.equal((await eu.fencedCreate(lease.fence, step, 'done@1')).kind, 'created');
    assert.deepEqual(await eu.fencedCreate(lease.fence, step, 'done@2'), { kind: 'exists', value: 'done@1' });
    await lease.release();
    assert.deepEqual(await eu.fencedCreate(lease.fence, coordKeys.runbookStep('rb-1', 'dns'), 'x'), { kind: 'fenced' });
    assert.deepEqual(await eu.read(coordKeys.runbookStep('rb-1', 'dns')), { kind: 'absent' });
  });

  test('a fence with token 0 is a programming error (it would mean "key absent" to etcd)', async () => {
    const { connect } = cluster();
    await assert.rejects(connect('eu').fencedWrite({ key: KEY, token: 0n }, 'k', 'v'), /tokens are positive/);
  });
});

describe('MemoryStore election', () => {
  test('a waiting candidate wins as soon as the coordinator releases, with a newer token', async () => {
    const { clock, connect } = cluster();
    const election = coordKeys.election();
    const first = acquired(await connect('eu').acquire(election, 'eu', TTL));
    const pending = connect('us').campaign(election, 'us', TTL, { pollMs: 10_000 });
    await clock.advance(100);
    await first.release();
    await clock.advance(1); // the watch wakes it; no poll needed
    const outcome = await pending;
    assert.equal(outcome.kind, 'elected');
    if (outcome.kind === 'elected') {
      assert.ok(outcome.lease.token > first.token);
      await outcome.lease.release();
    }
  });

  test('a dead coordinator is replaced after its TTL', async () => {
    const { clock, connect } = cluster();
    const election = coordKeys.election();
    const eu = connect('eu');
    acquired(await eu.acquire(election, 'eu', TTL));
    eu.setReachable(false); // the process died: nobody keeps the lease alive
    const pending = connect('us').campaign(election, 'us', TTL);
    await clock.advance(TTL + 10);
    const outcome = await pending;
    assert.equal(outcome.kind, 'elected');
    if (outcome.kind === 'elected') await outcome.lease.release();
  });

  test('campaign can be aborted', async () => {
    const { clock, connect } = cluster();
    const election = coordKeys.election();
    const held = acquired(await connect('eu').acquire(election, 'eu', TTL));
    const abort = new AbortController();
    const pending = connect('us').campaign(election, 'us', TTL, { signal: abort.signal });
    await clock.advance(100);
    abort.abort();
    assert.deepEqual(await pending, { kind: 'aborted' });
    await held.release();
  });
});

describe('MemoryStore audit', () => {
  test('records read back in commit order with their revisions, across clients', async () => {
    const { connect } = cluster();
    const [eu, us] = [connect('eu'), connect('us')];
    await eu.appendAudit('failover', record('fence-old-primary'));
    await us.appendAudit('failover', record('promote-replica'));
    await eu.appendAudit('failover', record('switch-dns'));
    await eu.appendAudit('other', record('unrelated'));
    const read = await us.readAudit('failover');
    assert.equal(read.kind, 'read');
    if (read.kind !== 'read') return;
    assert.deepEqual(read.entries.map((e) => e.record.action), ['fence-old-primary', 'promote-replica', 'switch-dns']);
    const revisions = read.entries.map((e) => e.revision);
    assert.deepEqual(revisions, [...revisions].sort((a, b) => (a < b ? -1 : 1)));
    assert.deepEqual(read.unreadableKeys, []);
  });

  test('a record that does not parse is reported, not dropped', async () => {
    const { quorum, connect } = cluster();
    const key = `${coordKeys.auditPrefix('failover')}000000000000001-garbage`;
    quorum.commit([{ kind: 'put', key, value: '{not json' }]);
    await connect('eu').appendAudit('failover', record('ok'));
    const read = await connect('eu').readAudit('failover');
    assert.deepEqual(read.kind === 'read' && { n: read.entries.length, bad: read.unreadableKeys }, { n: 1, bad: [key] });
  });

  test('an invalid record is refused before it is written', async () => {
    const { connect } = cluster();
    await assert.rejects(connect('eu').appendAudit('failover', { ...record('x'), startedAt: 'yesterday' }), /invalid audit record/);
  });
});
