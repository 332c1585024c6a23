/**
 * The database drills on the real lab: etcd, PostgreSQL (primary in eu-west, synchronous
 * standbys in us-east and ap-south), the agents' automatic failover with leases and fencing.
 * - region-outage in sync mode loses no acknowledged write and ends with a new primary;
 * - partition (the primary's region cut, a client inside it still writing) gives no split brain,
 *   and that client's acknowledgements stop within the lease TTL.
 * The old primary comes back as a standby on its own (autoRejoin), so the second drill starts
 * from a whole store again. Needs root on Linux; run it under the lab lock:
 *   flock /work/lab.lock node --import tsx --test test/integration/drill-db/db-drills.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDbDrill, runStatement, type DbDrillEnvironment, type DbDrillOptions, type DbDrillReport } from '../../../src/drill/db/index.ts';
import { labDbDrillEnvironment } from '../../../src/drill/db/lab-environment.ts';
import { labDown, labUp } from '../../../src/lab/index.ts';
import { DEFAULT_TOPOLOGY_YAML } from '../../../src/spec/index.ts';

function skipReason(): string | false {
  if (process.platform !== 'linux') return 'the lab needs Linux (network namespaces)';
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces): run the suite as root';
  if (!existsSync('/usr/lib/postgresql/15/bin/postgres') || !existsSync('/usr/bin/etcd')) return 'needs PostgreSQL 15 and etcd';
  return false;
}

const dir = mkdtempSync(join(tmpdir(), 'meridian-db-drills-'));
process.env.MERIDIAN_LAB_DIR = join(dir, 'lab');
process.env.MERIDIAN_LOG_LEVEL ??= 'warn';
const topologyFile = join(dir, 'meridian.yaml');
// The built-in topology (sync replication) with autoRejoin, so a drill leaves a whole store.
writeFileSync(topologyFile, `${DEFAULT_TOPOLOGY_YAML}\nfailover:\n  autoRejoin: true\n`);

const TIMINGS: Partial<DbDrillOptions> = { rate: 30, pinnedRate: 5, warmupMs: 2000, maxRecoveryMs: 45_000, afterRecoveryMs: 1500, afterRestoreMs: 2000 };

function explain(report: DbDrillReport): string {
  return [...report.reasons, ...report.timeline.map((t) => `${t.atMs} ${t.step}: ${t.detail}`)].join('\n');
}

/** The primary takes writes: not fenced read-only by its agent. */
async function writable(env: DbDrillEnvironment, address: string): Promise<boolean> {
  const [host, port] = [address.replace(/:\d+$/, ''), Number(address.split(':').at(-1))];
  const { user, password, database } = env.store.credentials;
  const r = await runStatement<{ ro: string }>({ host, port, user, password, database }, "SELECT current_setting('default_transaction_read_only') AS ro", [], { connectMs: 1000, answerMs: 1000 });
  return r.kind === 'answered' && r.rows[0]?.ro === 'off';
}

/** Until every member answers, one is primary and takes writes, the others are standbys (bounded). */
async function wholeStore(env: DbDrillEnvironment, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const s = await env.readStore().catch((err: unknown) => ({ error: String(err) }));
    if ('members' in s) {
      last = JSON.stringify(s.members);
      const primaries = s.members.filter((m) => m.role === 'primary');
      const whole = s.primary !== null && primaries.length === 1 && s.members.every((m) => m.reachable && m.role !== 'unknown');
      if (whole && (await writable(env, primaries[0]!.address))) return;
    } else {
      last = s.error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the store did not become whole again within ${timeoutMs} ms: ${last}`);
}

describe('database drills on the lab', { skip: skipReason() }, () => {
  before(async () => {
    await labDown();
    await labUp({ topologyFile });
  });
  after(async () => {
    await labDown();
    // MERIDIAN_KEEP_LAB_DIR=1 keeps the agents' and databases' logs for a post-mortem.
    if (process.env.MERIDIAN_KEEP_LAB_DIR) process.stderr.write(`lab logs kept in ${dir}/lab/logs\n`);
    else rmSync(dir, { recursive: true, force: true });
  });

  it('region-outage in sync mode: no acknowledged write lost, a new primary', async () => {
    const env = await labDbDrillEnvironment('orders');
    await wholeStore(env);
    const { report } = await runDbDrill(env, { kind: 'region-outage', region: 'eu-west', ...TIMINGS });
    assert.equal(report.lostAckedWrites.count, 0, explain(report));
    assert.equal(report.recoveredBy, 'failover', explain(report));
    assert.ok(report.newPrimary !== null && !report.newPrimary.startsWith('eu-west/'), `new primary ${report.newPrimary}`);
    assert.equal(report.splitBrain.count, 0, explain(report));
    assert.equal(report.zombieAcks.count, 0, explain(report));
    assert.ok(report.clients.main!.ok > 50, JSON.stringify(report.clients));
  });

  it('partition: no split brain; the local client stops getting acks within the lease TTL', async () => {
    const env = await labDbDrillEnvironment('orders');
    await wholeStore(env);
    const { report } = await runDbDrill(env, { kind: 'partition', ...TIMINGS });
    assert.equal(report.splitBrain.count, 0, explain(report));
    assert.equal(report.recoveredBy, 'failover', explain(report));
    const local = report.checks.find((c) => c.name === 'localAcksStopped')!;
    assert.equal(local.pass, true, `${local.detail}\n${explain(report)}`);
    assert.equal(report.lostAckedWrites.count, 0, explain(report));
  });
});
