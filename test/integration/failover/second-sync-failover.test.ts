/**
 * Two failovers in a row in synchronous mode: eu fails, us or ap is promoted, eu comes back as a
 * standby of it (rejoin), then the new primary fails too and another member is promoted. The
 * second new primary must acknowledge client writes: its commits wait for a standby that streams
 * from it. (pg_rewind copies the source's postgresql.auto.conf, so a rejoined eu carries the
 * synchronous_standby_names of its source, naming eu itself: the promotion must replace it.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop } from '../../../src/data/index.ts';
import { sql } from '../../support/postgres.ts';
import { REGIONS, adminOf, meridian, promotedAwayFrom, startStoreCluster, tryWrite, until, untilSyncReady, type RegionName, type StoreCluster } from './fixtures.ts';

let cluster: StoreCluster;

before(async () => {
  cluster = await startStoreCluster({ replication: 'sync' });
  for (const r of REGIONS) await cluster.startAgent(r);
});

after(async () => {
  await cluster?.close();
});

async function syncStandbys(primary: RegionName): Promise<string> {
  const rows = await sql<{ a: string; s: string }>(adminOf(cluster.members[primary]), 'SELECT application_name AS a, sync_state AS s FROM pg_stat_replication ORDER BY 1');
  return rows.map((r) => `${r.a}:${r.s}`).join(',');
}

test('sync mode, second consecutive failover: the new primary acknowledges writes', { timeout: 150_000 }, async (t) => {
  const { members } = cluster;
  await untilSyncReady(cluster);
  for (let id = 1; id <= 10; id++) assert.equal(await tryWrite(members.eu, id), 'ok');
  await new Promise((r) => setTimeout(r, 1500));

  await stop(members.eu, { mode: 'immediate' });
  const first = await promotedAwayFrom(cluster, 'eu');
  t.diagnostic(`first failover: ${first}`);
  await until(`${first} to take writes`, async () => ((await tryWrite(members[first], 100)) === 'ok' ? true : undefined), 20_000);

  await start(members.eu);
  const rejoin = await meridian(['db', 'rejoin', '--store', 'orders', '--region', 'eu', '-f', cluster.topologyFile], 60_000);
  t.diagnostic(rejoin.stdout.trim());
  assert.equal(rejoin.code, 0, `${rejoin.stdout}\n${rejoin.stderr}`);
  await until(`both standbys synchronous on ${first}`, async () => {
    const s = await syncStandbys(first);
    return (s.match(/:(sync|quorum)/g) ?? []).length === 2 ? s : undefined;
  }, 20_000);
  for (let id = 200; id <= 210; id++) assert.equal(await tryWrite(members[first], id), 'ok');
  await new Promise((r) => setTimeout(r, 1500));

  await stop(members[first], { mode: 'immediate' });
  const second = await promotedAwayFrom(cluster, first);
  t.diagnostic(`second failover: ${second}`);
  const [setting] = await sql<{ v: string }>(adminOf(members[second]), "SELECT current_setting('synchronous_standby_names') AS v");
  t.diagnostic(`${second}: synchronous_standby_names ${setting?.v}`);
  assert.match(setting?.v ?? '', /^ANY 1 \(/, 'commits on the new primary wait for a standby');
  assert.ok(!(setting?.v ?? '').includes(`"${second}"`), 'the new primary does not wait for itself');
  try {
    await until(`${second} to take writes`, async () => ((await tryWrite(members[second], 300)) === 'ok' ? true : undefined), 20_000);
  } finally {
    t.diagnostic(`${second} replication: ${await syncStandbys(second).catch((e: unknown) => String(e))}`);
  }
});
