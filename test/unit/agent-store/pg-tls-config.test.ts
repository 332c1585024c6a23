/** `--pg-tls`: what the agent hands its store supervisor, and how bad material is refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planSupervision } from '../../../src/agent/store/index.ts';
import { parseTopology } from '../../../src/spec/index.ts';
import { runMeridian } from '../../support/cli.ts';

const TOPOLOGY = `
apiVersion: meridian/v1
zone: global.test
regions:
  - { name: eu, etcd: { client: "http://127.0.0.1:2379", peer: "http://127.0.0.1:2380" } }
  - { name: us }
stores:
  - { name: orders, engine: postgres, primaryRegion: eu, replicaRegions: [us], primaryHostname: primary, endpoints: { eu: 10.0.0.5, us: 10.0.1.5 } }
`;
const ENV = {
  MERIDIAN_DB_ADMIN_USER: 'postgres', MERIDIAN_DB_ADMIN_PASSWORD: 'a', MERIDIAN_DB_REPLICATION_USER: 'replicator', MERIDIAN_DB_REPLICATION_PASSWORD: 'r',
};
const PG_TLS = {
  client: { caFile: '/etc/meridian/pg-tls/ca.crt' },
  server: { certFile: '/etc/meridian/pg-tls/tls.crt', keyFile: '/etc/meridian/pg-tls/tls.key', caFile: '/etc/meridian/pg-tls/ca.crt' },
};

test('with pgTls, every member is verified against its CA and the local member serves its certificate', () => {
  const plan = planSupervision(parseTopology(TOPOLOGY), 'us', { env: ENV, dataDirs: { orders: '/srv/pg' }, pgTls: PG_TLS });
  assert.equal(plan.kind, 'supervise');
  if (plan.kind !== 'supervise') return;
  assert.deepEqual(plan.auth.tls, PG_TLS.client);
  const setup = plan.stores[0]!;
  assert.deepEqual(setup.kind === 'plan' ? setup.plan.local : undefined,
    { name: 'us', host: '10.0.1.5', port: 5432, dataDir: '/srv/pg', serverTls: PG_TLS.server });
});

test('without pgTls the plan is what it was: no tls, no serverTls', () => {
  const plan = planSupervision(parseTopology(TOPOLOGY), 'us', { env: ENV, dataDirs: { orders: '/srv/pg' } });
  assert.ok(plan.kind === 'supervise');
  assert.equal('tls' in plan.auth, false);
  const setup = plan.stores[0]!;
  assert.ok(setup.kind === 'plan' && setup.plan.local && !('serverTls' in setup.plan.local));
});

test('meridian agent --pg-tls with missing or bad files: one line naming the file, exit 2, nothing started', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-pgtls-cli-'));
  try {
    const file = join(dir, 'meridian.yaml');
    writeFileSync(file, TOPOLOGY);
    const missing = runMeridian(['agent', '-f', file, '--region', 'us', '--pg-tls', join(dir, 'nothing')]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
    assert.match(missing.stderr, new RegExp(`PostgreSQL TLS file ${join(dir, 'nothing', 'ca.crt')}: cannot read it \\(ENOENT\\)`));
    for (const name of ['ca.crt', 'tls.crt', 'tls.key']) writeFileSync(join(dir, name), 'not PEM');
    const bad = runMeridian(['agent', '-f', file, '--region', 'us', '--pg-tls', dir]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, new RegExp(`PostgreSQL TLS file ${join(dir, 'ca.crt')}: not a PEM certificate`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
