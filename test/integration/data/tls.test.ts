/**
 * PostgreSQL over TLS on real PostgreSQL 15 (members on loopback, certificates by the real
 * openssl): a standby streams over TLS and Meridian's control sessions use it; a client that
 * cannot verify the server is refused in one line; a cancel still reaches a TLS server; pg_rewind
 * takes its source over TLS; and from a non-loopback network pg_hba lets the admin and
 * replication roles in over TLS only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import {
  DbUnavailable, adminTarget, initPrimary, promote, queryRows, readMemberState, rewindAndRejoin, stop, withClient,
  type PgAuth, type PgMember, type PgTarget,
} from '../../../src/data/index.ts';
import { backendKeyOf, sendCancelRequest } from '../../../src/data/cancel-request.ts';
import { freePort } from '../../support/ports.ts';
import { PgSandbox, TEST_INITDB_ARGS, TEST_SETTINGS, app, eventually, sql } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let auth: PgAuth;
let primary: PgMember;
let east: PgMember;

const admin = (m: PgMember): PgTarget => adminTarget(m, auth);

async function refusal(target: PgTarget): Promise<DbUnavailable> {
  const err = await withClient(target, async () => 1, { connectMs: 2000 }).catch((e: unknown) => e);
  assert.ok(err instanceof DbUnavailable, String(err));
  assert.doesNotMatch(err.message, /\n/);
  return err;
}

describe('PostgreSQL over TLS', () => {
  before(async () => {
    sandbox = await PgSandbox.create({ tls: true });
    auth = sandbox.auth;
    primary = await sandbox.primary('eu-west');
    east = await sandbox.standby('us-east', primary);
    await sql(app(primary), 'CREATE TABLE orders (id int PRIMARY KEY)');
  });
  after(() => sandbox?.cleanup());

  it('the standby streams over TLS, verify-full, and a control session is TLS too', async () => {
    await sql(app(primary), 'INSERT INTO orders VALUES (1)');
    await eventually('us-east streams', async () => (await sql(admin(primary), "SELECT 1 FROM pg_stat_replication WHERE application_name = 'us-east' AND state = 'streaming'")).length === 1);
    const [walsender] = await sql<{ ssl: boolean; version: string }>(admin(primary),
      "SELECT s.ssl, s.version FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = 'us-east'");
    assert.equal(walsender?.ssl, true);
    assert.match(walsender?.version ?? '', /^TLSv1\.[23]$/);
    const [control] = await sql<{ ssl: boolean }>(admin(primary), 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    assert.equal(control?.ssl, true);
    const [conninfo] = await sql<{ v: string }>(admin(east), "SELECT current_setting('primary_conninfo') AS v");
    assert.match(conninfo?.v ?? '', /sslmode=verify-full sslrootcert=\S+ca\.crt/);
    const state = await readMemberState(admin(east));
    assert.ok(state.reachable && state.role === 'standby');
  });

  it('refuses a server whose certificate is not signed by the CA, in one line', async () => {
    const err = await refusal({ ...admin(primary), tls: { caFile: sandbox.pki!.otherCa.crt } });
    assert.equal(err.code, 'other');
    assert.match(err.message, /^postgres at 127\.0\.0\.1:\d+: TLS refused: .*(certificate|issuer)/);
  });

  it('refuses a certificate that does not name the host connected to (verify-full)', async () => {
    // The certificate names IP:127.0.0.1 only; "localhost" reaches the same server.
    const err = await refusal({ ...admin(primary), host: 'localhost' });
    assert.match(err.message, /^postgres at localhost:\d+: TLS refused: Hostname\/IP does not match certificate's altnames: Host: localhost/);
  });

  it('names an unreadable CA file', async () => {
    const err = await refusal({ ...admin(primary), tls: { caFile: '/nonexistent/ca.crt' } });
    assert.match(err.message, /TLS CA file \/nonexistent\/ca\.crt: cannot read it \(ENOENT\)/);
  });

  it('a CancelRequest (plaintext, as libpq sends it) still cancels a TLS session', async () => {
    const client = new pg.Client({
      host: primary.host, port: primary.port, user: auth.adminUser, password: auth.adminPassword, database: 'postgres',
      ssl: { ca: await readFile(auth.tls!.caFile), rejectUnauthorized: true },
    });
    await client.connect();
    try {
      const [me] = await queryRows<{ ssl: boolean }>(client, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      assert.equal(me?.ssl, true);
      const sleeping = client.query('SELECT pg_sleep(30)').then(() => 'finished', (e: Error & { code?: string }) => e.code);
      await new Promise((r) => setTimeout(r, 200));
      const key = backendKeyOf(client);
      assert.ok(key);
      assert.equal(await sendCancelRequest(primary.host, primary.port, key, 2000), true);
      assert.equal(await sleeping, '57014'); // query_canceled
    } finally {
      await client.end();
    }
  });

  it('rejoins the old primary by pg_rewind from a TLS source, and it streams over TLS', async () => {
    assert.equal((await promote(east, auth)).kind, 'promoted');
    await sql(app(primary), 'INSERT INTO orders VALUES (666)'); // the zombie's diverging write
    await stop(primary, { mode: 'immediate' });
    assert.deepEqual(await rewindAndRejoin(primary, east, auth), { kind: 'rejoined', path: 'rewind' });
    await eventually('eu-west streams from us-east over TLS', async () =>
      (await sql(admin(east), "SELECT 1 FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = 'eu-west' AND s.ssl")).length === 1);
    assert.deepEqual(await sql(app(primary), 'SELECT id FROM orders ORDER BY id'), [{ id: 1 }]);
  });
});

describe('pg_hba with TLS, from a network that is not loopback', () => {
  let s: PgSandbox;
  let member: PgMember;
  before(async () => {
    s = await PgSandbox.create({ tls: true });
    // 127.0.0.2 is not in the loopback rules (127.0.0.1/32): it stands for another region.
    const files = await s.pki!.issue('far', ['IP:127.0.0.2']);
    member = { name: 'far', host: '127.0.0.2', port: await freePort('127.0.0.2'), dataDir: join(s.root, 'far'), serverTls: files.server };
    await initPrimary({
      member, auth: s.auth, settings: TEST_SETTINGS, initdbArgs: TEST_INITDB_ARGS, allowCidrs: ['127.0.0.2/32'],
      app: { user: 'app', password: 'app-secret', database: 'app' },
    });
  });
  after(() => s?.cleanup());

  it('the admin role gets in over TLS only; an application may still use plaintext', async () => {
    const ca = await readFile(s.auth.tls!.caFile);
    const admin = { user: s.auth.adminUser, password: s.auth.adminPassword, database: 'postgres' };
    assert.equal(await sslOfSession({ ...admin, ssl: { ca, rejectUnauthorized: true } }), true);
    await assert.rejects(sslOfSession(admin), /pg_hba\.conf rejects connection for host "127\.0\.0\.2", user "postgres", database "postgres", no encryption/);
    await assert.rejects(sslOfSession({ user: s.auth.replicationUser, password: s.auth.replicationPassword, database: 'postgres' }), /no encryption/);
    assert.equal(await sslOfSession({ user: 'app', password: 'app-secret', database: 'app' }), false);
  });

  /** A session from 127.0.0.2 (the kernel would pick 127.0.0.1, which the loopback rules match). */
  async function sslOfSession(config: pg.ClientConfig): Promise<boolean> {
    const client = new pg.Client({ ...config, host: member.host, port: member.port, stream: () => new FromAddress('127.0.0.2') });
    await client.connect();
    try {
      const [row] = await queryRows<{ ssl: boolean }>(client, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      return row!.ssl;
    } finally {
      await client.end();
    }
  }
});

/** A socket that connects from a given local address (pg calls `connect(port, host)`). */
class FromAddress extends Socket {
  constructor(private readonly fromAddress: string) {
    super();
  }

  override connect(...args: unknown[]): this {
    return super.connect({ port: args[0] as number, host: args[1] as string, localAddress: this.fromAddress });
  }
}
