/**
 * The lab's data layer end to end, through the CLI as a person runs it: `lab up` with the
 * built-in topology (a sync `orders` store) brings up three healthy etcd members and a primary
 * in eu-west with two streaming standbys; a demo instance takes an order from the client
 * namespace, acknowledged by eu-west and replayed on both standbys; `db status` agrees; `down`
 * after a crash (no state file) leaves no postgres, no etcd, no namespace.
 * Needs root on Linux (network namespaces), curl and PostgreSQL 15 + etcd installed.
 * Run under the lab lock: flock /work/lab.lock node --import tsx --test test/integration/lab-data/data-layer.test.ts
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { withClient } from '../../../src/data/index.ts';
import { labDown, MERIDIAN_BIN, netnsExec, readCredentials, type LiveLabStatus, type StoreStatus } from '../../../src/lab/index.ts';
import { labSkipReason } from '../../support/lab-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-lab-data-')); // 0700: the lab must make it traversable for postgres
const labDirPath = join(dir, 'lab');
const env = { ...process.env, MERIDIAN_LAB_DIR: labDirPath, MERIDIAN_LOG_LEVEL: 'silent' };
process.env.MERIDIAN_LAB_DIR = labDirPath;

function run(file: string, args: readonly string[], timeoutMs = 90_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ code: typeof code === 'number' ? code : err ? -1 : 0, stdout, stderr });
    });
  });
}
const meridian = (...args: string[]) => run(process.execPath, [MERIDIAN_BIN, ...args]);
const agentsAvailable = spawnSync(process.execPath, [MERIDIAN_BIN, 'agent', '--help'], { encoding: 'utf8', env }).stdout.startsWith('Usage: meridian agent');

/** curl inside a namespace; the body and the HTTP status. */
async function curlIn(ns: string, ...args: string[]): Promise<{ status: number; body: string }> {
  const r = await netnsExec(ns, ['curl', '-s', '-m', '10', '-w', '\n%{http_code}', ...args]);
  const lines = r.stdout.split('\n');
  return { status: Number(lines.pop()), body: lines.join('\n') };
}

/** Processes whose command line or working directory points into the lab's state directory. */
function processesUsingLabDir(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cmdline.includes(labDirPath) || cwd.startsWith(labDirPath)) found.push(`${pid}: ${cmdline.slice(0, 100)}`);
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

const lsnOf = (s: StoreStatus) => s.members.map(({ lsn: _l, ...m }) => m);

