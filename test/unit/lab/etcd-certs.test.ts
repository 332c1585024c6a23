/**
 * The lab's etcd certificates, made by the real openssl in a temp dir (src/lab/etcd-certs.ts): a
 * CA of their own, member certificates naming the members' addresses, agent certificates whose CN
 * is the agent's etcd user, a root certificate; member-to-member certificates from a second CA,
 * naming the addresses each member dials from too; the agent's loader takes each agent directory;
 * and the etcdctl command lines the lab runs to turn RBAC on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEtcdTls } from '../../../src/coord/index.ts';
import { labEtcdAgentDir, labEtcdPeerDir, labEtcdPeerTls, labEtcdRootDir, labEtcdServerDir, labEtcdServerTls, writeLabEtcdCertificates } from '../../../src/lab/etcd-certs.ts';
import { etcdctlArgs } from '../../../src/lab/etcd-rbac.ts';
import { labPeerTlsRoot, writeLabPeerCertificates } from '../../../src/lab/peer-certs.ts';

let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-etcd-certs-'));
  await writeLabEtcdCertificates(dir, [{ region: 'eu-west', ips: ['10.231.1.2', 'fd77:231::1:2'], dialsFrom: ['10.231.1.1'] }, { region: 'us-east', ips: ['10.231.2.2'] }]);
  await writeLabPeerCertificates(dir, [{ region: 'eu-west', ips: ['10.231.1.1'] }]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const cert = (d: string) => new X509Certificate(readFileSync(join(d, 'tls.crt')));

test('each member certificate names its addresses and is signed by the etcd CA; keys are 0600', () => {
  const ca = new X509Certificate(readFileSync(join(dir, 'etcd-tls', 'ca.crt')));
  const eu = cert(labEtcdServerDir(dir, 'eu-west'));
  assert.match(eu.subjectAltName ?? '', /IP Address:10\.231\.1\.2/);
  assert.match(eu.subjectAltName ?? '', /IP Address:FD77:231:0:0:0:0:1:2/i);
  assert.ok(eu.verify(ca.publicKey));
  assert.equal(statSync(join(labEtcdServerDir(dir, 'eu-west'), 'tls.key')).mode & 0o077, 0);
  assert.equal(statSync(join(dir, 'etcd-tls', 'ca.key')).mode & 0o077, 0);
  assert.deepEqual(labEtcdServerTls(dir, 'us-east'), {
    certFile: join(dir, 'etcd-tls/server/us-east/tls.crt'), keyFile: join(dir, 'etcd-tls/server/us-east/tls.key'), trustedCaFile: join(dir, 'etcd-tls/server/us-east/ca.crt'),
  });
});

test('member-to-member certificates: their own CA, which signed no client certificate; naming the member and where it dials from', () => {
  const clientCa = new X509Certificate(readFileSync(join(dir, 'etcd-tls', 'ca.crt')));
  const peerCa = new X509Certificate(readFileSync(join(dir, 'etcd-tls', 'peer-ca', 'ca.crt')));
  assert.notEqual(clientCa.fingerprint256, peerCa.fingerprint256);
  const eu = cert(labEtcdPeerDir(dir, 'eu-west'));
  assert.ok(eu.verify(peerCa.publicKey));
  assert.equal(eu.verify(clientCa.publicKey), false);
  assert.deepEqual([eu.checkIP('10.231.1.2'), eu.checkIP('10.231.1.1')], ['10.231.1.2', '10.231.1.1'], 'its etcd address, and the primary address it dials from');
  assert.equal(cert(labEtcdPeerDir(dir, 'us-east')).checkIP('10.231.2.1'), undefined, 'no dialsFrom: its own addresses only');
  for (const who of [labEtcdAgentDir(dir, 'eu-west'), labEtcdRootDir(dir)]) assert.equal(cert(who).verify(peerCa.publicKey), false, `${who} cannot join raft`);
  assert.equal(statSync(join(labEtcdPeerDir(dir, 'eu-west'), 'tls.key')).mode & 0o077, 0);
  assert.deepEqual(labEtcdPeerTls(dir, 'us-east'), {
    certFile: join(dir, 'etcd-tls/peer/us-east/tls.crt'), keyFile: join(dir, 'etcd-tls/peer/us-east/tls.key'), trustedCaFile: join(dir, 'etcd-tls/peer/us-east/ca.crt'),
  });
});

test("each agent's directory loads as --etcd-tls, its CN the agent's etcd user; root's CN is root", () => {
  assert.equal(loadEtcdTls(labEtcdAgentDir(dir, 'eu-west')).user, 'meridian-eu-west');
  assert.equal(loadEtcdTls(labEtcdAgentDir(dir, 'us-east')).user, 'meridian-us-east');
  assert.equal(loadEtcdTls(labEtcdRootDir(dir)).user, 'root');
});

test("the etcd CA is not the agents' peer CA: a peer certificate opens no etcd connection", () => {
  const etcdCa = new X509Certificate(readFileSync(join(dir, 'etcd-tls', 'ca.crt')));
  const peerCa = new X509Certificate(readFileSync(join(labPeerTlsRoot(dir), 'ca.crt')));
  assert.notEqual(etcdCa.fingerprint256, peerCa.fingerprint256);
  assert.equal(cert(join(labPeerTlsRoot(dir), 'eu-west')).verify(etcdCa.publicKey), false);
});

test('etcdctl runs with the root certificate against every member', () => {
  assert.deepEqual(etcdctlArgs('/lab', ['https://10.231.1.2:2379', 'https://10.231.2.2:2379']), [
    '--endpoints=https://10.231.1.2:2379,https://10.231.2.2:2379',
    '--cacert=/lab/etcd-tls/root/ca.crt', '--cert=/lab/etcd-tls/root/tls.crt', '--key=/lab/etcd-tls/root/tls.key',
    '--dial-timeout=2s', '--command-timeout=5s',
  ]);
});
