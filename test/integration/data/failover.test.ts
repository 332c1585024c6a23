/**
 * A failover on real PostgreSQL 15: promote a standby, repoint the other, see a zombie primary's
 * diverging writes flagged and then discarded by pg_rewind, and fall back to a base backup when
 * a rewind is impossible. The steps build on each other, as a runbook does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  judgeEligibility, observeCandidate, promote, readMemberState, repoint, rewindAndRejoin, start, stop, writeStandbyConfig,
  type PgMember, type PrimaryState, type StandbyState,
} from '../../../src/data/index.ts';
import { PgSandbox, TEST_AUTH, admin, app, eventually, sql } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let oldPrimary: PgMember;
let east: PgMember;
let south: PgMember;

async function state<R extends 'primary' | 'standby'>(m: PgMember, role: R): Promise<R extends 'primary' ? PrimaryState : StandbyState> {
  const s = await readMemberState(admin(m));
  assert.ok(s.reachable && s.role === role, `${m.name} should be a reachable ${role}`);
  return s as R extends 'primary' ? PrimaryState : StandbyState;
}

async function follows(m: PgMember, leader: PgMember): Promise<boolean> {
  const [p, s] = [await state(leader, 'primary'), await readMemberState(admin(m))];
  return s.reachable && s.role === 'standby' && s.timeline === p.timeline && s.replayLsn >= p.currentLsn;
}

async function ids(m: PgMember): Promise<number[]> {
  return (await sql<{ id: number }>(app(m), 'SELECT id FROM orders ORDER BY id')).map((r) => r.id);
}

describe('promote, repoint, rewind', () => {
  before(async () => {
    sandbox = await PgSandbox.create();
    oldPrimary = await sandbox.primary('eu-west');
    [east, south] = await Promise.all([sandbox.standby('us-east', oldPrimary), sandbox.standby('ap-south', oldPrimary)]);
    await sql(app(oldPrimary), 'CREATE TABLE orders (id int PRIMARY KEY)');
    await sql(app(oldPrimary), 'INSERT INTO orders VALUES (1), (2)');
    const p = await state(oldPrimary, 'primary');
    await eventually('both standbys caught up', async () => (await follows(east, oldPrimary)) && (await follows(south, oldPrimary)));
    assert.equal(p.timeline, 1);
  });
  after(() => sandbox?.cleanup());

  it('promotes a standby onto a new timeline, and reports a repeat as alreadyPrimary', async () => {
    assert.deepEqual(await promote(east, TEST_AUTH), { kind: 'promoted', timeline: 2 });
    assert.deepEqual(await promote(east, TEST_AUTH), { kind: 'alreadyPrimary', timeline: 2 });
    const p = await state(east, 'primary');
    assert.equal(p.timeline, 2);
    assert.equal(p.history?.ancestors.length, 1);
    assert.equal(p.history?.ancestors[0]?.timeline, 1);
  });

  it('repoints the other standby to the new primary, which it then follows on timeline 2', async () => {
    assert.deepEqual(await repoint(south, east, TEST_AUTH), { kind: 'repointed', restarted: false });
    assert.deepEqual(await repoint(south, east, TEST_AUTH), { kind: 'unchanged' });
    await sql(app(east), 'INSERT INTO orders VALUES (3)');
    await eventually('ap-south follows us-east', () => follows(south, east));
    const s = await state(south, 'standby');
    assert.equal(s.walReceiver?.senderPort, east.port);
    assert.equal(s.walReceiver?.slotName, 'ap_south');
    assert.deepEqual(await ids(south), [1, 2, 3]);
    assert.deepEqual(await repoint(east, south, TEST_AUTH), { kind: 'notStandby' });
  });

  it('flags a zombie primary rejoined without rewind as diverged, though it runs as a standby', async () => {
    await sql(app(oldPrimary), 'INSERT INTO orders VALUES (666)'); // the zombie keeps writing
    await stop(oldPrimary, { mode: 'immediate' }); // then its region dies
    await writeStandbyConfig(oldPrimary, east, TEST_AUTH); // the naive rejoin a careless runbook does
    await start(oldPrimary);
    const first = await observeCandidate(admin(oldPrimary), admin(east));
    await sql(app(east), 'INSERT INTO orders VALUES (4)');
    await new Promise((r) => setTimeout(r, 400));
    const second = await observeCandidate(admin(oldPrimary), admin(east));
    const zombie = second.member as StandbyState;
    assert.equal(zombie.role, 'standby');
    assert.equal(zombie.timeline, 1);
    const verdict = judgeEligibility({ samples: [first, second], history: (await state(east, 'primary')).history! });
    assert.equal(verdict.eligible === false && verdict.reason, 'timeline-diverged', verdict.detail);
    assert.deepEqual(await ids(oldPrimary), [1, 2, 666]);
  });

  it('rewinds the zombie, even after a crash: it follows the new primary and its diverged rows are gone', async () => {
    await stop(oldPrimary, { mode: 'immediate' });
    assert.deepEqual(await rewindAndRejoin(oldPrimary, east, TEST_AUTH), { kind: 'rejoined', path: 'rewind' });
    await sql(app(east), 'INSERT INTO orders VALUES (5)');
    await eventually('eu-west follows us-east', () => follows(oldPrimary, east));
    assert.deepEqual(await ids(oldPrimary), [1, 2, 3, 4, 5]);
    assert.equal((await state(oldPrimary, 'standby')).walReceiver?.slotName, 'eu_west');
    assert.deepEqual(await rewindAndRejoin(oldPrimary, east, TEST_AUTH), { kind: 'alreadyFollowing' });
  });

  it('falls back to a base backup when a rewind is impossible, keeping the old directory aside', async () => {
    await stop(south, { mode: 'immediate' });
    await rm(join(south.dataDir, 'global', 'pg_control')); // damaged beyond what pg_rewind can use
    const result = await rewindAndRejoin(south, east, TEST_AUTH);
    assert.equal(result.kind === 'rejoined' && result.path, 'baseBackup', JSON.stringify(result));
    assert.ok(result.kind === 'rejoined' && result.path === 'baseBackup' && result.rewindError.length > 0);
    assert.match(result.kind === 'rejoined' && result.path === 'baseBackup' ? result.oldDataKeptAt ?? '' : '', /ap-south\.diverged-\d+$/);
    await sql(app(east), 'INSERT INTO orders VALUES (6)');
    await eventually('ap-south follows us-east after the rebuild', () => follows(south, east));
    assert.deepEqual(await ids(south), [1, 2, 3, 4, 5, 6]);
  });

  it('reports an unreachable new primary instead of touching the member', async () => {
    const gone = { name: 'nowhere', host: '127.0.0.1', port: 1 };
    const result = await rewindAndRejoin(south, gone, TEST_AUTH, { timeouts: { connectMs: 1000 } });
    assert.equal(result.kind, 'unreachable');
    assert.ok((await readMemberState(admin(south))).reachable, 'the member was left running');
    assert.equal((await promote(gone, TEST_AUTH)).kind, 'unreachable');
  });
});
