/**
 * The lab's peer certificates, made by the real openssl in a temp dir: node's TLS accepts the
 * chain both ways (mutual TLS, TLS 1.3), each side reads the other's region from its URI SAN, and
 * the agent's loader (src/agent/tls/files.ts) takes the set and refuses broken ones by file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { issuePeerCertificate, labPeerTlsDir, makePeerCa, writeLabPeerCertificates } from '../../../src/lab/peer-certs.ts';
import { loadMaterial, regionOfCertificate } from '../../../src/agent/tls/index.ts';
import { InputError } from '../../../src/common/errors.ts';

let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-peer-certs-'));
  await writeLabPeerCertificates(dir, [{ region: 'eu-west', ips: ['127.0.0.1'] }, { region: 'us-east', ips: ['127.0.0.1', '::1'] }]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

const files = (region: string) => {
  const d = labPeerTlsDir(dir, region);
  return { ca: readFileSync(join(d, 'ca.crt')), cert: readFileSync(join(d, 'tls.crt')), key: readFileSync(join(d, 'tls.key')) };
};

test('each region gets the cert-manager layout, its key readable by its owner only, and a SAN naming it', () => {
  for (const region of ['eu-west', 'us-east']) {
    const d = labPeerTlsDir(dir, region);
    assert.equal(statSync(join(d, 'tls.key')).mode & 0o077, 0, 'tls.key is 0600');
    const cert = new X509Certificate(readFileSync(join(d, 'tls.crt')));
    assert.deepEqual(regionOfCertificate({ subjectaltname: cert.subjectAltName }), { kind: 'region', region });
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.ok(cert.verify(new X509Certificate(readFileSync(join(d, 'ca.crt'))).publicKey), 'signed by the CA');
  }
  assert.equal(statSync(join(dir, 'peer-tls', 'ca.key')).mode & 0o077, 0, 'ca.key is 0600');
});

test('node accepts the chain both ways over TLS 1.3, and each side reads the other\'s region', async () => {
  const server = createServer({ ...files('eu-west'), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' });
  const seenByServer = once(server, 'secureConnection') as Promise<[TLSSocket]>;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = connect({ host: '127.0.0.1', port, ...files('us-east'), minVersion: 'TLSv1.3', checkServerIdentity: () => undefined });
  await once(client, 'secureConnect');
  const [socket] = await seenByServer;
  try {
    assert.equal(client.authorized, true, String(client.authorizationError));
    assert.equal(socket.authorized, true, String(socket.authorizationError));
    assert.equal(client.getProtocol(), 'TLSv1.3');
    assert.deepEqual(regionOfCertificate(client.getPeerCertificate()), { kind: 'region', region: 'eu-west' });
    assert.deepEqual(regionOfCertificate(socket.getPeerCertificate()), { kind: 'region', region: 'us-east' });
  } finally {
    client.destroy();
    socket.destroy();
    server.close();
  }
});

test('a certificate from another CA is refused by the handshake', async () => {
  const other = join(dir, 'other');
  const ca = await makePeerCa(join(other, 'ca'));
  await issuePeerCertificate(ca, join(other, 'us-east'), { region: 'us-east', ips: [] });
  const server = createServer({ ...files('eu-west'), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const foreign = { cert: readFileSync(join(other, 'us-east', 'tls.crt')), key: readFileSync(join(other, 'us-east', 'tls.key')) };
  // The client trusts the lab CA (so it gets as far as sending its certificate); the server must refuse it.
  const client = connect({ host: '127.0.0.1', port, ca: files('eu-west').ca, ...foreign, checkServerIdentity: () => undefined });
  const outcome = await new Promise<string>((resolve) => {
    client.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    client.on('data', () => resolve('data'));
    client.on('end', () => resolve('ended'));
  });
  client.destroy();
  server.close();
  assert.notEqual(outcome, 'data');
});

test('the agent loader takes a region\'s set and names the file of each problem', async () => {
  const d = labPeerTlsDir(dir, 'eu-west');
  assert.equal(loadMaterial(d, 'eu-west').serial, new X509Certificate(readFileSync(join(d, 'tls.crt'))).serialNumber);
  assert.throws(() => loadMaterial(d, 'us-east'), (err: unknown) => err instanceof InputError && /tls\.crt: the certificate names region eu-west, this agent runs in us-east/.test(err.message));
  assert.throws(() => loadMaterial(join(dir, 'nowhere'), 'eu-west'), (err: unknown) => err instanceof InputError && /nowhere\/ca\.crt: cannot read it \(ENOENT\)/.test(err.message));
  const broken = join(dir, 'broken');
  await issuePeerCertificate(await makePeerCa(join(dir, 'broken-ca')), broken, { region: 'eu-west', ips: [] });
  copyFileSync(join(labPeerTlsDir(dir, 'us-east'), 'tls.key'), join(broken, 'tls.key'));
  assert.throws(() => loadMaterial(broken, 'eu-west'), (err: unknown) => err instanceof InputError && /broken\/tls\.key: not the key of/.test(err.message));
  writeFileSync(join(broken, 'tls.crt'), 'not a certificate\n');
  assert.throws(() => loadMaterial(broken, 'eu-west'), (err: unknown) => err instanceof InputError && /broken\/tls\.crt: not a PEM certificate/.test(err.message));
});
