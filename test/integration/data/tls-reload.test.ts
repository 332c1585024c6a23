/**
 * Rotating a PostgreSQL member's server certificate without a restart (docs/security.md "Rotating
 * certificates without a restart"), on real PostgreSQL 15 on loopback: the files at the same paths
 * (the ones `pg_ctl -o` named at start) are replaced, `SELECT pg_reload_conf()` (what SIGHUP does),
 * and the next TLS connection gets the new certificate from the same postmaster, while a session
 * opened before keeps working. Meridian does not do this by itself: the agent reads `--pg-tls` at
 * start and never reloads its member when the files change.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type pg from 'pg';
import { adminTarget, withClient, type PgAuth, type PgMember, type PgTarget } from '../../../src/data/index.ts';
import { PgSandbox, eventually, sql } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let auth: PgAuth;
let primary: PgMember;
const admin = (): PgTarget => adminTarget(primary, auth);

before(async () => {
  sandbox = await PgSandbox.create({ tls: true });
  auth = sandbox.auth;
  primary = await sandbox.primary('eu-west');
});
after(() => sandbox?.cleanup());

/** The serial of the certificate the server presented on this session (node-postgres' TLS socket). */
const servedSerial = (client: pg.Client): string =>
  ((client as unknown as { connection: { stream: TLSSocket } }).connection.stream.getPeerCertificate().serialNumber ?? '').toUpperCase();
const fileSerial = (): string => new X509Certificate(readFileSync(primary.serverTls!.certFile)).serialNumber.toUpperCase();
const postmasterPid = (): string => readFileSync(join(primary.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!;

test('a renewed server certificate is served after pg_reload_conf, by the same postmaster, without dropping sessions', async () => {
  const before = { serial: fileSerial(), pid: postmasterPid() };
  assert.equal(await withClient(admin(), async (c) => servedSerial(c)), before.serial);
  await withClient(admin(), async (open) => {
    // Same paths, new key and certificate (a random serial), as cert-manager renews a Secret.
    await sandbox.pki!.issue('eu-west', ['IP:127.0.0.1']);
    const renewed = fileSerial();
    assert.notEqual(renewed, before.serial);
    await sql(admin(), 'SELECT pg_reload_conf()');
    await eventually('new connections get the renewed certificate', async () => (await withClient(admin(), async (c) => servedSerial(c))) === renewed);
    assert.equal(postmasterPid(), before.pid, 'no restart');
    assert.deepEqual((await open.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'a session opened before the reload still works');
    assert.equal(servedSerial(open), before.serial, 'and keeps the certificate it was opened with');
  });
});

test('a broken certificate file at reload keeps the one in force (PostgreSQL logs "SSL configuration was not reloaded")', async () => {
  const inForce = await withClient(admin(), async (c) => servedSerial(c));
  const loadedAt = async () => (await sql<{ t: string }>(admin(), 'SELECT pg_conf_load_time()::text AS t'))[0]!.t;
  const before = await loadedAt();
  writeFileSync(primary.serverTls!.certFile, 'not a certificate\n');
  await sql(admin(), 'SELECT pg_reload_conf()');
  // A new session inherits the postmaster's load time: once it moves, the reload (and its TLS part) has run.
  await eventually('the postmaster reloaded', async () => (await loadedAt()) !== before);
  assert.equal(await withClient(admin(), async (c) => servedSerial(c)), inForce, 'still TLS, with the previous certificate');
});
