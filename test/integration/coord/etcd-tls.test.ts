/**
 * etcd with client certificate authentication (docs/security.md "etcd"), on loopback: a real
 * 3-member etcd serving clients over https only, with `--client-cert-auth` and its own CA, and
 * certificates made by the real openssl in a temp dir (test/support/etcd-tls.ts).
 *
 * - With the right certificates the coordination store works: a lease, a fenced write, a lost
 *   race seen by a second client, a fenced-off stale token; and an agent started with
 *   `etcdTlsDir` reads its traffic controls through it.
 * - Without a client certificate, with one from another CA, or trusting another CA for the
 *   server, the connection is refused and the error is one line naming the cause.
 * - `meridian agent --etcd-tls` refuses unusable files and http/https mismatches with one line.
 * - Last (it turns etcd's auth on for the rest of the file): the RBAC commands of
 *   src/coord/etcd-rbac.ts, run with etcdctl and a root certificate; an agent user limited to
 *   meridian/ can still do all the store does (leases, fenced writes, watches, leader placement),
 *   and nothing outside the prefix; a certificate whose CN is no user is refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { runAgent } from '../../../src/agent/index.ts';
import { InfraError } from '../../../src/common/errors.ts';
import { agentEtcdUser, coordKeys, etcdRbacCommands, EtcdStore, loadEtcdTls, type AcquireOutcome, type HeldLease } from '../../../src/coord/index.ts';
import { unreachableReason } from '../../../src/coord/etcd-client.ts';
import { issueCertificate, makeCa } from '../../../src/lab/openssl-certs.ts';
import { parseTopology } from '../../../src/spec/index.ts';
import { runMeridian } from '../../support/cli.ts';
import { startEtcdCluster, type EtcdTestCluster } from '../../support/etcd-cluster.ts';
import { freePort } from '../../support/ports.ts';
import { testTokensFile } from '../../support/tokens.ts';

const TTL = 2000;
const silent = pino({ level: 'silent' });

let cluster: EtcdTestCluster;
let dir: string;
/** Client certificate directories: two agents' (CN = their etcd user), one from another CA, one trusting another CA. */
let eu: string;
let us: string;
let foreignClient: string;
let foreignTrust: string;
const stores: EtcdStore[] = [];

function acquired(outcome: AcquireOutcome): HeldLease {
  if (outcome.kind !== 'acquired') assert.fail(`expected acquired, got ${JSON.stringify(outcome)}`);
  return outcome.lease;
}

async function connect(tlsDir: string, endpoints = cluster.endpoints): Promise<EtcdStore> {
  const store = await EtcdStore.connect({ endpoints, tls: loadEtcdTls(tlsDir), log: silent });
  stores.push(store);
  return store;
}

/** The raft leader's member name, asked over gRPC (etcd's JSON gateway does not pass a certificate's CN to auth). */
async function leaderAsSeenBy(tlsDir: string): Promise<string> {
  const tls = loadEtcdTls(tlsDir);
  const client = new Etcd3({ hosts: [...cluster.endpoints], credentials: { rootCertificate: tls.ca, certChain: tls.cert, privateKey: tls.key } });
  try {
    const [status, list] = await Promise.all([client.maintenance.status(), client.cluster.memberList({})]);
    const name = list.members.find((m) => m.ID === status.leader)?.name;
    assert.ok(name, 'the cluster has a leader');
    return name;
  } finally {
    client.close();
  }
}

/** The error of a connect that must fail, checked to be one line. */
async function refusal(attempt: () => Promise<unknown>): Promise<string> {
  try {
    await attempt();
  } catch (err) {
    const message = (err as Error).message;
    assert.doesNotMatch(message, /\n/, 'one line');
    assert.doesNotMatch(message, /Resolution note/, 'no gRPC trailer');
    return message;
  }
  return assert.fail('expected a refusal');
}

