/**
 * The operators' API over https (`meridian agent --api-tls DIR`, docs/security.md "The operators'
 * API over TLS"), on loopback only (no lab): real agents as child processes with certificates made
 * by the real openssl (src/lab/openssl-certs.ts) in a temp dir, and the real CLI. `meridian status`
 * reads /status over https with MERIDIAN_API_CA; without the CA, or against a certificate that
 * does not name the agent's address, it fails with the reason on one line and exit 1; a plaintext
 * request to the https port gets no answer; new certificate files are served without a restart;
 * a scheme and flag that disagree stop the agent with one line and exit 2.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { issueCertificate, makeCa, type CertificateAuthority } from '../../../src/lab/openssl-certs.ts';
import { freePort } from '../../support/ports.ts';
import { EndpointServer, waitFor } from './fixtures.ts';

const BIN = new URL('../../../bin/meridian.js', import.meta.url).pathname;
const GOOD_IP = '127.0.86.11';
const WRONG_IP = '127.0.86.12';
const ENDPOINT_IP = '127.0.86.21';
const env = { ...process.env, MERIDIAN_LOG_LEVEL: 'warn', MERIDIAN_API_CA: '', MERIDIAN_TOKEN: '', MERIDIAN_LAB_DIR: '/nonexistent/meridian-lab' };

let dir = '';
let ca: CertificateAuthority;
const endpoint = { server: undefined as EndpointServer | undefined };
const children: ChildProcess[] = [];
const agents = {} as Record<'good' | 'wrong', { file: string; port: number; tlsDir: string }>;

async function topologyFile(name: string, ip: string, scheme: 'http' | 'https', servicePort: number): Promise<{ file: string; port: number }> {
  const [dns, port] = [await freePort(ip), await freePort(ip)];
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, `apiVersion: meridian/v1
zone: api-tls.test
regions:
  - { name: solo, agent: { dns: "${ip}:${dns}", api: "${scheme}://${ip}:${port}" } }
services:
  - name: web
    hostname: web
    port: ${servicePort}
    endpoints: { solo: ["${ENDPOINT_IP}"] }
    health: { interval: 200ms, timeout: 150ms }
    policy: { type: failover, order: [solo] }
`);
  return { file, port };
}

function meridian(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { env: { ...env, ...extraEnv }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The serial of the certificate the server at ip:port presents now (not verified: this is what it serves). */
function servedSerial(ip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: ip, port, rejectUnauthorized: false }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meridian-api-tls-'));
  ca = await makeCa(join(dir, 'ca'), 'meridian test API CA');
  const servicePort = await freePort(ENDPOINT_IP);
  endpoint.server = new EndpointServer(ENDPOINT_IP, servicePort);
  await endpoint.server.start();
  for (const [name, ip, sans] of [['good', GOOD_IP, [`IP:${GOOD_IP}`]], ['wrong', WRONG_IP, ['IP:127.0.86.99', 'DNS:elsewhere.test']]] as const) {
    const { file, port } = await topologyFile(name, ip, 'https', servicePort);
    const tlsDir = join(dir, `${name}-tls`);
    await issueCertificate(ca, tlsDir, { commonName: `meridian api ${name}`, sans });
    agents[name] = { file, port, tlsDir };
    const child = spawn('node', [BIN, 'agent', '-f', file, '--region', 'solo', '--api-tls', tlsDir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
  }
  // Up once each serves TLS (the handshake itself, whatever the name).
  await waitFor('both agents serving TLS', () => Promise.all([servedSerial(GOOD_IP, agents.good.port), servedSerial(WRONG_IP, agents.wrong.port)]), 15_000);
});

after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
  await endpoint.server?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('meridian status reads an https agent with MERIDIAN_API_CA', async () => {
  const r = await meridian(['status', '-f', agents.good.file, '--json'], { MERIDIAN_API_CA: ca.crt });
  assert.equal(r.code, 0, r.stderr);
  const readings = JSON.parse(r.stdout) as { region: string; kind: string; api: string }[];
  assert.deepEqual(readings.map((x) => [x.region, x.kind]), [['solo', 'ok']]);
  assert.match(readings[0]!.api, /^https:\/\//);
});

test('without the CA the CLI fails: the certificate is not trusted, on one line, exit 1', async () => {
  const r = await meridian(['status', '-f', agents.good.file]);
  assert.equal(r.code, 1);
  const line = r.stdout.split('\n').find((l) => l.includes('not signed by a trusted CA'));
  assert.ok(line, r.stdout);
  assert.match(line, /MERIDIAN_API_CA=/);
  assert.match(r.stderr, /no agent answered/);
});

test('a certificate not naming the address fails on one line, exit 1, even with the right CA', async () => {
  const r = await meridian(['status', '-f', agents.wrong.file], { MERIDIAN_API_CA: ca.crt });
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`does not name ${WRONG_IP.replaceAll('.', '\\.')} \\(ERR_TLS_CERT_ALTNAME_INVALID\\)`));
});

