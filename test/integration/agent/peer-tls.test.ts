/**
 * Mutual TLS between agents (docs/security.md "Mutual TLS between agents"), on loopback only (no
 * lab): three real agents (127.0.83.11-13, and a second agent of ra on .14 that hears its region's
 * peers only through ra's sibling relay), each with a peer listener and certificates made by the
 * real openssl (src/lab/peer-certs.ts) in a temp dir. Views flow over mutual TLS; the peer
 * listener refuses a client without a certificate, one from another CA, a region sending another
 * region's view, a relayed view from a non-sibling; the API refuses the peer routes; a client
 * refuses a server whose certificate names another region; local/* is taken only from the
 * coordinator's region (a real store supervisor over the in-memory quorum, served by the real
 * listener); rotated certificate files are used by new connections without a restart, and a
 * broken set keeps the old one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { pino } from 'pino';
import { runAgent, type AgentStatus, type RunningAgent } from '../../../src/agent/index.ts';
import { startApiServer, type ApiServer } from '../../../src/agent/http-api.ts';
import { createStoreSupervisor, type StoreSupervisor } from '../../../src/agent/store/index.ts';
import { PeerTlsFiles, peerClientTls } from '../../../src/agent/tls/index.ts';
import { InputError } from '../../../src/common/errors.ts';
import { coordKeys, MemoryQuorum } from '../../../src/coord/index.ts';
import { postJson, type VantageView } from '../../../src/health/index.ts';
import { issuePeerCertificate, labPeerTlsDir, labPeerTlsRoot, makePeerCa, writeLabPeerCertificates } from '../../../src/lab/peer-certs.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';
import { freePort } from '../../support/ports.ts';
import { testAuth, testTokensFile } from '../../support/tokens.ts';
import { EndpointServer, portFreeOn, waitFor } from './fixtures.ts';

const REGIONS = ['ra', 'rb', 'rc'] as const;
type RegionName = (typeof REGIONS)[number];
const IP: Record<RegionName, string> = { ra: '127.0.83.11', rb: '127.0.83.12', rc: '127.0.83.13' };
/** A second agent of region ra (as a second pod would be): peers push to ra only, ra relays to it. */
const RA2 = '127.0.83.14';
const ENDPOINT: Record<RegionName, string> = { ra: '127.0.83.21', rb: '127.0.83.31', rc: '127.0.83.41' };
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let dir: string;
let topology: Topology;
const ports = {} as Record<RegionName | 'ra2', { dns: number; api: number; peer: number }>;
let ra2: RunningAgent | undefined;
const agents = new Map<RegionName, RunningAgent>();
const servers: EndpointServer[] = [];

interface Creds {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** The certificate set `dir/region` holds, as a client presents it. */
const credsOf = (d: string): Creds => ({ ca: readFileSync(join(d, 'ca.crt')), cert: readFileSync(join(d, 'tls.crt')), key: readFileSync(join(d, 'tls.key')) });
const regionCreds = (r: RegionName) => credsOf(labPeerTlsDir(dir, r));

type Answer = { readonly status: number; readonly body: Record<string, unknown> } | { readonly error: string };

/** One POST over https to `region`'s peer listener (port override for the store test), with `creds`. */
function peerPost(host: string, port: number, path: string, body: unknown, creds: Creds, headers: Record<string, string> = {}): Promise<Answer> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = request({
      host, port, path, method: 'POST', agent: false, ...creds, checkServerIdentity: () => undefined,
      headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') as Record<string, unknown> }));
    });
    req.setTimeout(3_000, () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(payload);
  });
}

const viewOf = (vantage: string, seq = 1): VantageView => ({ vantage, bootId: `test-${vantage}`, seq, sentAtMs: Date.now(), endpoints: {} });

function assertStatus(answer: Answer, status: number, what: string, pattern?: RegExp): void {
  assert.ok('status' in answer, `${what}: ${JSON.stringify(answer)}`);
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
  const line = answer.body.error ?? answer.body.detail;
  if (pattern) assert.match(String(line), pattern, what);
}

/** The serial of the certificate `region`'s peer listener presents on a new connection. */
async function servedSerial(r: RegionName): Promise<string> {
  const socket = connect({ host: IP[r], port: ports[r].peer, ...regionCreds('rb'), checkServerIdentity: () => undefined });
  try {
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    return socket.getPeerCertificate().serialNumber;
  } finally {
    socket.destroy();
  }
}

