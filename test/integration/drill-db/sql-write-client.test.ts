/**
 * The SQL write client against a real PostgreSQL 15 on loopback: acknowledged writes carry the
 * identity of the server that committed them and are all found by the survivor read; a refused
 * connection and a read-only server are `fail`; a server frozen (SIGSTOP of the postmaster and
 * every backend) while a write is being committed gives `unknown` after the client deadline,
 * and that write is found committed once the server runs again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { withClient, type PgMember } from '../../../src/data/index.ts';
import { checkHistory } from '../../../src/drill/history/index.ts';
import {
  SqlWriteTransport, WriteClient, ensureDrillTable, postmasterPidOf, readSurvivingIds, signalCluster, type WriteOp,
} from '../../../src/drill/db/index.ts';
import { freePort } from '../../support/ports.ts';
import { PgSandbox, admin, app, eventually, sql } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let primary: PgMember;
let systemId: string;
const DEADLINES = { connectMs: 400, answerMs: 600 };
/**
 * For tests that judge outcomes, not deadlines: a loaded CI machine took over 400 ms to open a
 * session. With patient sessions, concurrency is capped below the sandbox's 20 application slots.
 */
const PATIENT = { connectMs: 5000, answerMs: 5000 };

function transport(runId: string, port = primary.port, deadlines = DEADLINES): SqlWriteTransport {
  return new SqlWriteTransport({
    endpoint: { kind: 'fixed', host: '127.0.0.1' },
    credentials: { user: 'app', password: 'app-secret', database: 'app', port },
    runId,
    memberRegions: { [`127.0.0.1:${primary.port}`]: 'eu-west' },
    deadlines,
  });
}