describe('lab data layer: etcd, PostgreSQL, demo writes, db status', { skip: labSkipReason({ curl: true, store: true }) }, () => {
  let status: LiveLabStatus;
  let upMs = 0;

  before(async () => {
    await labDown();
    const t0 = Date.now();
    const up = await meridian('lab', 'up', '--json', ...(agentsAvailable ? [] : ['--no-agents']));
    upMs = Date.now() - t0;
    assert.equal(up.code, 0, `lab up failed: ${up.stderr}`);
    status = JSON.parse(up.stdout) as LiveLabStatus;
  });
  after(async () => {
    await labDown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('comes up with three healthy etcd members and the store: primary eu-west, two streaming standbys with LSNs', (t) => {
    t.diagnostic(`lab up with the data layer took ${upMs} ms`);
    assert.ok(upMs < 60_000, `lab up took ${upMs} ms`);
    assert.deepEqual(status.etcd, [
      { region: 'eu-west', client: 'https://10.231.1.2:2379', peer: 'https://10.231.1.2:2380', healthy: true },
      { region: 'us-east', client: 'https://10.231.2.2:2379', peer: 'https://10.231.2.2:2380', healthy: true },
      { region: 'ap-south', client: 'https://10.231.3.2:2379', peer: 'https://10.231.3.2:2380', healthy: true },
    ]);
    assert.equal(status.stores.length, 1);
    const orders = status.stores[0]!;
    assert.equal(orders.name, 'orders');
    assert.equal(orders.engine, 'postgres');
    assert.equal(orders.primaryFqdn, 'primary.orders.db.global.meridian.test');
    assert.equal(orders.primary, 'eu-west');
    assert.equal(orders.primarySource, 'observed');
    assert.equal(orders.replication, 'sync');
    assert.deepEqual(lsnOf(orders), [
      { region: 'eu-west', role: 'primary', address: '10.231.1.5:5432', timeline: 1, streaming: null, fenced: false, reachable: true },
      { region: 'us-east', role: 'standby', address: '10.231.2.5:5432', timeline: 1, streaming: true, fenced: null, reachable: true },
      { region: 'ap-south', role: 'standby', address: '10.231.3.5:5432', timeline: 1, streaming: true, fenced: null, reachable: true },
    ]);
    for (const m of orders.members) assert.match(m.lsn ?? '', /^[0-9A-F]+\/[0-9A-F]+$/, m.region);
    const credentials = readCredentials(labDirPath);
    assert.ok(credentials);
    assert.equal(orders.connectionString, `postgresql://app:${credentials.appPassword}@primary.orders.db.global.meridian.test:5432/orders`);
    assert.equal(orders.connectionStringDirect, `postgresql://app:${credentials.appPassword}@10.231.1.5:5432/orders`);
    // Every data process is recorded, so down stops it by PID.
    for (const r of status.regions) {
      assert.deepEqual(r.processes.filter((p) => p.kind === 'etcd' || p.kind === 'postgres').map((p) => [p.kind, p.alive]), [['etcd', true], ['postgres', true]], r.name);
    }
  });

  it('up again on the intact lab changes nothing: same postmasters and etcd members', async () => {
    const pids = (x: LiveLabStatus) => x.regions.flatMap((r) => r.processes.filter((p) => p.kind !== 'app' && p.kind !== 'agent').map((p) => p.pid));
    const again = await meridian('lab', 'up', '--json', ...(agentsAvailable ? [] : ['--no-agents']));
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(pids(JSON.parse(again.stdout) as LiveLabStatus), pids(status));
  });

  it('the topology the agents load carries etcd and store endpoints; agents and apps get the logins by environment', () => {
    const topology = readFileSync(status.topologyFile, 'utf8');
    assert.match(topology, /client: https:\/\/10\.231\.1\.2:2379/);
    assert.match(topology, /eu-west: 10\.231\.1\.5/);
    const state = JSON.parse(readFileSync(join(labDirPath, 'state.json'), 'utf8')) as { processes: { name: string; command: string[] }[] };
    assert.ok(state.processes.every((p) => !p.command.join(' ').includes(readCredentials(labDirPath)!.appPassword)), 'no password on a command line');
  });

  it('etcd takes clients over TLS with a certificate from the lab etcd CA only, and its auth is on (RBAC)', async () => {
    const tls = join(labDirPath, 'etcd-tls');
    const withRoot = ['--cacert', join(tls, 'root', 'ca.crt'), '--cert', join(tls, 'root', 'tls.crt'), '--key', join(tls, 'root', 'tls.key')];
    assert.equal((await curlIn('mrd-client', ...withRoot, 'https://10.231.1.2:2379/health')).status, 200);
    // No client certificate: the handshake fails, curl reports no HTTP status at all.
    assert.equal((await curlIn('mrd-client', '--cacert', join(tls, 'ca.crt'), 'https://10.231.1.2:2379/health')).status, 0);
    assert.equal((await curlIn('mrd-client', 'http://10.231.1.2:2379/health')).status, 0, 'no plaintext listener');
    // Auth is on: an agent's certificate (its CN is its etcd user) reads meridian/ but nothing
    // outside it. With auth off, the read outside would succeed. (etcdctl 3.4 has no `auth status`.)
    const asAgent = ['--cacert', join(tls, 'ca.crt'), '--cert', join(tls, 'agent', 'eu-west', 'tls.crt'), '--key', join(tls, 'agent', 'eu-west', 'tls.key')];
    const etcdctl = (...args: string[]) => spawnSync('etcdctl', ['--endpoints=https://10.231.1.2:2379', ...asAgent, ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
    const inside = etcdctl('get', '--prefix', '--keys-only', 'meridian/');
    assert.equal(inside.status, 0, inside.stderr);
    const outside = etcdctl('get', '--prefix', '--keys-only', 'outside/');
    assert.notEqual(outside.status, 0, 'a read outside meridian/ was allowed: auth is off');
    assert.match(outside.stderr, /permission denied/i);
    if (agentsAvailable) {
      const state = JSON.parse(readFileSync(join(labDirPath, 'state.json'), 'utf8')) as { processes: { name: string; command: string[] }[] };
      const agent = state.processes.find((p) => p.name === 'agent-eu-west')!;
      assert.equal(agent.command[agent.command.indexOf('--etcd-tls') + 1], join(tls, 'agent', 'eu-west'));
    }
  });

  it('a demo instance in another region takes an order: 201 from eu-west after COMMIT, replayed on both standbys; 409 again', async () => {
    const order = JSON.stringify({ id: 'lab-order-1', payload: { qty: 3 } });
    const created = await curlIn('mrd-client', '-X', 'POST', '-H', 'content-type: application/json', '-d', order, 'http://10.231.2.11:8080/orders');
    assert.equal(created.status, 201, created.body);
    const body = JSON.parse(created.body) as { id: string; servedBy: { region: string; timeline: number; systemId: string } };
    assert.equal(body.id, 'lab-order-1');
    assert.equal(body.servedBy.region, 'eu-west');
    assert.equal(body.servedBy.timeline, 1);
    assert.match(body.servedBy.systemId, /^\d+$/);

    const again = await curlIn('mrd-client', '-X', 'POST', '-d', order, 'http://[fd77:231::3:12]:8080/orders');
    assert.equal(again.status, 409, again.body);
    const read = await curlIn('mrd-client', 'http://10.231.3.11:8080/orders/lab-order-1');
    assert.deepEqual({ ...JSON.parse(read.body), createdAt: 'x' }, { id: 'lab-order-1', createdAt: 'x', region: 'us-east', payload: { qty: 3 } });

    const credentials = readCredentials(labDirPath)!;
    for (const host of ['10.231.2.5', '10.231.3.5']) {
      const target = { host, port: 5432, user: credentials.appUser, password: credentials.appPassword, database: 'orders' };
      const deadline = Date.now() + 5000;
      for (;;) {
        const rows = await withClient(target, async (c) => (await c.query("SELECT region FROM orders WHERE id = 'lab-order-1'")).rows);
        if (rows.length === 1) break;
        assert.ok(Date.now() < deadline, `standby ${host} replays the order`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  it('meridian db status agrees with lab status; lab status shows the stores section', async () => {
    const db = await meridian('db', 'status', '--json');
    assert.equal(db.code, 0, db.stderr);
    const { stores } = JSON.parse(db.stdout) as { stores: StoreStatus[] };
    const labNow = JSON.parse((await meridian('lab', 'status', '--json')).stdout) as LiveLabStatus;
    assert.deepEqual(stores.map(lsnOf), labNow.stores.map(lsnOf));
    assert.deepEqual(stores.map(({ members: _m, ...s }) => s), labNow.stores.map(({ members: _m, ...s }) => s));
    const text = await meridian('lab', 'status');
    assert.match(text.stdout, /store orders \(postgres, sync replication, database orders\): primary eu-west/);
    assert.match(text.stdout, /us-east\s+standby\s+10\.231\.2\.5:5432/);
    assert.doesNotMatch(text.stdout, new RegExp(readCredentials(labDirPath)!.appPassword), 'no password in the text output');
  });

  it('down after a crash (no state file) stops postgres and etcd found in the namespaces, and removes the data', async () => {
    assert.ok(processesUsingLabDir().length >= 6, 'postgres and etcd run from the lab directory');
    rmSync(join(labDirPath, 'state.json'));
    const down = await meridian('lab', 'down');
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(processesUsingLabDir(), []);
    assert.deepEqual(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith('mrd-')), []);
    assert.equal(existsSync(join(labDirPath, 'data')), false);
    assert.equal(existsSync(join(labDirPath, 'etcd')), false);
    assert.equal(existsSync(join(labDirPath, 'secrets.json')), false);
  });
});
