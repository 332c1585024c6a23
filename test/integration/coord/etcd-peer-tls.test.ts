/**
 * etcd members talking to each other over TLS, as the lab runs them, on loopback without the lab
 * (no namespaces, no root): three real members at 127.0.1.1-3 started with the lab's plan pieces
 * (etcdMemberArgs with labEtcdServerTls and labEtcdPeerTls, certificates from
 * writeLabEtcdCertificates). They elect a leader over https peer URLs with certificates from the
 * member-to-member CA; the peer port refuses a connection without a certificate, with a client
 * certificate of the etcd client CA (an agent's), in plaintext, and with a member certificate that
 * does not name the address the connection comes from (etcd ≥ 3.2 checks a peer's IP SANs against
 * it: on loopback every member dials from 127.0.0.1, in the lab from its namespace's primary
 * address, which is why the lab's member certificates name that address too). A member's
 * certificates renewed in place are served at the next handshake, without a restart.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { loadTlsDir } from '../../../src/common/tls-dir.ts';
import { etcdMemberArgs, FAST_TEST_SETTINGS, type EtcdMember } from '../../../src/coord/index.ts';
import {
  labEtcdAgentDir, labEtcdPeerDir, labEtcdPeerTls, labEtcdRootDir, labEtcdServerDir, labEtcdServerTls, labEtcdTlsRoot, writeLabEtcdCertificates,
} from '../../../src/lab/etcd-certs.ts';
import { observeEtcd } from '../../../src/lab/live-status.ts';
import type { LabLayout } from '../../../src/lab/layout.ts';
import { issueCertificate } from '../../../src/lab/openssl-certs.ts';
import { freePort } from '../../support/ports.ts';

const ETCD_BIN = process.env.MERIDIAN_ETCD_BIN ?? '/usr/bin/etcd';
const NAMES = ['eu-west', 'us-east', 'ap-south'] as const;
const ip = (i: number) => `127.0.1.${i + 1}`;
let dir: string;
let members: EtcdMember[];
const procs: ChildProcess[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-etcd-peer-'));
  // Loopback connections leave from 127.0.0.1, whatever address the member listens on.
  await writeLabEtcdCertificates(dir, NAMES.map((region, i) => ({ region, ips: [ip(i)], dialsFrom: ['127.0.0.1'] })));
  members = await Promise.all(NAMES.map(async (name, i) => ({
    name, clientUrl: `https://${ip(i)}:${await freePort(ip(i))}`, peerUrl: `https://${ip(i)}:${await freePort(ip(i))}`, dataDir: join(dir, 'data', name),
    clientTls: labEtcdServerTls(dir, name), peerTls: labEtcdPeerTls(dir, name),
  })));
  const settings = { ...FAST_TEST_SETTINGS, clusterToken: `peer-tls-${process.pid}` };
  for (const m of members) procs.push(spawn(ETCD_BIN, etcdMemberArgs(m, members, settings), { stdio: 'ignore' }));
});

after(async () => {
  await Promise.all(procs.filter((p) => p.exitCode === null).map((p) => {
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    return exited;
  }));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * GET `path` (default `/members` on a peer port, which lists the cluster as members see it),
 * presenting the certificate in `tlsDir` if any; `serial`: the certificate the member served.
 */
function peerGet(url: string, tlsDir: string | undefined, ca = join(labEtcdPeerDir(dir, 'eu-west'), 'ca.crt'), path = '/members'): Promise<{ status: number; body: string; serial: string }> {
  const tls = tlsDir ? loadTlsDir(tlsDir, 'etcd TLS') : undefined;
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: false, timeout: 2_000, ca: readFileSync(ca), ...(tls ? { cert: tls.cert, key: tls.key } : {}) }, (res) => {
      let body = '';
      const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber.toUpperCase();
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, serial }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

