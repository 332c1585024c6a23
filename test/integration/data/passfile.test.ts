/**
 * The replication password through a passfile, on real PostgreSQL 15: a standby repointed with
 * PgAuth.replicationPassfile streams again, and neither its primary_conninfo nor its server log
 * (which logs every reload's "parameter primary_conninfo changed to …") shows the password.
 * Without the passfile, that log line carries it: the reason for this change (issue 11).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { logFileOf, repoint, writeReplicationPassfile, type PgAuth, type PgMember } from '../../../src/data/index.ts';
import { admin, app, eventually, PgSandbox, sql, TEST_AUTH } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let primary: PgMember;
let standby: PgMember;

describe('replication through a passfile (real PostgreSQL)', { timeout: 120_000 }, () => {
  before(async () => {
    sandbox = await PgSandbox.create();
    primary = await sandbox.primary('eu-west');
    standby = await sandbox.standby('us-east', primary);
  });
  after(() => sandbox?.cleanup());

  it('the standby streams with the password in a file, and no conninfo or log line shows it', async () => {
    const auth: PgAuth = { ...TEST_AUTH, replicationPassfile: join(sandbox.root, 'replication.pgpass') };
    await writeReplicationPassfile(auth, 'postgres');
    const logBefore = (await readFile(logFileOf(standby), 'utf8')).length;

    const result = await repoint(standby, primary, auth);
    assert.equal(result.kind, 'repointed', JSON.stringify(result));
    const [conf] = await sql<{ v: string }>(admin(standby), "SELECT current_setting('primary_conninfo') AS v");
    assert.ok(!conf!.v.includes(TEST_AUTH.replicationPassword), conf!.v);
    assert.match(conf!.v, /passfile=/);

    // A write on the primary arrives over the new connection, authenticated from the file.
    await sql(app(primary), 'CREATE TABLE IF NOT EXISTS passfile_probe (v int)');
    await sql(app(primary), 'INSERT INTO passfile_probe VALUES (42)');
    await eventually('the standby streams again and replays the write', async () => {
      const [r] = await sql<{ status: string | null }>(admin(standby), 'SELECT (SELECT status FROM pg_stat_wal_receiver) AS status');
      if (r?.status !== 'streaming') return false;
      const rows = await sql<{ v: number }>(app(standby), 'SELECT v FROM passfile_probe').catch(() => []);
      return rows.some((x) => x.v === 42);
    }, 30_000);

    const log = (await readFile(logFileOf(standby), 'utf8')).slice(logBefore);
    assert.match(log, /primary_conninfo/, 'the reload was logged');
    assert.ok(!log.includes(TEST_AUTH.replicationPassword), `the standby's log shows the password:\n${log}`);
  });
});
