/**
 * How the connection helper fails: refused, silent and rejecting servers each give one clear
 * line and a typed error, within the configured timeouts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { DbQueryFailed, DbUnavailable, queryRows, readMemberState, withClient, type PgMember } from '../../../src/data/index.ts';
import { freePort } from '../../support/ports.ts';
import { PgSandbox, admin } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let primary: PgMember;
let silent: Server;
const silentSockets: Socket[] = [];

describe('connect', () => {
  before(async () => {
    sandbox = await PgSandbox.create();
    primary = await sandbox.primary('eu-west');
    // Accepts TCP and never says a word: what a server behind a broken link looks like.
    silent = createServer((s) => silentSockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    for (const s of silentSockets) s.destroy();
    silent?.close();
    await sandbox?.cleanup();
  });

  it('a refused connection is DbUnavailable(refused) with a one-line message', async () => {
    const port = await freePort();
    const err = await withClient({ ...admin(primary), port }, async () => 1).catch((e: unknown) => e);
    assert.ok(err instanceof DbUnavailable);
    assert.equal(err.code, 'refused');
    assert.equal(err.message, `postgres at 127.0.0.1:${port}: connection refused (ECONNREFUSED): is the server running and listening there?`);
    assert.doesNotMatch(err.message, /\n/);
    const state = await readMemberState({ ...admin(primary), port });
    assert.deepEqual(state, { reachable: false, reason: err.message, code: 'refused' });
  });

  it('a server that never answers times out after connectMs', async () => {
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    const err = await withClient({ ...admin(primary), port }, async () => 1, { connectMs: 500 }).catch((e: unknown) => e);
    const took = Date.now() - started;
    assert.ok(err instanceof DbUnavailable && err.code === 'timeout', String(err));
    assert.ok(took >= 450 && took < 3000, `took ${took} ms`);
  });

  it('a wrong password is DbUnavailable(auth)', async () => {
    const err = await withClient({ ...admin(primary), password: 'wrong' }, async () => 1).catch((e: unknown) => e);
    assert.ok(err instanceof DbUnavailable && err.code === 'auth', String(err));
    assert.match(err.message, /authentication rejected: password authentication failed for user "postgres"/);
  });

  it('a statement over statementMs is cancelled by the server: DbQueryFailed with SQLSTATE 57014', async () => {
    const err = await withClient(admin(primary), (c) => queryRows(c, 'SELECT pg_sleep(5)'), { statementMs: 300 }).catch((e: unknown) => e);
    assert.ok(err instanceof DbQueryFailed, String(err));
    assert.equal(err.sqlState, '57014');
    assert.match(err.message, /canceling statement due to statement timeout/);
  });

  it('a bad statement is DbQueryFailed, not a reachability problem', async () => {
    const err = await withClient(admin(primary), (c) => queryRows(c, 'SELECT * FROM no_such_table')).catch((e: unknown) => e);
    assert.ok(err instanceof DbQueryFailed && err.sqlState === '42P01', String(err));
  });
  it('a link that goes dark right after an answer: closing does not wait for a close the server can never send', async () => {
    // A proxy that, once dark, forwards nothing and never closes (a cut, not a reset).
    let dark = false;
    const held: Socket[] = [];
    const proxy = createServer({ allowHalfOpen: true }, (client) => {
      const upstream = connect(primary.port, '127.0.0.1');
      held.push(client, upstream);
      for (const s of [client, upstream]) s.on('error', () => undefined);
      client.on('data', (d) => void (dark || upstream.write(d)));
      upstream.on('data', (d) => void (dark || client.write(d)));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const port = (proxy.address() as { port: number }).port;
      const started = Date.now();
      const outcome = withClient({ ...admin(primary), port }, async (c) => {
        const rows = await queryRows<{ one: number }>(c, 'SELECT 1 AS one');
        dark = true;
        return rows[0]?.one;
      }).then((v) => v, (e: unknown) => e);
      const first = await Promise.race([outcome, new Promise((r) => setTimeout(() => r('hung'), 10_000))]);
      const took = Date.now() - started;
      assert.equal(first, 1, 'the answer, without waiting for the dark server to close the connection');
      assert.ok(took < 5000, `took ${took} ms`);
    } finally {
      for (const s of held) s.destroy();
      proxy.close();
    }
  });
});
