/**
 * The in-region write client as the lab runs it, minus `ip netns exec`: `meridian drill
 * write-client` in a child process against a real PostgreSQL, its JSON lines collected by
 * startChildWriter, stopped by SIGTERM after flushing every write in flight.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PgMember } from '../../../src/data/index.ts';
import { checkHistory } from '../../../src/drill/history/index.ts';
import { WRITER_CREDENTIAL_ENV, ensureDrillTable, readSurvivingIds, startChildWriter } from '../../../src/drill/db/index.ts';
import { MERIDIAN_BIN } from '../../support/cli.ts';
import { PgSandbox, app } from '../../support/postgres.ts';

let sandbox: PgSandbox;
let primary: PgMember;

function argv(runId: string): string[] {
  return [
    process.execPath, MERIDIAN_BIN, 'drill', 'write-client', '--host', '127.0.0.1', '--port', String(primary.port), '--database', 'app',
    '--run', runId, '--rate', '40', '--member-regions', JSON.stringify({ [`127.0.0.1:${primary.port}`]: 'eu-west' }),
  ];
}

describe('write client in a child process', () => {
  before(async () => {
    sandbox = await PgSandbox.create();
    primary = await sandbox.primary('eu-west');
    await ensureDrillTable(app(primary));
  });
  after(async () => sandbox?.cleanup());

  it('streams every op and flushes on SIGTERM; all found on the server', async () => {
    const writer = await startChildWriter({
      argv: argv('child-ok'),
      env: { [WRITER_CREDENTIAL_ENV.user]: 'app', [WRITER_CREDENTIAL_ENV.password]: 'app-secret', MERIDIAN_LOG_LEVEL: 'silent' },
    });
    await new Promise((r) => setTimeout(r, 600));
    const ops = await writer.stop();
    assert.ok(ops.length >= 15, `${ops.length} ops`);
    assert.ok(ops.every((o) => o.outcome === 'ok' && o.client === 'local' && o.id.startsWith('child-ok-l-') && o.server?.region === 'eu-west'));
    const survivors = await readSurvivingIds(app(primary), 'child-ok');
    assert.deepEqual(survivors, ops.map((o) => o.id).sort(), 'every write the child started was reported, none lost at stop');
    const report = checkHistory({ ops, survivingIds: survivors, faultAtMs: ops.at(-1)!.sentAtMs, targets: { rtoMs: 1000, rpoMs: 0 } });
    assert.equal(report.ackedLost.count, 0);
  });

  it('a child that cannot start says why, in one line', async () => {
    await assert.rejects(
      startChildWriter({ argv: argv('child-bad'), env: { MERIDIAN_LOG_LEVEL: 'silent', [WRITER_CREDENTIAL_ENV.user]: '' } }),
      /exited \(exit code 2\): meridian: set MERIDIAN_DB_APP_USER and MERIDIAN_DB_APP_PASSWORD/,
    );
  });
});
