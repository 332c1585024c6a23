/**
 * The lab's API certificates (`lab up` serves every agent's API with them), made by the real
 * openssl in a temp dir: the agent's loader takes each region's set, a real https server with it is
 * verified by name and the lab's CA, the CA is found where the CLI looks (api-tls-files.ts), the
 * lab's own requests (http.ts: readiness polls, drills) trust it with nothing set, and the lab's
 * Prometheus scrape job turns to https with that CA when given it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { loadApiMaterial } from '../../../src/agent/tls/index.ts';
import { writeLabApiCertificates } from '../../../src/lab/api-certs.ts';
import { labApiCaPath, labApiTlsDir, readLabApiCa } from '../../../src/lab/api-tls-files.ts';
import { httpGet } from '../../../src/lab/http.ts';
import { regionalConfig } from '../../../src/lab/prometheus-plan.ts';

let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-api-certs-'));
  await writeLabApiCertificates(dir, [{ region: 'eu-west', ips: ['127.0.0.1', '::1'] }, { region: 'us-east', ips: ['127.0.0.2'] }]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('each region gets the cert-manager layout naming its addresses, signed by the lab API CA; the loader takes it', () => {
  const ca = new X509Certificate(readFileSync(labApiCaPath(dir)));
  assert.match(ca.subject, /meridian lab API CA/);
  for (const [region, ip] of [['eu-west', '127.0.0.1'], ['us-east', '127.0.0.2']] as const) {
    const d = labApiTlsDir(dir, region);
    assert.equal(statSync(join(d, 'tls.key')).mode & 0o077, 0, 'tls.key is 0600');
    const cert = new X509Certificate(readFileSync(join(d, 'tls.crt')));
    assert.equal(cert.checkIP(ip), ip);
    assert.ok(cert.verify(ca.publicKey));
    assert.ok(loadApiMaterial(d).ca, 'ca.crt is in the directory too');
  }
});

test('readLabApiCa: the CA where the CLI looks; undefined without a lab', () => {
  assert.deepEqual(readLabApiCa(dir), readFileSync(labApiCaPath(dir)));
  assert.equal(readLabApiCa(join(dir, 'none')), undefined);
});

test('a real https server with a region set is verified by the lab CA and its address', async () => {
  const m = loadApiMaterial(labApiTlsDir(dir, 'eu-west'));
  const server = createServer({ cert: m.cert, key: m.key }, (_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/', agent: false, ca: readLabApiCa(dir) }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    assert.equal(body, 'ok');
  } finally {
    server.close();
  }
});

test("the lab's own requests (lab up's readiness polls, the drills' /status reads) trust the lab's API CA with nothing exported", async () => {
  const m = loadApiMaterial(labApiTlsDir(dir, 'eu-west'));
  const server = createServer({ cert: m.cert, key: m.key }, (_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const saved = { lab: process.env.MERIDIAN_LAB_DIR, ca: process.env.MERIDIAN_API_CA };
  try {
    delete process.env.MERIDIAN_API_CA;
    process.env.MERIDIAN_LAB_DIR = dir;
    assert.deepEqual(await httpGet(`https://127.0.0.1:${port}/`, 2_000), { status: 200, body: 'ok' });
    // Another lab's CA (none here): verification fails, it is never skipped.
    process.env.MERIDIAN_LAB_DIR = join(dir, 'none');
    await assert.rejects(httpGet(`https://127.0.0.1:${port}/`, 2_000), /self-signed certificate in certificate chain|unable to verify|issuer/i);
  } finally {
    server.close();
    for (const [k, v] of [['MERIDIAN_LAB_DIR', saved.lab], ['MERIDIAN_API_CA', saved.ca]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test('the regional Prometheus scrapes https with the CA only when given one', () => {
  const job = (c: Record<string, unknown>) => (c.scrape_configs as Record<string, unknown>[])[0]!;
  assert.equal(job(regionalConfig('eu-west', '10.0.0.1', '/t')).scheme, undefined);
  const tls = job(regionalConfig('eu-west', '10.0.0.1', '/t', '/lab/api-tls/ca.crt'));
  assert.equal(tls.scheme, 'https');
  assert.deepEqual(tls.tls_config, { ca_file: '/lab/api-tls/ca.crt' });
});
