/** The lab's PostgreSQL certificates, made by the real openssl (no lab is started). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPgTlsDir } from '../../../src/data/index.ts';
import { lookupIds } from '../../../src/data/process.ts';
import { existingLabPgClientTls, labPgServerTls, labPgTlsDir, writeLabPgCertificates } from '../../../src/lab/pg-certs.ts';

test("one certificate per region naming its database addresses, readable by postgres; the CA for the lab's clients", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-lab-pg-'));
  try {
    assert.equal(existingLabPgClientTls(dir), undefined);
    await writeLabPgCertificates(dir, [{ region: 'eu-west', ips: ['10.231.1.5'] }, { region: 'us-east', ips: ['10.231.2.5'] }]);
    const { uid } = await lookupIds('postgres');
    for (const [region, ip] of [['eu-west', '10.231.1.5'], ['us-east', '10.231.2.5']] as const) {
      const files = loadPgTlsDir(labPgTlsDir(dir, region));
      assert.deepEqual(files.server, labPgServerTls(dir, region));
      const cert = new X509Certificate(readFileSync(files.server.certFile));
      assert.equal(cert.subjectAltName, `IP Address:${ip}`);
      assert.equal(cert.checkIP(ip), ip);
      const key = statSync(files.server.keyFile);
      assert.equal(key.uid, uid);
      assert.equal(key.mode & 0o777, 0o600);
      assert.equal(statSync(labPgTlsDir(dir, region)).uid, uid);
    }
    const client = existingLabPgClientTls(dir);
    assert.equal(client?.caFile, join(dir, 'pg-tls', 'ca.crt'));
    assert.equal(statSync(client!.caFile).mode & 0o777, 0o644);
    assert.equal(statSync(join(dir, 'pg-tls', 'ca', 'ca.key')).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
