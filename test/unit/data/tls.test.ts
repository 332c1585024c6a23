import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { standbyConninfo } from '../../../src/data/admin.ts';
import { conninfo, conninfoHostPort, renderHba } from '../../../src/data/conf.ts';
import { libpqSslParams, loadPgTlsDir, serverTlsOptions } from '../../../src/data/tls.ts';
import { InputError } from '../../../src/common/errors.ts';

const AUTH = { adminUser: 'postgres', adminPassword: 'a', replicationUser: 'replicator', replicationPassword: 'r', replicationPassfile: '/etc/meridian/pgpass' };

test('without TLS, conninfo strings are exactly what they were', () => {
  assert.deepEqual(libpqSslParams(undefined), {});
  assert.equal(standbyConninfo({ name: 'us-east', host: '10.0.0.2', port: 5432 }, { host: '10.0.0.1', port: 5432 }, AUTH),
    'host=10.0.0.1 port=5432 user=replicator passfile=/etc/meridian/pgpass application_name=us-east connect_timeout=3');
  assert.equal(serverTlsOptions(undefined), '');
});

test('with TLS, primary_conninfo verifies the server (verify-full) against the CA file, quoted when it holds a space', () => {
  const auth = { ...AUTH, tls: { caFile: "/etc/meridian/pg tls/it's ca.crt" } };
  const text = standbyConninfo({ name: 'us-east', host: '10.0.0.2', port: 5432 }, { host: '10.0.0.1', port: 5432 }, auth);
  assert.equal(text, "host=10.0.0.1 port=5432 user=replicator passfile=/etc/meridian/pgpass application_name=us-east connect_timeout=3 "
    + "sslmode=verify-full sslrootcert='/etc/meridian/pg tls/it\\'s ca.crt'");
  assert.deepEqual(conninfoHostPort(text), { host: '10.0.0.1', port: 5432 });
  assert.equal(conninfo({ host: 'h', ...libpqSslParams({ caFile: '/ca.crt' }) }), 'host=h sslmode=verify-full sslrootcert=/ca.crt');
});

test('the server side goes on the postmaster command line, each setting one shell word', () => {
  assert.equal(serverTlsOptions({ certFile: '/a b/tls.crt', keyFile: "/it's/tls.key" }),
    "-c ssl=on -c 'ssl_cert_file=/a b/tls.crt' -c 'ssl_key_file=/it'\\''s/tls.key'");
  assert.equal(serverTlsOptions({ certFile: '/t/tls.crt', keyFile: '/t/tls.key', caFile: '/t/ca.crt' }),
    "-c ssl=on -c 'ssl_cert_file=/t/tls.crt' -c 'ssl_key_file=/t/tls.key' -c 'ssl_ca_file=/t/ca.crt'");
});

test('renderHba with ssl: replication and admin from other networks over TLS only; loopback and applications unchanged', () => {
  const hba = renderHba({ replicationUser: 'replicator', adminUser: 'postgres', allowCidrs: ['10.20.0.0/16'], ssl: true });
  const lines = hba.trim().split('\n');
  assert.deepEqual(lines.slice(1), [
    'local all all peer',
    'host replication "replicator" 127.0.0.1/32 scram-sha-256',
    'host replication "replicator" ::1/128 scram-sha-256',
    'hostssl replication "replicator" 10.20.0.0/16 scram-sha-256',
    'host all all 127.0.0.1/32 scram-sha-256',
    'host all all ::1/128 scram-sha-256',
    'hostssl all "replicator" 10.20.0.0/16 scram-sha-256',
    'hostnossl all "replicator" 10.20.0.0/16 reject',
    'hostssl all "postgres" 10.20.0.0/16 scram-sha-256',
    'hostnossl all "postgres" 10.20.0.0/16 reject',
    'host all all 10.20.0.0/16 scram-sha-256',
  ]);
  assert.doesNotMatch(renderHba({ replicationUser: 'replicator', allowCidrs: ['10.20.0.0/16'] }), /hostssl|hostnossl/);
  assert.throws(() => renderHba({ replicationUser: 'r', allowCidrs: [], ssl: true }), /admin user/);
});

test('loadPgTlsDir: one InputError naming the file; good material gives the absolute paths', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-pgtls-'));
  try {
    assert.throws(() => loadPgTlsDir(dir), (e: unknown) => e instanceof InputError && e.message === `PostgreSQL TLS file ${join(dir, 'ca.crt')}: cannot read it (ENOENT)`);
    const { issueCertificate, makeCa } = await import('../../../src/lab/openssl-certs.ts');
    const ca = await makeCa(join(dir, 'ca'), 'test');
    const member = join(dir, 'm');
    await issueCertificate(ca, member, { commonName: 'pg', sans: ['IP:10.0.0.1'] });
    assert.deepEqual(loadPgTlsDir(member), {
      client: { caFile: join(member, 'ca.crt') },
      server: { certFile: join(member, 'tls.crt'), keyFile: join(member, 'tls.key'), caFile: join(member, 'ca.crt') },
    });
    writeFileSync(join(member, 'tls.key'), 'not a key');
    assert.throws(() => loadPgTlsDir(member), (e: unknown) => e instanceof InputError && e.message.startsWith(`PostgreSQL TLS file ${join(member, 'tls.key')}: not the key of`) && !e.message.includes('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