async function statusOf(r: RegionName | 'ra2'): Promise<AgentStatus> {
  const a = r === 'ra2' ? ra2! : agents.get(r)!;
  const res = await fetch(`http://${a.api.host}:${a.api.port}/status`, { headers: testAuth('viewer'), signal: AbortSignal.timeout(2_000) });
  return (await res.json()) as AgentStatus;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-peer-tls-'));
  await writeLabPeerCertificates(dir, REGIONS.map((r) => ({ region: r, ips: [IP[r]] })));
  const servicePort = await portFreeOn(Object.values(ENDPOINT));
  for (const r of REGIONS) ports[r] = { dns: await freePort(IP[r]), api: await freePort(IP[r]), peer: await freePort(IP[r]) };
  ports.ra2 = { dns: await freePort(RA2), api: await freePort(RA2), peer: await freePort(RA2) };
  const region = (r: RegionName) => `  - { name: ${r}, agent: { dns: "${IP[r]}:${ports[r].dns}", api: "http://${IP[r]}:${ports[r].api}", peer: "${IP[r]}:${ports[r].peer}" } }`;
  topology = parseTopology(`
apiVersion: meridian/v1
zone: global.test
regions:
${REGIONS.map(region).join('\n')}
services:
  - { name: web, hostname: web, port: ${servicePort}, endpoints: { ${REGIONS.map((r) => `${r}: ["${ENDPOINT[r]}"]`).join(', ')} }, health: { interval: 200ms, timeout: 150ms, healthyThreshold: 2, unhealthyThreshold: 2 }, policy: { type: all-healthy } }
`);
  for (const address of Object.values(ENDPOINT)) {
    const server = new EndpointServer(address, servicePort);
    servers.push(server);
    await server.start();
  }
  for (const r of REGIONS) {
    // With a peer listener, --siblings names the siblings' peer listeners.
    const siblings = r === 'ra' ? { siblings: `${RA2}:${ports.ra2.peer}` } : {};
    agents.set(r, await runAgent({ topology, region: r, logger: logger.child({ region: r }), tokensFile: testTokensFile(), peerTlsDir: labPeerTlsDir(dir, r), ...siblings }));
  }
  ra2 = await runAgent({
    topology, region: 'ra', logger: logger.child({ region: 'ra2' }), tokensFile: testTokensFile(), peerTlsDir: labPeerTlsDir(dir, 'ra'),
    dnsListen: `${RA2}:${ports.ra2.dns}`, apiListen: `${RA2}:${ports.ra2.api}`, peerListen: `${RA2}:${ports.ra2.peer}`, siblings: `${IP.ra}:${ports.ra.peer}`,
  });
});