test('three members elect a leader over https peer URLs, with member-to-member certificates', { skip: existsSync(ETCD_BIN) ? false : 'needs etcd' }, async () => {
  const layout = { regions: members.map((m) => ({ name: m.name, etcd: { client: m.clientUrl, peer: m.peerUrl } })) } as unknown as LabLayout;
  const rootTls = loadTlsDir(labEtcdRootDir(dir), 'etcd TLS');
  const deadline = Date.now() + 20_000;
  while (!(await observeEtcd(layout, rootTls)).every((m) => m.healthy)) {
    assert.ok(Date.now() < deadline, 'every member healthy (a leader, over TLS between members) within 20 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const listed = JSON.parse((await peerGet(members[0]!.peerUrl, labEtcdPeerDir(dir, 'us-east'))).body) as { peerURLs: string[] }[];
  assert.deepEqual(listed.flatMap((m) => m.peerURLs).sort(), members.map((m) => m.peerUrl).sort());
  assert.ok(listed.flatMap((m) => m.peerURLs).every((u) => u.startsWith('https://')));
});

test('the peer port refuses no certificate, an agent\'s client certificate, plaintext, and a member certificate not naming the source address', { skip: existsSync(ETCD_BIN) ? false : 'needs etcd' }, async () => {
  const peer = members[0]!.peerUrl;
  await assert.rejects(peerGet(peer, undefined), 'no client certificate');
  await assert.rejects(peerGet(peer, labEtcdAgentDir(dir, 'eu-west')), 'a certificate of the client CA');
  const plain = await fetch(peer.replace('https:', 'http:') + '/members', { signal: AbortSignal.timeout(2_000) }).then((r) => r.status, () => 0);
  assert.notEqual(plain, 200, 'plaintext');
  // Signed by the member-to-member CA, but naming only the member's own address, not 127.0.0.1.
  const narrow = join(dir, 'narrow');
  await issueCertificate({ crt: join(labEtcdTlsRoot(dir), 'peer-ca', 'ca.crt'), key: join(labEtcdTlsRoot(dir), 'peer-ca', 'ca.key') }, narrow, { commonName: 'etcd member narrow', sans: [`IP:${ip(1)}`] });
  await assert.rejects(peerGet(peer, narrow), 'IP SANs without the source address');
  assert.equal((await peerGet(peer, labEtcdPeerDir(dir, 'ap-south'))).status, 200, 'a member certificate naming 127.0.0.1 is accepted');
});

test('renewed member certificates (client port and peer port) are served at the next handshake, without a restart', { skip: existsSync(ETCD_BIN) ? false : 'needs etcd' }, async () => {
  const m = members[0]!;
  const serialOf = (d: string) => new X509Certificate(readFileSync(join(d, 'tls.crt'))).serialNumber.toUpperCase();
  const clientCa = join(labEtcdRootDir(dir), 'ca.crt');
  const health = () => peerGet(m.clientUrl, labEtcdRootDir(dir), clientCa, '/health');
  assert.equal((await health()).serial, serialOf(labEtcdServerDir(dir, m.name)));
  const pid = procs[0]!.pid;
  const root = labEtcdTlsRoot(dir);
  await issueCertificate({ crt: join(root, 'ca.crt'), key: join(root, 'ca.key') }, labEtcdServerDir(dir, m.name), { commonName: `etcd ${m.name}`, sans: [`IP:${ip(0)}`] });
  await issueCertificate({ crt: join(root, 'peer-ca', 'ca.crt'), key: join(root, 'peer-ca', 'ca.key') }, labEtcdPeerDir(dir, m.name), { commonName: `etcd member ${m.name}`, sans: [`IP:${ip(0)}`, 'IP:127.0.0.1'] });
  const served = await health();
  assert.deepEqual([served.status, served.serial], [200, serialOf(labEtcdServerDir(dir, m.name))], 'the client port serves the renewed certificate');
  assert.equal((await peerGet(m.peerUrl, labEtcdPeerDir(dir, 'us-east'))).serial, serialOf(labEtcdPeerDir(dir, m.name)), 'so does the peer port');
  assert.equal(procs[0]!.pid, pid);
  assert.equal(procs[0]!.exitCode, null, 'the member still runs');
});
