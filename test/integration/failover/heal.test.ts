/**
 * Heal after a failover, on real etcd and PostgreSQL. eu's agent (the primary's) reaches only
 * etcd member 0, which freezes: eu fences itself, the majority (members 1, 2: us's and ap's
 * agents) sees its lease gone and its database fenced, and fails over to us. When member 0
 * thaws, eu's agent does NOT take the primary role back: its database stays read-only and
 * marked for rejoin. With failover.autoRejoin off (teams that want an operator to decide), it
 * stays so until `meridian db rejoin` brings it back as a standby that replicates; with the
 * default, the reconciler does the same by itself (failover.test.ts, the lab's incident tests).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from '../../support/postgres.ts';
import { DB_IP, adminOf, allAnswer, meridian, roleOf, startStoreCluster, tryWrite, until, type StoreCluster } from './fixtures.ts';

let cluster: StoreCluster;

before(async () => {
  cluster = await startStoreCluster({ autoRejoin: false });
  const [m0, m1, m2] = cluster.etcd.endpoints;
  await cluster.startAgent('eu', { etcdEndpoints: [m0!] });
  await cluster.startAgent('us', { etcdEndpoints: [m1!, m2!] });
  await cluster.startAgent('ap', { etcdEndpoints: [m1!, m2!] });
});

after(async () => {
  await cluster?.close();
});

test('autoRejoin off: the old primary stays fenced after the heal, and an operator\'s rejoin brings it back as a standby', { timeout: 85_000 }, async (t) => {
  const { members, etcd } = cluster;
  await until('eu to hold the primary lease', () => (cluster.storeStatus('eu').local?.leaseToken ? true : undefined), 20_000);
  await until('a coordinator to be elected', () => (cluster.storeStatus('us').coordinator.holder ? true : undefined), 20_000);
  for (let id = 1; id <= 20; id++) assert.equal(await tryWrite(members.eu, id), 'ok');

  etcd.pause(0);
  const cutAt = Date.now();
  const failedOver = await until('the majority to fail over away from eu', () => {
    const s = cluster.storeStatus('us');
    return s.primary && s.primary.region !== 'eu' && s.lease?.holder.startsWith(`${s.primary.region}/agent:`) ? s : undefined;
  }, 40_000);
  t.diagnostic(`new primary ${failedOver.primary?.region} recorded ${Date.now() - cutAt} ms after eu was cut off`);
  const next = failedOver.primary!.region as 'us' | 'ap';
  assert.match(await tryWrite(members.eu, 100), /read-only/, 'eu fenced itself when its lease lapsed');
  await allAnswer(cluster, ['us', 'ap'], DB_IP[next], 10_000);
  await until('eu to be marked for rejoin', () => (cluster.storeStatus('us').marks.rejoin.includes('eu') ? true : undefined), 20_000);

  etcd.resume(0);
  await until("eu's agent to read etcd again", () => (cluster.storeStatus('eu').etcd.ok ? true : undefined), 20_000);
  // Several lease TTLs: plenty of chances to take the lease back if it ever would.
  for (let i = 0; i < 8; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const eu = cluster.storeStatus('eu');
    assert.equal(eu.local?.leaseToken, null, 'eu never holds the primary lease again');
    assert.equal(eu.primary?.region, next);
    assert.match(await tryWrite(members.eu, 200 + i), /read-only/);
  }
  assert.equal(cluster.storeStatus('eu').local?.needsRejoin, true);
  assert.equal(await roleOf(members.eu), 'primary', 'still a (fenced) primary: only a rejoin turns it into a standby');
  await allAnswer(cluster, ['eu', 'us', 'ap'], DB_IP[next], 10_000);

  const rejoin = await meridian(['db', 'rejoin', '--store', 'orders', '--region', 'eu', '-f', cluster.topologyFile], 60_000);
  t.diagnostic(rejoin.stdout.trim());
  assert.equal(rejoin.code, 0, `${rejoin.stdout}\n${rejoin.stderr}`);
  assert.match(rejoin.stdout, new RegExp(`rejoin:eu<-${next}:rewind\\s+ok`));

  assert.equal(await roleOf(members.eu), 'standby');
  assert.equal(await tryWrite(members[next], 1000), 'ok');
  await until('eu to replay a write made on the new primary', async () => {
    const [row] = await sql<{ n: string }>({ ...adminOf(members.eu), database: 'app' }, 'SELECT count(*)::text AS n FROM writes WHERE id = 1000');
    return row?.n === '1' ? true : undefined;
  }, 15_000);
  await until('the rejoin mark to be cleared', () => (cluster.storeStatus('eu').marks.rejoin.length === 0 && !cluster.storeStatus('eu').local?.needsRejoin ? true : undefined), 5_000);
  // The rows eu wrote before the cut (and acked) were streamed to the standbys: none lost.
  const [kept] = await sql<{ n: string }>({ ...adminOf(members.eu), database: 'app' }, 'SELECT count(*)::text AS n FROM writes WHERE id <= 20');
  assert.equal(kept?.n, '20');
});
