/**
 * Failover in synchronous mode (synchronous_standby_names = ANY 1 (us, ap)): once the primary is
 * gone, which standbys held every acknowledged write is known only from what the primary last
 * reported, and the coordinator remembers it. The store fails over, loses no acknowledged write,
 * and the new primary's commits wait for a standby again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stop } from '../../../src/data/index.ts';
import { sql } from '../../support/postgres.ts';
import { DB_IP, REGIONS, adminOf, allAnswer, appTarget, startStoreCluster, tryWrite, until, untilSyncReady, type StoreCluster } from './fixtures.ts';

let cluster: StoreCluster;

before(async () => {
  cluster = await startStoreCluster({ replication: 'sync' });
  for (const r of REGIONS) await cluster.startAgent(r);
});

after(async () => {
  await cluster?.close();
});

test('sync mode: the primary stops, a synchronous standby is promoted with every acknowledged write', { timeout: 80_000 }, async (t) => {
  const { members } = cluster;
  await untilSyncReady(cluster);
  for (let id = 1; id <= 30; id++) assert.equal(await tryWrite(members.eu, id), 'ok');
  // Let the coordinator observe the primary's synchronous standbys at least once more.
  await new Promise((r) => setTimeout(r, 1500));

  await stop(members.eu, { mode: 'immediate' });
  const after = await until('a synchronous standby to be promoted', () => {
    const s = cluster.storeStatus('us');
    return s.primary && s.primary.region !== 'eu' && s.lease?.holder.startsWith(`${s.primary.region}/agent:`) ? s : undefined;
  }, 30_000);
  const next = after.primary!.region as 'us' | 'ap';
  t.diagnostic(`promoted ${next}; last plan: ${cluster.storeStatus(after.coordinator.holder as 'us').lastPlan?.reason ?? '-'}`);
  await allAnswer(cluster, ['us', 'ap'], DB_IP[next], 10_000);
  const [count] = await sql<{ n: string }>(appTarget(members[next]), 'SELECT count(*)::text AS n FROM writes WHERE id <= 30');
  assert.equal(count?.n, '30', 'every acknowledged write is on the new primary');
  const [setting] = await sql<{ v: string }>(adminOf(members[next]), "SELECT current_setting('synchronous_standby_names') AS v");
  assert.match(setting?.v ?? '', /^ANY 1 \(/, 'commits on the new primary wait for a standby again');
  await until('the new primary to take writes (the other standby follows it synchronously)', async () => ((await tryWrite(members[next], 100)) === 'ok' ? true : undefined), 20_000);
});
