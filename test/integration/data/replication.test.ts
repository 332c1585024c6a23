/**
 * Real PostgreSQL 15 on loopback: one primary and two standbys streaming through slots.
 * Covers streaming and observation, the stalled-replica judgement, and synchronous mode.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {
  dropSlot, ensureMemberSlot, judgeEligibility, observeCandidate, readMemberState, setSynchronous, start, stop,
  type Observation, type PgMember, type PrimaryState, type StandbyState,
} from '../../../src/data/index.ts';
import { PgSandbox, TEST_AUTH, admin, app, eventually, sql } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let primary: PgMember;
let east: PgMember;
let south: PgMember;

async function primaryState(): Promise<PrimaryState> {
  const s = await readMemberState(admin(primary));
  assert.ok(s.reachable && s.role === 'primary', JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  return s;
}

async function standbyState(m: PgMember): Promise<StandbyState> {
  const s = await readMemberState(admin(m));
  assert.ok(s.reachable && s.role === 'standby', `${m.name} is not a reachable standby`);
  return s;
}

async function replayedUpTo(m: PgMember, lsn: bigint): Promise<boolean> {
  return (await standbyState(m)).replayLsn >= lsn;
}

/** Whether `p` settles within `ms`, without leaving a timer behind to hold the process open. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms)));
  try {
    return await Promise.race([p.then(() => 'settled' as const), pending]);
  } finally {
    clearTimeout(timer);
  }
}

describe('streaming replication with slots', () => {
  before(async () => {
    sandbox = await PgSandbox.create();
    primary = await sandbox.primary('eu-west');
    [east, south] = await Promise.all([sandbox.standby('us-east', primary), sandbox.standby('ap-south', primary)]);
    await sql(app(primary), 'CREATE TABLE orders (id int PRIMARY KEY, note text)');
  });
  after(() => sandbox?.cleanup());

  it('replays a primary write on both standbys; roles, timelines and slots are observed', async () => {
    await sql(app(primary), "INSERT INTO orders VALUES (1, 'first')");
    const p = await primaryState();
    assert.equal(p.timeline, 1);
    assert.deepEqual(p.history, { timeline: 1, ancestors: [] });
    for (const s of [east, south]) {
      await eventually(`${s.name} replays ${p.currentLsn}`, () => replayedUpTo(s, p.currentLsn));
      const st = await standbyState(s);
      assert.equal(st.timeline, 1);
      assert.equal(st.systemIdentifier, p.systemIdentifier);
      assert.equal(st.walReceiver?.slotName, s.name.replace('-', '_'));
      const rows = await sql<{ note: string }>(app(s), 'SELECT note FROM orders WHERE id = 1');
      assert.deepEqual(rows, [{ note: 'first' }]);
    }
    const names = (await primaryState()).replicas.map((r) => [r.applicationName, r.state]);
    assert.deepEqual(names, [['ap-south', 'streaming'], ['us-east', 'streaming']]);
    const slots = await sql<{ slot_name: string; active: boolean }>(admin(primary), 'SELECT slot_name, active FROM pg_replication_slots ORDER BY 1');
    assert.deepEqual(slots, [{ slot_name: 'ap_south', active: true }, { slot_name: 'us_east', active: true }]);
  });

  it('pre-creates a peer slot on a standby (reserving WAL for after its promotion) and drops it', async () => {
    assert.deepEqual(await ensureMemberSlot(east, TEST_AUTH, 'ap-south'), { kind: 'created', slot: 'ap_south' });
    assert.deepEqual(await ensureMemberSlot(east, TEST_AUTH, 'ap-south'), { kind: 'exists', slot: 'ap_south' });
    const [slot] = await sql<{ reserved: boolean }>(admin(east), "SELECT restart_lsn IS NOT NULL AS reserved FROM pg_replication_slots WHERE slot_name = 'ap_south'");
    assert.deepEqual(slot, { reserved: true });
    assert.deepEqual(await dropSlot(east, TEST_AUTH, 'ap-south'), { kind: 'dropped' });
    assert.deepEqual(await dropSlot(east, TEST_AUTH, 'ap-south'), { kind: 'absent' });
  });

  it('judges a standby with paused replay as stalled although pg_stat_replication says streaming', async () => {
    await sql(admin(south), 'SELECT pg_wal_replay_pause()');
    try {
      const samples: Record<string, Observation[]> = { 'us-east': [], 'ap-south': [] };
      for (let i = 0; i < 3; i++) {
        await sql(app(primary), 'INSERT INTO orders SELECT g, $1 FROM generate_series($2::int, $2::int + 99) g', ['load', 100 + i * 100]);
        for (const m of [east, south]) samples[m.name]!.push(await observeCandidate(admin(m), admin(primary)));
        await new Promise((r) => setTimeout(r, 200));
      }
      const southRow = (await primaryState()).replicas.find((r) => r.applicationName === 'ap-south');
      assert.equal(southRow?.state, 'streaming', 'the label still says all is well');

      const history = (await primaryState()).history!;
      const stalled = judgeEligibility({ samples: samples['ap-south']!, history });
      assert.equal(stalled.eligible, false, stalled.detail);
      assert.equal(stalled.eligible === false && stalled.reason, 'replay-stalled');
      const healthy = judgeEligibility({ samples: samples['us-east']!, history });
      assert.equal(healthy.eligible, true, healthy.detail);
    } finally {
      await sql(admin(south), 'SELECT pg_wal_replay_resume()');
    }
    const p = await primaryState();
    await eventually('ap-south catches up after resume', () => replayedUpTo(south, p.currentLsn));
  });

  it('synchronous mode: a commit does not ack with both standbys down, and acks once one is back', async () => {
    assert.deepEqual(await setSynchronous(primary, TEST_AUTH, ['us-east', 'ap-south']), { kind: 'set', value: 'ANY 1 ("us-east", "ap-south")' });
    assert.equal((await setSynchronous(primary, TEST_AUTH, ['us-east', 'ap-south'])).kind, 'unchanged');
    await eventually('standbys listed as quorum', async () =>
      (await primaryState()).replicas.every((r) => r.syncState === 'quorum'));

    await Promise.all([stop(east), stop(south)]);
    const client = new pg.Client({ ...app(primary), connectionTimeoutMillis: 3000 });
    client.on('error', () => {});
    await client.connect();
    try {
      const commit = client.query("INSERT INTO orders VALUES (9001, 'waits for a standby')").then(() => Date.now());
      assert.equal(await settledWithin(commit, 1500), 'pending', 'the commit must not be acknowledged without a standby');

      const restartedAt = Date.now();
      await start(east);
      assert.equal(await settledWithin(commit, 15_000), 'settled', 'acknowledged once a standby is back');
      assert.ok((await commit) >= restartedAt, 'acknowledged only after a standby came back');
    } finally {
      await client.end();
    }
    await start(south);
    assert.equal((await setSynchronous(primary, TEST_AUTH, null)).kind, 'set');
    assert.equal((await primaryState()).synchronousStandbyNames, '');
  });
});
