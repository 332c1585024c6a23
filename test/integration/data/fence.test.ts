/**
 * The database-level fence on real PostgreSQL 15: after fencePrimary, new writes fail at once,
 * open sessions are cut, a session that opts out of read-only mode gets no commit ack, and the
 * standby still receives everything up to the fenced position.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {
  fencePrimary, readMemberState, setSynchronous, unfencePrimary, type PgMember, type StandbyState,
} from '../../../src/data/index.ts';
import { PgSandbox, TEST_AUTH, admin, app, eventually, sql } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let primary: PgMember;
let standby: PgMember;

async function openClient(m: PgMember): Promise<pg.Client> {
  const client = new pg.Client({ ...app(m), connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function settledWithin(p: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms)));
  try {
    return await Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), pending]);
  } finally {
    clearTimeout(timer);
  }
}

describe('fencePrimary', () => {
  before(async () => {
    sandbox = await PgSandbox.create();
    primary = await sandbox.primary('eu-west');
    standby = await sandbox.standby('us-east', primary);
    await sql(app(primary), 'CREATE TABLE ledger (id serial PRIMARY KEY, note text)');
  });
  after(() => sandbox?.cleanup());

  it('stops new writes at once and cuts open sessions, but keeps streaming to the standby', async () => {
    const open = await openClient(primary);
    try {
      await open.query("INSERT INTO ledger (note) VALUES ('before the fence')");
      const fenced = await fencePrimary(primary, TEST_AUTH);
      assert.equal(fenced.kind, 'fenced');
      assert.ok(fenced.kind === 'fenced' && fenced.terminatedBackends >= 1, 'the open session was terminated');
      await assert.rejects(open.query("INSERT INTO ledger (note) VALUES ('old session')"), /terminat|Connection/i);

      await assert.rejects(
        sql(app(primary), "INSERT INTO ledger (note) VALUES ('after the fence')"),
        /cannot execute INSERT in a read-only transaction/,
      );
      const seen = await readMemberState(admin(primary));
      assert.ok(seen.reachable && seen.role === 'primary' && seen.readOnlyByDefault, 'observed as fenced');

      const fencedLsn = fenced.kind === 'fenced' ? fenced.lsn : 0n;
      await eventually('the standby reaches the fenced position', async () => {
        const s = (await readMemberState(admin(standby))) as StandbyState;
        return s.replayLsn >= fencedLsn;
      });
      assert.deepEqual(await sql(app(standby), 'SELECT note FROM ledger'), [{ note: 'before the fence' }]);
    } finally {
      await open.end().catch(() => {});
    }
  });

  it('gives no commit ack to a session that switches read-only mode off', async () => {
    const rogue = await openClient(primary);
    try {
      await rogue.query('SET default_transaction_read_only = off');
      const commit = rogue.query("INSERT INTO ledger (note) VALUES ('rogue')");
      assert.equal(await settledWithin(commit, 1500), 'pending', 'the rogue commit must not be acknowledged');
    } finally {
      await rogue.end().catch(() => {});
    }
  });

  it('is idempotent, refuses to be undone by setSynchronous, and can be lifted', async () => {
    assert.equal((await fencePrimary(primary, TEST_AUTH)).kind, 'fenced');
    assert.deepEqual(await setSynchronous(primary, TEST_AUTH, ['us-east']), { kind: 'fenced' });
    assert.deepEqual(await fencePrimary(standby, TEST_AUTH), { kind: 'notPrimary' });

    assert.deepEqual(await unfencePrimary(primary, TEST_AUTH, null), { kind: 'unfenced' });
    await sql(app(primary), "INSERT INTO ledger (note) VALUES ('after unfence')");
    const s = await readMemberState(admin(primary));
    assert.ok(s.reachable && !s.readOnlyByDefault && s.synchronousStandbyNames === '');
  });

  it('two fencers at once (the coordinator and the primary\'s own agent) both complete', async () => {
    // Each used to terminate every other client backend, the other fencer's session included.
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all([fencePrimary(primary, TEST_AUTH), fencePrimary(primary, TEST_AUTH), fencePrimary(primary, TEST_AUTH)]);
      assert.deepEqual(results.map((r) => r.kind), ['fenced', 'fenced', 'fenced'], results.map((r) => (r.kind === 'unreachable' ? r.reason : r.kind)).join('; '));
      assert.deepEqual(await unfencePrimary(primary, TEST_AUTH, null), { kind: 'unfenced' });
    }
  });
});
