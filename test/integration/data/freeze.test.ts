/**
 * Real PostgreSQL 15 on loopback: freezing a standby stops its WAL receiver (observed, not
 * assumed), its position no longer moves while the primary keeps writing, it never re-attaches
 * by itself, and a repoint brings it back. Also: where primary_conninfo points is observed
 * without the password ever leaving src/data.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freezeStandby, readMemberState, repoint, type PgMember, type StandbyState } from '../../../src/data/index.ts';
import { PgSandbox, TEST_AUTH, admin, app, eventually, sql } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let primary: PgMember;
let east: PgMember;

async function standby(m: PgMember): Promise<StandbyState> {
  const s = await readMemberState(admin(m));
  assert.ok(s.reachable && s.role === 'standby', `${m.name} is not a reachable standby`);
  return s;
}

describe('freezing a standby', () => {
  before(async () => {
    sandbox = await PgSandbox.create();
    primary = await sandbox.primary('eu-west');
    east = await sandbox.standby('us-east', primary);
    await sql(app(primary), 'CREATE TABLE t (id serial PRIMARY KEY, note text)');
  });
  after(() => sandbox?.cleanup());

  it('a streaming standby reports where it is configured to stream from, without the password', async () => {
    await eventually('us-east streams', async () => (await standby(east)).walReceiver?.status === 'streaming');
    const s = await standby(east);
    assert.deepEqual(s.upstreamConfigured, { host: primary.host, port: primary.port });
    assert.doesNotMatch(JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? String(v) : v)), /secret/);
  });

  it('stops the WAL receiver within milliseconds and the position stays put while the primary writes', async () => {
    const frozen = await freezeStandby(east, TEST_AUTH);
    assert.equal(frozen.kind, 'frozen', JSON.stringify(frozen, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    assert.ok(frozen.kind === 'frozen' && frozen.waitedMs < 2000, `waited ${frozen.kind === 'frozen' ? frozen.waitedMs : '?'} ms`);
    const before = await standby(east);
    assert.equal(before.walReceiver, undefined);
    assert.equal(before.upstreamConfigured, undefined);
    await sql(app(primary), "INSERT INTO t (note) SELECT 'x' FROM generate_series(1, 500)");
    // wal_retrieve_retry_interval is 1 s in CLUSTER_SETTINGS: give a receiver three chances to come back.
    await new Promise((r) => setTimeout(r, 3000));
    const after = await standby(east);
    assert.equal(after.walReceiver, undefined, 'no WAL receiver came back');
    assert.equal(after.replayLsn, before.replayLsn);
  });

  it('freezing again is a no-op, and a repoint makes it stream and catch up again', async () => {
    const again = await freezeStandby(east, TEST_AUTH);
    assert.equal(again.kind, 'frozen');
    const result = await repoint(east, primary, TEST_AUTH);
    assert.equal(result.kind, 'repointed');
    await sql(app(primary), "INSERT INTO t (note) VALUES ('after')");
    const [row] = await sql<{ lsn: string }>(admin(primary), 'SELECT pg_current_wal_lsn()::text AS lsn');
    await eventually('us-east streams and replays the new row', async () => {
      const s = await standby(east);
      const rows = await sql<{ n: number }>({ ...app(east) }, "SELECT count(*)::int AS n FROM t WHERE note = 'after'");
      return s.walReceiver?.status === 'streaming' && rows[0]?.n === 1 && row !== undefined;
    });
  });

  it('a primary is not frozen', async () => {
    assert.deepEqual(await freezeStandby(primary, TEST_AUTH), { kind: 'notStandby' });
  });
});