test('MERIDIAN_API_CA naming no file is said, not skipped', async () => {
  const r = await meridian(['status', '-f', agents.good.file], { MERIDIAN_API_CA: join(dir, 'missing.crt') });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /MERIDIAN_API_CA=.*missing\.crt: cannot read it \(ENOENT\)/);
});

test('a plaintext request to the https port gets no HTTP answer', async () => {
  const outcome = await new Promise<string>((resolve) => {
    const req = httpGet({ host: GOOD_IP, port: agents.good.port, path: '/status', agent: false, timeout: 3_000 }, (res) => {
      res.resume();
      resolve(`status ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
  });
  assert.match(outcome, /^error /);
});

test('new certificate files are served without a restart', async () => {
  const before = await servedSerial(GOOD_IP, agents.good.port);
  const next = join(dir, 'good-tls-next');
  await issueCertificate(ca, next, { commonName: 'meridian api good (rotated)', sans: [`IP:${GOOD_IP}`] });
  // As a Secret update does: each file replaced by a rename.
  renameSync(join(next, 'tls.key'), join(agents.good.tlsDir, 'tls.key'));
  renameSync(join(next, 'tls.crt'), join(agents.good.tlsDir, 'tls.crt'));
  await waitFor('the rotated certificate served', async () => ((await servedSerial(GOOD_IP, agents.good.port)) !== before ? true : undefined), 10_000);
  const r = await meridian(['status', '-f', agents.good.file, '--json'], { MERIDIAN_API_CA: ca.crt });
  assert.equal(r.code, 0, r.stderr);
});

test('an https agent.api without --api-tls, or --api-tls with an http one, stops the agent with one line, exit 2', async () => {
  const plain = await topologyFile('plain', '127.0.86.13', 'http', 9);
  const mismatch = await meridian(['agent', '-f', plain.file, '--region', 'solo', '--api-tls', agents.good.tlsDir]);
  assert.equal(mismatch.code, 2);
  assert.match(mismatch.stderr, /--api-tls was given but regions\.solo\.agent\.api is http:\/\/127\.0\.86\.13:\d+ \(http\): make it https:\/\//);
  const noCert = await meridian(['agent', '-f', agents.good.file, '--region', 'solo']);
  assert.equal(noCert.code, 2);
  assert.match(noCert.stderr, /regions\.solo\.agent\.api is https:\/\/127\.0\.86\.11:\d+ \(https\) but the agent has no API certificate: pass --api-tls DIR/);
  assert.equal(noCert.stderr.trim().split('\n').length, 1, noCert.stderr);
});

test('the CLI finds a running lab\'s API CA (<lab dir>/api-tls/ca.crt) without MERIDIAN_API_CA', async () => {
  const labDir = join(dir, 'lab');
  mkdirSync(join(labDir, 'api-tls'), { recursive: true });
  copyFileSync(ca.crt, join(labDir, 'api-tls', 'ca.crt'));
  const r = await meridian(['status', '-f', agents.good.file, '--json'], { MERIDIAN_LAB_DIR: labDir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // MERIDIAN_API_CA, when set, is the only CA trusted: the lab's is not added to it.
  const other = await makeCa(join(dir, 'other-ca'), 'another CA');
  const refused = await meridian(['status', '-f', agents.good.file], { MERIDIAN_LAB_DIR: labDir, MERIDIAN_API_CA: other.crt });
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /not signed by a trusted CA/);
});

test('the dashboard page and /metrics are served over https (same origin: the page reads this agent only)', async () => {
  const got = (path: string) => new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    httpsGet({ host: GOOD_IP, port: agents.good.port, path, agent: false, ca: readFileSync(ca.crt) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
  const page = await got('/');
  assert.equal(page.status, 200);
  assert.match(page.type, /text\/html/);
  assert.doesNotMatch(page.body, /http:\/\/127\./, "no absolute plain-http URL to the agent in the page");
  const metrics = await got('/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /^# (HELP|TYPE) /m);
});
