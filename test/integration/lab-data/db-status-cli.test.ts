/**
 * `meridian db status` on a topology outside any lab, against a real PostgreSQL on loopback: the
 * members come from stores[].endpoints, the login from MERIDIAN_DB_ADMIN_*; an unreachable member
 * is shown as such; exit 1 when no member of a store answers, exit 2 without a login or a file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PgMember } from '../../../src/data/index.ts';
import type { StoreStatus } from '../../../src/lab/index.ts';
import { runMeridian } from '../../support/cli.ts';
import { PgSandbox, TEST_AUTH } from '../../support/postgres.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-db-status-'));
const noLab = { MERIDIAN_LAB_DIR: join(dir, 'no-lab') };
const login = { ...noLab, MERIDIAN_DB_ADMIN_USER: TEST_AUTH.adminUser, MERIDIAN_DB_ADMIN_PASSWORD: TEST_AUTH.adminPassword };

function topology(port: number, endpoints: Record<string, string>): string {
  const file = join(dir, `t-${Object.values(endpoints).join('-')}.yaml`);
  writeFileSync(file, [
    'apiVersion: meridian/v1',
    'zone: db.test',
    'regions: [{ name: eu-west }, { name: us-east }]',
    'stores:',
    `  - { name: orders, engine: postgres, primaryRegion: eu-west, replicaRegions: [us-east], port: ${port}, primaryHostname: primary.orders,`,
    `      endpoints: { ${Object.entries(endpoints).map(([r, a]) => `${r}: "${a}"`).join(', ')} } }`,
  ].join('\n'));
  return file;
}

describe('meridian db status (any topology)', () => {
  let sandbox: PgSandbox;
  let primary: PgMember;
  before(async () => {
    sandbox = await PgSandbox.create();
    primary = await sandbox.primary('eu-west');
  });
  after(async () => {
    await sandbox?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the primary live and shows an unreachable member as such (exit 0: the store answers)', () => {
    const file = topology(primary.port, { 'eu-west': '127.0.0.1', 'us-east': '127.0.0.3' });
    const r = runMeridian(['db', 'status', '-f', file, '--json'], { env: login });
    assert.equal(r.code, 0, r.stderr);
    const { stores } = JSON.parse(r.stdout) as { stores: StoreStatus[] };
    const [orders] = stores;
    assert.ok(orders);
    assert.equal(orders.primary, 'eu-west');
    assert.equal(orders.primarySource, 'observed');
    assert.equal(orders.primaryFqdn, 'primary.orders.db.test');
    assert.deepEqual(orders.members.map((m) => [m.region, m.role, m.reachable]), [['eu-west', 'primary', true], ['us-east', 'unknown', false]]);
    assert.match(orders.members[1]?.reason ?? '', /127\.0\.0\.3:\d+: connection refused/);
    assert.equal(orders.connectionString, `postgresql://primary.orders.db.test:${primary.port}/app`, 'no app login given: none in the string');

    const text = runMeridian(['db', 'status', '-f', file], { env: login });
    assert.match(text.stdout, /^store orders \(postgres, async replication, database app\): primary eu-west; apps use primary\.orders\.db\.test\n/);
    assert.match(text.stdout, /us-east\s+unknown\s+127\.0\.0\.3:\d+\s+-\s+-\s+-\s+NO: /);
  });

  it('exits 1 when no member of a store answers, after printing what it saw', () => {
    const file = topology(primary.port, { 'eu-west': '127.0.0.3', 'us-east': '127.0.0.4' });
    const r = runMeridian(['db', 'status', '-f', file, '--json'], { env: login });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'meridian: no member of store orders answers\n');
    const { stores } = JSON.parse(r.stdout) as { stores: StoreStatus[] };
    assert.equal(stores[0]?.primarySource, 'topology');
  });

  it('exits 2 with one line without a login, without a file, or with a store lacking endpoints', () => {
    const file = topology(primary.port, { 'eu-west': '127.0.0.1', 'us-east': '127.0.0.3' });
    const noLogin = runMeridian(['db', 'status', '-f', file], { env: { ...noLab, MERIDIAN_DB_ADMIN_USER: '', MERIDIAN_DB_ADMIN_PASSWORD: '' } });
    assert.equal(noLogin.code, 2);
    assert.equal(noLogin.stderr, 'meridian: no database admin login: set MERIDIAN_DB_ADMIN_USER and MERIDIAN_DB_ADMIN_PASSWORD\n');
    const noFile = runMeridian(['db', 'status'], { env: login });
    assert.equal(noFile.code, 2);
    assert.equal(noFile.stderr, 'meridian: give the topology with -f FILE (no lab is running whose topology to use)\n');
    const bare = join(dir, 'bare.yaml');
    writeFileSync(bare, 'apiVersion: meridian/v1\nzone: db.test\nregions: [{ name: eu-west }]\nstores: [{ name: orders, engine: postgres, primaryRegion: eu-west, primaryHostname: p.orders }]\n');
    const noEndpoints = runMeridian(['db', 'status', '-f', bare], { env: login });
    assert.equal(noEndpoints.code, 2);
    assert.match(noEndpoints.stderr, /^meridian: store 'orders' has no endpoint for region eu-west/);
  });
});