after(async () => {
  await Promise.all([...agents.values(), ...(ra2 ? [ra2] : [])].map((a) => a.close()));
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('three agents over mutual TLS', () => {
  it('exchange views over their peer listeners', async () => {
    for (const r of REGIONS) {
      const status = await waitFor(`${r} hears both peers`, async () => {
        const s = await statusOf(r);
        return s.peers.every((p) => p.reachability === 'reachable' && p.fresh) ? s : undefined;
      });
      for (const p of status.peers) assert.equal(p.viewUrl, `https://${IP[p.region as RegionName]}:${ports[p.region as RegionName].peer}/v1/view`);
    }
    assert.deepEqual(agents.get('ra')?.peer, { host: IP.ra, port: ports.ra.peer });
  });

  it('a second agent of ra hears ra\'s peers through ra\'s sibling relay, over mutual TLS', async () => {
    await waitFor('ra2 hears rb and rc (relayed by ra)', async () => {
      const s = await statusOf('ra2');
      return s.peers.every((p) => p.fresh) ? true : undefined;
    });
    const siblings = (await statusOf('ra')).siblings;
    assert.deepEqual(siblings, [{ viewUrl: `https://${RA2}:${ports.ra2.peer}/v1/view`, reachable: true }]);
  });

  it('the API refuses the peer routes and names the peer listener', async () => {
    const a = agents.get('ra')!;
    for (const path of ['/v1/view', '/v1/stores/orders/local/demote']) {
      const res = await fetch(`http://${a.api.host}:${a.api.port}${path}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(viewOf('rb')), signal: AbortSignal.timeout(2_000),
      });
      assert.equal(res.status, 403, path);
      const body = (await res.json()) as { error: string };
      assert.match(body.error, new RegExp(`peer listener only .*${IP.ra}:${ports.ra.peer}`), path);
    }
  });

  it('the peer listener takes a region\'s own view, and refuses one sent for another region', async () => {
    assertStatus(await peerPost(IP.ra, ports.ra.peer, '/v1/view', viewOf('rb', 1e9), regionCreds('rb')), 200, 'rb sends its own view');
    assertStatus(await peerPost(IP.ra, ports.ra.peer, '/v1/view', viewOf('rc', 1e9), regionCreds('rb')), 403, 'rb sends rc\'s view', /names region rb: it may send rb's view only, not rc's/);
    assertStatus(await peerPost(IP.ra, ports.ra.peer, '/v1/view', viewOf('ra', 1e9), regionCreds('rb')), 403, 'rb sends ra\'s view', /not ra's/);
  });

  it('a relayed view is taken from a sibling (same region) only', async () => {
    const relayed = { 'x-meridian-relayed': '1' };
    assertStatus(await peerPost(IP.ra, ports.ra.peer, '/v1/view', viewOf('rc', 1e9 + 1), regionCreds('rb'), relayed), 403, 'rb relays rc\'s view', /relayed view is taken only from an agent of ra/);
    assertStatus(await peerPost(IP.ra, ports.ra.peer, '/v1/view', viewOf('rc', 1e9 + 2), regionCreds('ra'), relayed), 200, 'a sibling in ra relays rc\'s view');
  });

  it('refuses a client without a certificate, and one whose certificate another CA signed', async () => {
    const none = await peerPost(IP.ra, ports.ra.peer, '/v1/view', viewOf('rb'), { ca: regionCreds('rb').ca });
    assert.ok('error' in none, `no certificate: ${JSON.stringify(none)}`);
    const other = join(dir, 'other');
    await issuePeerCertificate(await makePeerCa(join(other, 'ca')), join(other, 'rb'), { region: 'rb', ips: [IP.rb] });
    const foreign = await peerPost(IP.ra, ports.ra.peer, '/v1/view', viewOf('rb'), { ...credsOf(join(other, 'rb')), ca: regionCreds('rb').ca });
    assert.ok('error' in foreign, `another CA: ${JSON.stringify(foreign)}`);
  });

  it('serves nothing but the peer routes', async () => {
    const res = await peerPost(IP.ra, ports.ra.peer, '/v1/traffic/drain', { service: 'web', region: 'rb' }, regionCreds('rb'), testAuth('admin'));
    assertStatus(res, 404, 'an operator route on the peer listener', /peer routes only/);
  });

  it('a client refuses a server whose certificate names another region', async () => {
    const files = new PeerTlsFiles(labPeerTlsDir(dir, 'rb'), 'rb', logger);
    // rb means to reach rc but dials ra's peer listener (a wrong address, a hijacked IP).
    const outcome = await postJson(`https://${IP.ra}:${ports.ra.peer}/v1/view`, viewOf('rb', 1e9 + 3), { timeoutMs: 2_000, tls: peerClientTls(files, 'rc')() });
    assert.deepEqual(outcome.kind, 'failed');
    assert.match(outcome.kind === 'failed' ? outcome.reason : '', /names region ra, not rc/);
    const right = await postJson(`https://${IP.ra}:${ports.ra.peer}/v1/view`, viewOf('rb', 1e9 + 4), { timeoutMs: 2_000, tls: peerClientTls(files, 'ra')() });
    assert.deepEqual(right, { kind: 'delivered' });
  });

  it('rotation: a broken new set keeps the old certificate; a good one is served to new connections without a restart', async () => {
    const before = await servedSerial('ra');
    const target = labPeerTlsDir(dir, 'ra');
    assert.equal(before, new X509Certificate(readFileSync(join(target, 'tls.crt'))).serialNumber);
    const oldCert = readFileSync(join(target, 'tls.crt'));
    writeFileSync(join(target, 'tls.crt.tmp'), 'not a certificate\n');
    renameSync(join(target, 'tls.crt.tmp'), join(target, 'tls.crt'));
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(await servedSerial('ra'), before, 'a broken file keeps the certificate in force');
    writeFileSync(join(target, 'tls.crt'), oldCert);

    const next = join(dir, 'next-ra');
    const ca = { crt: join(labPeerTlsRoot(dir), 'ca.crt'), key: join(labPeerTlsRoot(dir), 'ca.key') };
    await issuePeerCertificate(ca, next, { region: 'ra', ips: [IP.ra] });
    const serial = new X509Certificate(readFileSync(join(next, 'tls.crt'))).serialNumber;
    assert.notEqual(serial, before);
    renameSync(join(next, 'tls.key'), join(target, 'tls.key'));
    renameSync(join(next, 'tls.crt'), join(target, 'tls.crt'));
    await waitFor('ra serves its new certificate', async () => ((await servedSerial('ra')) === serial ? true : undefined), 5_000);
    // ra's own pushes use the new key too: its peers still take its views.
    const pushedAfter = Date.now();
    await waitFor('rb takes ra\'s views after the rotation', async () => {
      const s = await statusOf('rb');
      const ra = s.peers.find((p) => p.region === 'ra');
      return ra?.fresh && ra.lastViewAgeMs !== null && Date.now() - ra.lastViewAgeMs > pushedAfter ? true : undefined;
    }, 5_000);
  });

  it('an agent whose certificate files are missing does not start, naming the file', async () => {
    await assert.rejects(
      runAgent({ topology, region: 'ra', logger, peerTlsDir: join(dir, 'missing'), dnsListen: `${IP.ra}:0`, apiListen: `${IP.ra}:0`, peerListen: `${IP.ra}:0` }),
      (err: unknown) => err instanceof InputError && /missing\/ca\.crt: cannot read it \(ENOENT\)/.test(err.message),
    );
  });
});

describe('local/* over mutual TLS: only the coordinator\'s region', () => {
  const quorum = new MemoryQuorum();
  let supervisor: StoreSupervisor;
  let server: ApiServer;
  let files: PeerTlsFiles;
  let token = '';
  let release: (() => Promise<unknown>) | undefined;

  before(async () => {
    const storeTopology = parseTopology(`
apiVersion: meridian/v1
zone: global.test
regions:
  - { name: ra, etcd: { client: "http://127.0.0.1:1", peer: "http://127.0.0.1:2" } }
  - { name: rb }
  - { name: rc }
stores:
  - { name: orders, engine: postgres, primaryRegion: ra, replicaRegions: [rb, rc], primaryHostname: primary.orders.db, endpoints: { ra: 127.0.83.51, rb: 127.0.83.52, rc: 127.0.83.53 } }
`);
    supervisor = createStoreSupervisor({
      topology: storeTopology, region: 'ra', bootId: 'b-ra', health: () => { throw new Error('not used'); }, onNamesChanged: () => undefined, logger,
      coord: quorum.connect('ra'),
      options: { stateDir: join(dir, 'state-ra'), env: { MERIDIAN_DB_ADMIN_USER: 'a', MERIDIAN_DB_ADMIN_PASSWORD: 'a', MERIDIAN_DB_REPLICATION_USER: 'r', MERIDIAN_DB_REPLICATION_PASSWORD: 'r' } },
    });
    // rb's agent is the coordinator: it holds the election key.
    const held = await quorum.connect('rb').acquire(coordKeys.election(), 'rb', 60_000);
    assert.equal(held.kind, 'acquired');
    if (held.kind !== 'acquired') return;
    token = held.lease.token.toString();
    release = () => held.lease.release();
    files = new PeerTlsFiles(labPeerTlsDir(dir, 'ra'), 'ra', logger);
    server = await startApiServer({ host: IP.ra, port: 0 }, {
      status: () => { throw new Error('not used'); }, view: () => viewOf('ra'), receiveView: () => 'accepted',
      extra: (req, res, auth, peer) => supervisor.handle(req, res, auth, peer),
    }, logger, { peer: { listen: { host: IP.ra, port: 0 }, files, region: 'ra' } });
  });

  after(async () => {
    await release?.();
    await server?.close();
    await supervisor?.close();
  });

  const demote = (creds: Creds, t: string) => peerPost(IP.ra, server.peer!.port, '/v1/stores/orders/local/demote', { token: t, to: 'rb' }, creds);

  it('refuses another region\'s certificate, even with the coordinator\'s token', async () => {
    assertStatus(await demote(regionCreds('rc'), token), 403, 'rc with the right token', /names region rc; only the coordinator's region \(rb\) may ask/);
  });

  it('refuses the coordinator\'s region with an old token, without printing the right one', async () => {
    const old = String(BigInt(token) - 1n);
    const answer = await demote(regionCreds('rb'), old);
    assertStatus(answer, 409, 'rb with an old token', /is not the current coordinator's \(rb\)/);
    assert.ok('body' in answer && !JSON.stringify(answer.body).includes(`token ${token}`) && !new RegExp(`\\b${token}\\b`).test(String(answer.body.detail)), JSON.stringify(answer));
  });

  it('takes the coordinator\'s region with its token (the member then answers for itself)', async () => {
    const answer = await demote(regionCreds('rb'), token);
    assert.ok('status' in answer, JSON.stringify(answer));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.doesNotMatch(String(answer.body.detail), /certificate|coordinator/);
  });
});