before(async () => {
  cluster = await startEtcdCluster({ tls: true });
  dir = mkdtempSync(join(tmpdir(), 'meridian-etcd-tls-'));
  eu = await cluster.pki!.client('meridian-eu');
  us = await cluster.pki!.client('meridian-us');
  // A certificate from another CA, with the right ca.crt to trust the server: etcd must refuse it.
  const other = await makeCa(join(dir, 'other-ca'), 'another CA');
  foreignClient = join(dir, 'foreign-client');
  await issueCertificate(other, foreignClient, { commonName: 'meridian-eu', sans: [] });
  copyFileSync(join(eu, 'ca.crt'), join(foreignClient, 'ca.crt'));
  // The right client certificate, but trusting another CA: the client must refuse etcd's server certificate.
  foreignTrust = join(dir, 'foreign-trust');
  mkdirSync(foreignTrust);
  for (const f of ['tls.crt', 'tls.key']) copyFileSync(join(eu, f), join(foreignTrust, f));
  copyFileSync(other.crt, join(foreignTrust, 'ca.crt'));
});

after(async () => {
  await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
  await cluster?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('etcd with client certificate authentication', () => {
  test('with the right certificates: a lease, a fenced write, a lost race, a stale token fenced off', async () => {
    const [a, b] = [await connect(eu), await connect(us, [cluster.endpoints[1]!, cluster.endpoints[2]!])];
    const key = coordKeys.primaryLease('tls-db');
    const first = acquired(await a.acquire(key, 'eu', TTL));
    assert.deepEqual(await b.acquire(key, 'us', TTL), { kind: 'held', holder: 'eu', token: first.token });
    const wrote = await a.fencedWrite(first.fence, 'meridian/test/tls/a', '1');
    assert.equal(wrote.kind, 'written');
    const read = await b.read('meridian/test/tls/a');
    assert.equal(read.kind === 'found' && read.value, '1');
    assert.deepEqual(await first.release(), { kind: 'revoked' });
    const second = acquired(await b.acquire(key, 'us', TTL));
    assert.ok(second.token > first.token);
    assert.equal((await a.fencedWrite(first.fence, 'meridian/test/tls/a', 'stale')).kind, 'fenced');
    await second.release();
  });

  test('a client certificate from another CA is refused, in one line that says so', async () => {
    const message = await refusal(() => connect(foreignClient));
    assert.match(message, /^cannot reach a quorum of etcd at https:\/\/127\.0\.0\.1:\d+/);
    assert.match(message, /etcd refused this client's TLS certificate/);
  });

  test('no client certificate is refused too (etcd3 over TLS with the CA only)', async () => {
    const bare = new Etcd3({ hosts: [...cluster.endpoints], credentials: { rootCertificate: loadEtcdTls(eu).ca } });
    try {
      const message = await refusal(async () => {
        try {
          await bare.get('meridian/test/tls/a').string();
        } catch (err) {
          throw new InfraError(unreachableReason(err));
        }
      });
      assert.match(message, /^etcd unreachable: etcd refused this client's TLS certificate/);
    } finally {
      bare.close();
    }
  });

  test('plaintext to the TLS port is refused: nothing is read', async () => {
    const plain = new EtcdStore({ endpoints: cluster.endpoints.map((e) => e.replace('https://', 'http://')), log: silent });
    stores.push(plain);
    const read = await plain.read('meridian/test/tls/a');
    assert.equal(read.kind, 'unavailable');
    assert.doesNotMatch(read.kind === 'unavailable' ? read.reason : '', /\n/);
  });

  test("a server certificate not signed by ca.crt is refused by the client, in one line", async () => {
    const message = await refusal(() => connect(foreignTrust));
    assert.match(message, /etcd's server certificate is not signed by the CA in --etcd-tls ca\.crt/);
  });

  test('an agent with etcdTlsDir reads its traffic controls from the TLS etcd; without it, it does not start', async () => {
    const ip = '127.0.0.1';
    const m = cluster.members[0]!;
    const yaml = `apiVersion: meridian/v1
zone: tls.test
regions:
  - { name: ra, agent: { dns: "${ip}:${await freePort(ip)}", api: "http://${ip}:${await freePort(ip)}" }, etcd: { client: "${m.clientUrl}", peer: "${m.peerUrl}" } }
services:
  - { name: web, hostname: web, port: 9, endpoints: { ra: ["127.0.0.2"] }, health: { interval: 500ms, timeout: 300ms }, policy: { type: failover, order: [ra] } }
`;
    const topology = parseTopology(yaml);
    const agent = await runAgent({ topology, region: 'ra', tokensFile: testTokensFile(), logger: silent, etcdTlsDir: eu });
    try {
      const traffic = agent.status().traffic;
      assert.ok(traffic, 'the agent reports its traffic controls');
      assert.equal(traffic.source, 'etcd');
      assert.equal(traffic.ok, true, traffic.reason);
      assert.notEqual(traffic.revision, null);
    } finally {
      await agent.close();
    }
    await assert.rejects(runAgent({ topology, region: 'ra', tokensFile: testTokensFile(), logger: silent }), /are https:\/\/ but no etcd TLS directory was given/);

    // The same through the CLI: one line on stderr, exit 2, before anything listens.
    const file = join(dir, 'meridian.yaml');
    writeFileSync(file, yaml);
    const missing = runMeridian(['agent', '-f', file, '--region', 'ra', '--etcd-tls', join(dir, 'nowhere')]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.equal(missing.stderr.trim(), `meridian: etcd TLS file ${join(dir, 'nowhere', 'ca.crt')}: cannot read it (ENOENT)`);
    const noTls = runMeridian(['agent', '-f', file, '--region', 'ra']);
    assert.equal(noTls.code, 2, noTls.stderr);
    assert.match(noTls.stderr.trim(), /^meridian: etcd endpoints https:\/\/127\.0\.0\.1:\d+ are https:\/\/ but no etcd TLS directory was given \(meridian agent --etcd-tls DIR: ca\.crt, tls\.crt, tls\.key\)$/);
  });

  test('RBAC: an agent user limited to meridian/ runs the store and leader placement, and nothing else', async () => {
    const root = await cluster.pki!.client('root');
    const ctl = (args: readonly string[]) => execFileSync('etcdctl', [
      `--endpoints=${cluster.endpoints.join(',')}`, `--cacert=${join(root, 'ca.crt')}`, `--cert=${join(root, 'tls.crt')}`, `--key=${join(root, 'tls.key')}`, ...args,
    ], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
    for (const command of etcdRbacCommands([agentEtcdUser('eu'), agentEtcdUser('us')])) ctl(command);

    const agent = await connect(await cluster.pki!.client(agentEtcdUser('eu')));
    const lease = acquired(await agent.acquire(coordKeys.primaryLease('rbac-db'), 'eu', TTL));
    assert.equal((await agent.fencedWrite(lease.fence, 'meridian/test/rbac', 'x')).kind, 'written');
    const changed = new Promise<void>((resolve) => {
      const watch = agent.watchPrefix('meridian/test/', () => {
        watch.close();
        resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 200)); // the watch is established
    assert.equal((await agent.fencedWrite(lease.fence, 'meridian/test/rbac', 'y')).kind, 'written');
    await changed;
    // Leader placement: status, member list and MoveLeader (the leader's "region" hosts a primary, so it must move).
    const regionOf = (url: string) => cluster.members.find((m) => m.clientUrl === url)?.name;
    const leader = await leaderAsSeenBy(root);
    assert.match(await agent.placeLeader([leader], regionOf), /^etcd leader moved to m\d/);
    assert.deepEqual(await lease.release(), { kind: 'revoked' });

    const outside = await agent.read('elsewhere/key');
    assert.equal(outside.kind, 'unavailable');
    assert.match(outside.kind === 'unavailable' ? outside.reason : '', /permission denied/);
    // A certificate from the right CA whose CN is no etcd user: authenticated by TLS, refused by auth.
    const stranger = await connect(await cluster.pki!.client('meridian-nobody')).catch((err: Error) => err);
    assert.ok(stranger instanceof InfraError, 'refused');
    assert.match(stranger.message, /etcd unreachable: 7 PERMISSION_DENIED: etcdserver: permission denied$/);
    assert.doesNotMatch(stranger.message, /\n/);
  });
});
