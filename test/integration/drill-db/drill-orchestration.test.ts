/**
 * ORCHESTRATION of the database drills on loopback, with real PostgreSQL and real signals: the
 * drill warms up, injects the fault into the real postmaster, waits for the scripted stand-in
 * failover, undoes the fault, reads the survivors from the new primary and judges the history.
 * The agents' real failover (leases, fencing) is exercised by the lab test (db-drills.test.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CheckFailed } from '../../../src/common/errors.ts';
import { runDbDrill, type DbDrillOptions } from '../../../src/drill/db/index.ts';
import { PgSandbox, admin, sql } from '../../support/postgres.ts';
import { EU, US, loopbackStore, type LoopbackStore } from './loopback-store.ts';

const FAST: Partial<DbDrillOptions> = {
  rate: 40, pinnedRate: 10, warmupMs: 800, maxRecoveryMs: 8000, afterRecoveryMs: 600, afterRestoreMs: 800,
  freezeMarginMs: 300, pollMs: 100, deadlines: { connectMs: 300, answerMs: 500 },
};

let sandbox: PgSandbox;
const stores: LoopbackStore[] = [];

describe('database drills on loopback PostgreSQL', () => {
  before(async () => {
    sandbox = await PgSandbox.create();
  });
  after(async () => {
    for (const s of stores) await s.close();
    await sandbox?.cleanup();
  });

  it('primary-crash in sync mode: a new primary, every acknowledged write survives, RTO from the history', async () => {
    const store = await loopbackStore(sandbox, { sync: true, failoverAfterMs: 400, leaseTtlMs: 500 });
    stores.push(store);
    const { report, history } = await runDbDrill(store.env, { kind: 'primary-crash', ...FAST });
    assert.deepEqual(store.calls, ['kill eu-west', 'failover us-east']);
    assert.equal(report.pass, true, report.reasons.join('\n'));
    assert.equal(report.recoveredBy, 'failover');
    assert.match(report.oldPrimary ?? '', /^eu-west\/tl1\/\d+$/);
    assert.match(report.newPrimary ?? '', /^us-east\/tl2\/\d+$/);
    assert.equal(report.lostAckedWrites.count, 0);
    assert.equal(report.splitBrain.count, 0);
    assert.equal(history.survivorsFrom, 'us-east');
    // The stand-in promotes 400 ms after the kill: the client cannot have recovered sooner.
    assert.ok(report.rtoMs !== null && report.rtoMs >= 400 && report.rtoMs < 5000, `RTO ${report.rtoMs}`);
    assert.ok(report.clients.main!.ok > 20 && report.clients.pinned!.writes > 5, JSON.stringify(report.clients));
    // The pinned client only ever reached eu-west, and after the kill nothing answered it.
    const pinnedAfter = history.ops.filter((o) => o.client === 'pinned' && o.sentAtMs > history.faultAtMs + 50);
    assert.ok(pinnedAfter.length > 0 && pinnedAfter.every((o) => o.outcome === 'fail'), 'a killed server refuses');
    const steps = report.timeline.map((t) => t.step);
    for (const step of ['warmup', 'fault', 'note', 'recovered', 'stopped', 'survivors']) assert.ok(steps.includes(step), `timeline has ${step}: ${steps.join(',')}`);
    assert.ok(report.timeline.some((t) => t.step === 'store' && /primary us-east/.test(t.detail)), 'the store change to us-east is in the timeline');
    // Every acknowledged main write is on the survivor; the JSON round-trips.
    const acked = history.ops.filter((o) => o.outcome === 'ok').map((o) => o.id);
    const surviving = new Set(history.survivingIds);
    assert.deepEqual(acked.filter((id) => !surviving.has(id)), []);
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
  });

  it('primary-freeze without a fence: the drill catches the thawed primary acknowledging writes', async () => {
    const store = await loopbackStore(sandbox, { sync: false, failoverAfterMs: 300, leaseTtlMs: 700 });
    stores.push(store);
    // The zombie must be caught by design, not by timing luck: nothing fences the thawed server
    // here, so every pinned write after the thaw that gets an answer is a zombie ack. Give the
    // pinned client seconds after the thaw and deadlines a loaded machine meets (with FAST's
    // 300/500 ms a slow thaw once let every such write time out, and the drill passed).
    const patient = { ...FAST, afterRestoreMs: 4000, deadlines: { connectMs: 2000, answerMs: 3000 } };
    const { report, history } = await runDbDrill(store.env, { kind: 'primary-freeze', ...patient });
    assert.deepEqual(store.calls, ['freeze eu-west', 'failover us-east', 'thaw eu-west']);
    assert.equal(report.pass, false);
    const failed = report.checks.filter((c) => !c.pass).map((c) => c.name).sort();
    assert.deepEqual(failed, ['oldPrimaryProbedAfterThaw', 'rpo', 'splitBrain', 'zombieAcks']);
    assert.ok(report.zombieAcks.count > 0 && report.zombieAcks.afterHealCount === report.zombieAcks.count);
    assert.ok(report.splitBrain.examples[0]!.primaries.some((p) => p.startsWith('eu-west/tl1')));
    // Frozen at least the lease TTL: the drill thaws only after the margin.
    const frozen = report.checks.find((c) => c.name === 'frozenPastLease')!;
    assert.equal(frozen.pass, true, frozen.detail);
    assert.ok(history.restoredAtMs! - history.faultAtMs > 700);
    // No write sent while the server was stopped was acknowledged by it before the thaw. (A write
    // sent just before the freeze may have been answered by then, its answer read a bit later.)
    const duringFreeze = history.ops.filter((o) => o.outcome === 'ok' && o.server?.region === 'eu-west' && o.sentAtMs > history.faultAtMs && o.ackedAtMs! < history.restoredAtMs!);
    assert.deepEqual(duringFreeze, []);
  });

  it('partition: the in-region client (a child process) runs through the cut; in sync mode its acks stop at the promotion', async () => {
    const store = await loopbackStore(sandbox, { sync: true, failoverAfterMs: 300, leaseTtlMs: 1500 });
    stores.push(store);
    const { report, history } = await runDbDrill(store.env, { kind: 'partition', ...FAST });
    assert.deepEqual(store.calls, ['cut eu-west', 'failover us-east', 'heal eu-west']);
    assert.ok(report.clients.local!.ok > 5, JSON.stringify(report.clients));
    assert.equal(report.clients.pinned, undefined, 'partition has the local client instead');
    assert.ok(history.ops.filter((o) => o.client === 'local').every((o) => o.id.startsWith(`${history.runId}-l-`)));
    // Nothing fenced eu-west here; sync replication alone stops its acks once us-east is promoted.
    const local = report.checks.find((c) => c.name === 'localAcksStopped')!;
    assert.equal(local.pass, true, local.detail);
    assert.ok(report.clients.local!.unknown > 0, 'writes waiting for the lost standby are unknown');
    assert.equal(report.splitBrain.count, 0, report.reasons.join('\n'));
    assert.equal(report.lostAckedWrites.count, 0, report.reasons.join('\n'));
  });

  // The Patroni baseline of bench (c) publishes no DNS name: its client asks a locator instead.
  it('a located primary: no nameserver needed, the main client follows the locator through the failover', async () => {
    const store = await loopbackStore(sandbox, { sync: true, failoverAfterMs: 400, leaseTtlMs: 500 });
    stores.push(store);
    const located: string[] = [];
    const locatePrimary = async () => {
      const address = store.dns.addresses[0];
      if (address && located.at(-1) !== address) located.push(address);
      return address;
    };
    const { report } = await runDbDrill({ ...store.env, nameservers: [], locatePrimary }, { kind: 'region-outage', region: 'eu-west', ...FAST });
    assert.deepEqual(located, [EU, US]);
    assert.equal(report.recoveredBy, 'failover', report.reasons.join('\n'));
    assert.match(report.newPrimary ?? '', /^us-east\/tl2\//);
    assert.equal(report.lostAckedWrites.count, 0);
  });

  it('an interrupted drill still thaws the server before it throws', async () => {
    const store = await loopbackStore(sandbox, { sync: false, failoverAfterMs: 60_000, leaseTtlMs: 500 });
    stores.push(store);
    const controller = new AbortController();
    const run = runDbDrill(store.env, {
      kind: 'primary-freeze', ...FAST, signal: controller.signal,
      onEvent: (e) => e.step === 'fault' && setTimeout(() => controller.abort(new Error('interrupted')), 200),
    });
    await assert.rejects(run, (err: unknown) => err instanceof CheckFailed && /interrupted.*undone/.test(err.message));
    assert.deepEqual(store.calls, ['freeze eu-west', 'thaw eu-west']);
    const [row] = await sql<{ one: number }>(admin(store.eu), 'SELECT 1 AS one');
    assert.equal(row?.one, 1);
  });
});
