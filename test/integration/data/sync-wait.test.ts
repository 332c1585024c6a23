/**
 * A commit that waits for a synchronous standby that never confirms. PostgreSQL does not notice
 * that the client went away while it waits (only a cancel or a terminate ends the wait), so a
 * control session that gave up and merely closed its socket left a backend holding a reserved
 * slot for good. A failover benchmark's new primary filled all of them with the coordinator's
 * heartbeats within seconds, and its own agent could then no longer connect (issue 10).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { queryRows, withClient, DbUnavailable, type PgMember } from '../../../src/data/index.ts';
import { writeHeartbeat } from '../../../src/failover/adapters/index.ts';
import { PgSandbox, TEST_AUTH, admin, eventually, sql } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let primary: PgMember;

/** Sessions of any kind now waiting for a synchronous standby. */
async function syncWaiters(): Promise<number> {
  const [row] = await sql<{ n: number }>(admin(primary), "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
  return row?.n ?? -1;
}

describe('control sessions and a synchronous standby that never confirms', () => {
  before(async () => {
    sandbox = await PgSandbox.create();
    // The only synchronous standby named does not exist: every commit waits for good.
    primary = await sandbox.primary('eu-west', { syncStandbyNames: ['nobody'] });
    // Set-up commits without waiting (synchronous_commit = local is a session's own choice).
    await withClient(admin(primary), async (c) => {
      await c.query('SET synchronous_commit = local');
      await c.query('CREATE TABLE t (n int)');
    });
  });
  after(async () => {
    await sandbox?.cleanup();
  });

  it('a commit that outlives the client-side deadline is cancelled on the server: no backend is left waiting', async () => {
    const err = await withClient(admin(primary), (c) => queryRows(c, 'INSERT INTO t VALUES (1)'), { statementMs: 300 }).catch((e: unknown) => e);
    assert.ok(err instanceof DbUnavailable && err.code === 'timeout', String(err));
    await eventually('no session waits for the synchronous standby', async () => (await syncWaiters()) === 0, 3000);
  });

  it('ten heartbeats in a row leave no session behind, and the member still takes an admin session', async () => {
    for (let i = 0; i < 10; i++) {
      const hb = await writeHeartbeat(primary, TEST_AUTH, 'observer:test', '1', { statementMs: 200, connectMs: 1000 });
      assert.notEqual(hb.kind, 'refused', JSON.stringify(hb));
    }
    await eventually('no session waits for the synchronous standby', async () => (await syncWaiters()) === 0, 3000);
  });

  it("an observer's heartbeat (ack: local) commits at once: it is there to make WAL, not to wait for a standby", async () => {
    const hb = await writeHeartbeat(primary, TEST_AUTH, 'observer:local', '1', { statementMs: 1000, connectMs: 1000 }, 'local');
    assert.equal(hb.kind, 'committed', JSON.stringify(hb));
    assert.equal(await syncWaiters(), 0);
  });
});
