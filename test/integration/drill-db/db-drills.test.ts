/**
 * The database drills on the real lab: etcd, PostgreSQL (primary in eu-west, standbys in
 * us-east and ap-south), the agents' automatic failover with leases and fencing.
 * - sync replication: region-outage loses no acknowledged write and ends with a new primary;
 *   partition gives no split brain and loses nothing (the cut primary's commits wait for a standby
 *   it cannot reach, so none of its local client's writes is acknowledged);
 * - async replication: partition (the primary's region cut, a client inside it still writing)
 *   gives no split brain, that client's acknowledgements stop within the lease TTL, and only
 *   they are lost.
 * The old primary comes back as a standby on its own (autoRejoin), so a second drill starts
 * from a whole store again. Needs root on Linux; run it under the lab lock:
 *   flock /work/lab.lock node --import tsx --test test/integration/drill-db/db-drills.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDbDrill, runStatement, type DbDrillEnvironment, type DbDrillHistory, type DbDrillOptions, type DbDrillReport } from '../../../src/drill/db/index.ts';
import { labDbDrillEnvironment } from '../../../src/drill/db/lab-environment.ts';
import { labDown, labUp } from '../../../src/lab/index.ts';
import { DEFAULT_TOPOLOGY_YAML } from '../../../src/spec/index.ts';
import { labSkipReason } from '../../support/lab-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-db-drills-'));
process.env.MERIDIAN_LAB_DIR = join(dir, 'lab');
process.env.MERIDIAN_LOG_LEVEL ??= 'warn';

const TIMINGS: Partial<DbDrillOptions> = { rate: 30, pinnedRate: 5, warmupMs: 2000, maxRecoveryMs: 45_000, afterRecoveryMs: 1500, afterRestoreMs: 2000 };

function explain(report: DbDrillReport): string {
  return [...report.reasons, ...report.timeline.map((t) => `${t.atMs} ${t.step}: ${t.detail}`)].join('\n');
}

/**
 * What the main client was told after the fault, per second and error: tells apart a name still
 * answering the old primary ("no session" to its address), a new primary fenced read-only, and
 * commits hanging on a synchronous standby (no answer in time).
 */
function mainErrors(history: DbDrillHistory): string {
  const seen = new Map<string, number>();
  for (const op of history.ops) {
    if (op.client !== 'main' || op.sentAtMs < history.faultAtMs) continue;
    const key = `+${Math.floor((op.sentAtMs - history.faultAtMs) / 1000)} s ${op.outcome} ${op.error ?? op.server?.region ?? ''}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].map(([k, n]) => `${k} x${n}`).join('\n');
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

function labSuite(name: string, replication: 'sync' | 'async', skip: string | false, body: () => void): void {
  describe(name, { skip: labSkipReason({ store: true }) || skip }, () => {
    const file = join(dir, `${replication}.yaml`);
    before(async () => {
      // The built-in topology with this replication mode and autoRejoin, so a drill leaves a whole store.
      writeFileSync(file, `${DEFAULT_TOPOLOGY_YAML.replace('replication: sync', `replication: ${replication}`)}\nfailover:\n  autoRejoin: true\n`);
      await labDown();
      await labUp({ topologyFile: file });
    });
    after(async () => {
      await labDown();
    });
    body();
  });
}

labSuite('database drills on the lab, sync replication', 'sync', false, () => {
  it('region-outage: no acknowledged write lost, a new primary', async () => {
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

  // Seen once on 2026-11-24 as the SECOND drill on this lab (primary moved to us-east, eu-west
  // rejoined): the failover to eu-west completed, validate-write ok, yet the main client got no
  // ack from eu-west within 45 s. Not reproduced since (HEAD after ec9a2b6, 4 runs, eu-west or
  // ap-south promoted). If it comes back, the client's errors after the fault are in the message.
  it('partition: no split brain, nothing lost; the local client stops getting acks within the lease TTL', async () => {
    const env = await labDbDrillEnvironment('orders');
    await wholeStore(env);
    const { report, history } = await runDbDrill(env, { kind: 'partition', ...TIMINGS });
    const why = () => `${explain(report)}\nmain client after the fault:\n${mainErrors(history)}`;
    assert.equal(report.splitBrain.count, 0, why());
    assert.equal(report.recoveredBy, 'failover', why());
    assert.equal(report.checks.find((c) => c.name === 'localAcksStopped')!.pass, true, why());
    assert.equal(report.lostAckedWrites.count, 0, why());
  });
});

labSuite('database drills on the lab, async replication', 'async', false, () => {
  it('partition: no split brain; the local client stops getting acks within the lease TTL; only those acks are lost', async () => {
    const env = await labDbDrillEnvironment('orders');
    await wholeStore(env);
    const { report, history } = await runDbDrill(env, { kind: 'partition', ...TIMINGS });
    assert.equal(report.splitBrain.count, 0, explain(report));
    assert.equal(report.zombieAcks.count, 0, explain(report));
    assert.equal(report.recoveredBy, 'failover', explain(report));
    const local = report.checks.find((c) => c.name === 'localAcksStopped')!;
    assert.equal(local.pass, true, `${local.detail}\n${explain(report)}`);
    // Asynchronous replication: what the cut primary acknowledged before its lease ran out never
    // reached a standby. Those, and only those, are lost.
    const lost = new Set(report.history.ackedLost.ids);
    const lostOps = history.ops.filter((o) => lost.has(o.id));
    assert.ok(
      lostOps.every((o) => o.client === 'local' && o.ackedAtMs! > history.faultAtMs && o.ackedAtMs! <= history.faultAtMs + history.leaseTtlMs),
      `lost writes other than the local client's during the lease: ${JSON.stringify(lostOps.filter((o) => o.client !== 'local').slice(0, 3))}`,
    );
    assert.ok(report.clients.main!.ok > 50, JSON.stringify(report.clients));
  });
});

after(() => {
  // MERIDIAN_KEEP_LAB_DIR=1 keeps the agents' and databases' logs for a post-mortem.
  if (process.env.MERIDIAN_KEEP_LAB_DIR) process.stderr.write(`lab logs kept in ${dir}/lab/logs\n`);
  else rmSync(dir, { recursive: true, force: true });
});