/** The superuser, in the app database (where the drill table is). */
const appAdmin = () => ({ ...admin(primary), database: 'app' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SQL write client (real PostgreSQL)', () => {
  before(async () => {
    sandbox = await PgSandbox.create();
    primary = await sandbox.primary('eu-west');
    await ensureDrillTable(app(primary));
    const [row] = await sql<{ id: string }>(admin(primary), 'SELECT system_identifier::text AS id FROM pg_control_system()');
    systemId = row!.id;
  });
  after(async () => {
    // Whatever happened in a test, never leave a frozen server behind.
    const pid = postmasterPidOf(primary.dataDir);
    if (pid) signalCluster(pid, 'SIGCONT');
    await sandbox?.cleanup();
  });

  it('acknowledged writes name the committing server and are all found afterwards', async () => {
    const client = new WriteClient({ transport: transport('run-ok', primary.port, PATIENT), idPrefix: 'run-ok', rate: 100, maxConcurrency: 8 });
    client.start();
    // Until 20 writes have been answered, however long sessions take to open on a loaded machine.
    await eventually('20 answered writes', async () => client.ops.length >= 20, 30_000);
    await client.stop();
    assert.ok(client.ops.length >= 20, `only ${client.ops.length} writes`);
    for (const op of client.ops) {
      assert.equal(op.outcome, 'ok', `${op.id}: ${op.error}`);
      assert.deepEqual(op.server, { region: 'eu-west', timeline: 1, systemId });
      assert.ok(op.ackedAtMs! >= op.sentAtMs);
    }
    const survivors = await readSurvivingIds(app(primary), 'run-ok');
    assert.deepEqual(survivors, client.ops.map((o) => o.id).sort());
    const report = checkHistory({ ops: client.ops, survivingIds: survivors, faultAtMs: client.ops.at(-1)!.sentAtMs, targets: { rtoMs: 1000, rpoMs: 0 } });
    assert.equal(report.ackedLost.count, 0);
    assert.equal(report.ackedWrites, client.ops.length);
  });

  it('a refused connection is fail, never unknown', async () => {
    const client = new WriteClient({ transport: transport('run-refused', await freePort()), idPrefix: 'run-refused' });
    const op = await client.writeOnce();
    assert.equal(op.outcome, 'fail');
    assert.match(op.error ?? '', /ECONNREFUSED/);
  });

  it('a read-only server rejects the write: fail', async () => {
    await sql(admin(primary), 'ALTER SYSTEM SET default_transaction_read_only = on');
    await sql(admin(primary), 'SELECT pg_reload_conf()');
    try {
      await eventually('read-only applies', async () => (await sql<{ v: string }>(app(primary), "SELECT current_setting('default_transaction_read_only') AS v"))[0]?.v === 'on');
      const op = await new WriteClient({ transport: transport('run-ro'), idPrefix: 'run-ro' }).writeOnce();
      assert.equal(op.outcome, 'fail');
      assert.match(op.error ?? '', /read-only transaction/);
      assert.deepEqual(await readSurvivingIds(app(primary), 'run-ro'), []);
    } finally {
      await sql(admin(primary), 'ALTER SYSTEM RESET default_transaction_read_only');
      await sql(admin(primary), 'SELECT pg_reload_conf()');
    }
  });

  it('a server frozen mid-commit past the deadline gives unknown; the write is found committed after the thaw', async () => {
    const runId = 'run-freeze';
    const client = new WriteClient({ transport: transport(runId), idPrefix: runId, rate: 40 });
    // A session holding the table lock keeps one write inside its INSERT: it is surely in flight
    // when the server freezes. Its own connection runs without a client deadline.
    let releaseLock!: () => void;
    const released = new Promise<void>((r) => (releaseLock = r));
    const lockHolder = withClient(appAdmin(), async (c: pg.Client) => {
      await c.query('BEGIN');
      await c.query(`LOCK TABLE meridian_drill_writes IN ACCESS EXCLUSIVE MODE`);
      await released;
      await c.query('ROLLBACK');
    }, { statementMs: 20_000 });
    await eventually('lock held', async () => (await sql(appAdmin(), `SELECT 1 FROM pg_locks WHERE relation = 'meridian_drill_writes'::regclass AND granted AND mode = 'AccessExclusiveLock'`)).length === 1);
    const blocked = client.writeOnce();
    await eventually('the write waits for the lock', async () =>
      (await sql(admin(primary), `SELECT 1 FROM pg_stat_activity WHERE application_name = 'meridian-drill' AND wait_event_type = 'Lock'`)).length === 1);

    const postmaster = postmasterPidOf(primary.dataDir)!;
    const frozenAt = Date.now();
    signalCluster(postmaster, 'SIGSTOP');
    let thawedAt = 0;
    try {
      client.start(); // more writes while frozen: they cannot even open a session
      await sleep(DEADLINES.answerMs + 400);
    } finally {
      signalCluster(postmaster, 'SIGCONT');
      thawedAt = Date.now();
    }
    const inFlight = await blocked;
    assert.equal(inFlight.outcome, 'unknown', `${inFlight.outcome}: ${inFlight.error}`);
    assert.match(inFlight.error ?? '', /no answer within 600 ms/);
    releaseLock();
    await lockHolder;
    // Writes succeed again after the thaw (the postmaster first works off the queued connections).
    await eventually('a write sent after the thaw is acknowledged', async () => client.ops.some((o) => o.outcome === 'ok' && o.sentAtMs > thawedAt), 10_000).catch(() => undefined);
    await client.stop();

    const duringFreeze = client.ops.filter((o) => o.id !== inFlight.id && o.sentAtMs >= frozenAt + 50 && o.sentAtMs < thawedAt - DEADLINES.connectMs - 100);
    assert.ok(duringFreeze.length >= 5, `${duringFreeze.length} writes sent during the freeze`);
    for (const op of duringFreeze) {
      assert.equal(op.outcome, 'fail', `${op.id} sent during the freeze: ${op.outcome} ${op.error}`);
      assert.match(op.error ?? '', /no session within 400 ms/);
    }
    const acked = client.ops.filter((o: WriteOp) => o.outcome === 'ok');
    assert.ok(acked.some((o) => o.sentAtMs > thawedAt), 'writes are acknowledged again after the thaw');
    assert.ok(!acked.some((o) => o.sentAtMs > frozenAt && o.ackedAtMs! < thawedAt), 'nothing sent while frozen is acknowledged before the thaw');

    const survivors = await readSurvivingIds(app(primary), runId);
    const report = checkHistory({ ops: client.ops, survivingIds: survivors, faultAtMs: frozenAt, healAtMs: thawedAt, targets: { rtoMs: 10_000, rpoMs: 0 } });
    assert.deepEqual(report.unknownOutcomes.present, [inFlight.id], 'the unknown write committed once the lock was released');
    assert.equal(report.ackedLost.count, 0);
    assert.deepEqual(report.failedButPresent, []);
  });
});
