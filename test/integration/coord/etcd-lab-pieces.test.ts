/**
 * The lab's etcd pieces on loopback, without the lab (no namespaces, no root): one real etcd member
 * started with the lab's own plan pieces (etcdMemberArgs with labEtcdServerTls, certificates from
 * writeLabEtcdCertificates naming 127.0.0.1), then the lab's RBAC set-up (enableLabEtcdRbac: the
 * real etcdctl with the lab's root certificate), the lab's health probe over TLS (observeEtcd), and
 * an agent's store with the lab's agent directory. What `lab up` does with them is for the lab
 * suites to show.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadTlsDir } from '../../../src/common/tls-dir.ts';
import { coordKeys, EtcdStore, etcdMemberArgs, FAST_TEST_SETTINGS, loadEtcdTls, type EtcdMember } from '../../../src/coord/index.ts';
import { labEtcdAgentDir, labEtcdRootDir, labEtcdServerTls, writeLabEtcdCertificates } from '../../../src/lab/etcd-certs.ts';
import { enableLabEtcdRbac } from '../../../src/lab/etcd-rbac.ts';
import { observeEtcd } from '../../../src/lab/live-status.ts';
import type { LabLayout } from '../../../src/lab/layout.ts';
import { freePort } from '../../support/ports.ts';

const ETCD_BIN = process.env.MERIDIAN_ETCD_BIN ?? '/usr/bin/etcd';
const silent = pino({ level: 'silent' });
let dir: string;
let member: EtcdMember;
let etcd: ChildProcess | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-etcd-lab-'));
  await writeLabEtcdCertificates(dir, [{ region: 'eu-west', ips: ['127.0.0.1'] }]);
  const [client, peer] = [await freePort(), await freePort()];
  member = { name: 'eu-west', clientUrl: `https://127.0.0.1:${client}`, peerUrl: `http://127.0.0.1:${peer}`, dataDir: join(dir, 'data'), clientTls: labEtcdServerTls(dir, 'eu-west') };
  etcd = spawn(ETCD_BIN, etcdMemberArgs(member, [member], { ...FAST_TEST_SETTINGS, clusterToken: `lab-pieces-${process.pid}` }), { stdio: 'ignore' });
});

after(async () => {
  if (etcd && etcd.exitCode === null) {
    const exited = new Promise((r) => etcd!.once('exit', r));
    etcd.kill('SIGKILL');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const layout = () => ({ regions: [{ name: 'eu-west', etcd: { client: member.clientUrl, peer: member.peerUrl } }] }) as unknown as LabLayout;

test("the lab's health probe needs the root certificate; RBAC set-up; the agent's directory works within meridian/ only", async () => {
  const rootTls = loadTlsDir(labEtcdRootDir(dir), 'etcd TLS');
  const deadline = Date.now() + 15_000;
  while (!(await observeEtcd(layout(), rootTls))[0]!.healthy) {
    assert.ok(Date.now() < deadline, 'etcd healthy over TLS within 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await observeEtcd(layout()))[0]!.healthy, false, 'no certificate, no health');

  await enableLabEtcdRbac(dir, [member.clientUrl], ['eu-west', 'us-east']);
  assert.equal((await observeEtcd(layout(), rootTls))[0]!.healthy, true, 'health still answers with auth on');

  const store = await EtcdStore.connect({ endpoints: [member.clientUrl], tls: loadEtcdTls(labEtcdAgentDir(dir, 'eu-west')), log: silent });
  try {
    const outcome = await store.acquire(coordKeys.primaryLease('orders'), 'eu-west', 2000);
    assert.equal(outcome.kind, 'acquired');
    if (outcome.kind === 'acquired') {
      assert.equal((await store.fencedWrite(outcome.lease.fence, 'meridian/test/lab', 'x')).kind, 'written');
      await outcome.lease.release();
    }
    const outside = await store.read('other/key');
    assert.match(outside.kind === 'unavailable' ? outside.reason : '', /permission denied/);
  } finally {
    await store.close();
  }
  // Set up twice is refused in one line (the lab never reuses etcd data, so it never does).
  await assert.rejects(enableLabEtcdRbac(dir, [member.clientUrl], ['eu-west']), (err: Error) => /^etcd RBAC set-up failed at 'etcdctl user add root --no-password': /.test(err.message) && !err.message.includes('\n'));
});
