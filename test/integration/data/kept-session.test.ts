/**
 * The local agent's checks run on a kept session. In the lab, right after a failover, the new
 * primary's postmaster fell behind a reconnect storm (accept queue full) and its own agent, which
 * opened a connection for every check, read "does not answer" for 15 s and killed it. A stopped
 * postmaster (SIGSTOP) is the deterministic stand-in for a postmaster that accepts nothing in
 * time: existing backends run on, new connections wait.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeptSession, queryRows, readMemberState, readMemberStateOn, withClient, DbUnavailable, type DbState, type PgMember } from '../../../src/data/index.ts';
import { PgSandbox, admin, sql } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let primary: PgMember;

const backendPid = (s: KeptSession) => s.run(async (c) => (await queryRows<{ pid: number }>(c, 'SELECT pg_backend_pid() AS pid'))[0]!.pid);

const describe_ = (s: DbState) => (s.reachable ? s.role : `unreachable: ${s.reason}`);

async function postmasterPid(member: PgMember): Promise<number> {
  return Number((await readFile(join(member.dataDir!, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

describe('a kept session for the local checks', () => {
  before(async () => {
    sandbox = await PgSandbox.create();
    primary = await sandbox.primary('eu-west');
  });
  after(async () => {
    await sandbox?.cleanup();
  });

  it('runs every call on the same backend', async () => {
    const session = new KeptSession(admin(primary), { connectMs: 2000, statementMs: 2000 });
    try {
      const first = await backendPid(session);
      assert.equal(await backendPid(session), first);
      const state = await readMemberStateOn(session);
      assert.ok(state.reachable && state.role === 'primary', describe_(state));
      assert.equal(await backendPid(session), first);
    } finally {
      await session.close();
    }
  });

  it('answers while the postmaster accepts no new connection; a fresh connection does not', async () => {
    const session = new KeptSession(admin(primary), { connectMs: 1000, statementMs: 1000 });
    const pm = await postmasterPid(primary);
    await readMemberStateOn(session);
    process.kill(pm, 'SIGSTOP');
    try {
      const kept = await readMemberStateOn(session);
      assert.ok(kept.reachable && kept.role === 'primary', `kept session: ${describe_(kept)}`);
      const fresh = await readMemberState(admin(primary), { connectMs: 1000, statementMs: 1000 });
      assert.equal(fresh.reachable, false, 'a new connection to a postmaster that accepts nothing must time out');
    } finally {
      process.kill(pm, 'SIGCONT');
      await session.close();
    }
  });

  it('a session whose backend was terminated is replaced: at most one call fails, then a new backend answers', async () => {
    const session = new KeptSession(admin(primary), { connectMs: 2000, statementMs: 2000 });
    try {
      const first = await backendPid(session);
      await sql(admin(primary), 'SELECT pg_terminate_backend($1)', [first]);
      // The FATAL may reach the idle session before the next call (then it reconnects at once)
      // or during it (then that call fails as unavailable and the next one reconnects).
      const next = await backendPid(session).catch((e: unknown) => e);
      if (typeof next !== 'number') assert.ok(next instanceof DbUnavailable, `a lost session fails as unavailable, got ${String(next)}`);
      const second = typeof next === 'number' ? next : await backendPid(session);
      assert.notEqual(second, first);
    } finally {
      await session.close();
    }
  });

  it('a read on a session whose backend was terminated is answered by a new session (retryStale)', async () => {
    const session = new KeptSession(admin(primary), { connectMs: 2000, statementMs: 2000 });
    try {
      const first = await backendPid(session);
      await sql(admin(primary), 'SELECT pg_terminate_backend($1)', [first]);
      const state = await readMemberStateOn(session);
      assert.ok(state.reachable, `the member answers: ${describe_(state)}`);
      assert.notEqual(await backendPid(session), first);
    } finally {
      await session.close();
    }
  });

  it('looks issued while one fails share its failure: one connection attempt, not one per look in turn', async () => {
    const session = new KeptSession(admin(primary), { connectMs: 500, statementMs: 500 });
    const pm = await postmasterPid(primary);
    process.kill(pm, 'SIGSTOP');
    try {
      const looks = await Promise.all([1, 2, 3].map(() => readMemberStateOn(session)));
      assert.deepEqual(looks.map((l) => l.reachable), [false, false, false]);
      assert.equal(session.openAttempts, 1);
    } finally {
      process.kill(pm, 'SIGCONT');
    }
    try {
      const later = await readMemberStateOn(session, { connectMs: 2000 });
      assert.ok(later.reachable, `a look issued after the failure tries again: ${describe_(later)}`);
      assert.equal(session.openAttempts, 2);
    } finally {
      await session.close();
    }
  });

  it('close() ends the backend', async () => {
    const session = new KeptSession(admin(primary), { connectMs: 2000, statementMs: 2000 });
    const pid = await backendPid(session);
    await session.close();
    const rows = await withClient(admin(primary), (c) => queryRows<{ n: number }>(c, 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid]));
    assert.equal(rows[0]?.n, 0);
    assert.equal(session.isOpen, false);
  });
});
