/**
 * An agent whose primary database does not answer at start: the agent starts and serves DNS
 * anyway, says why in its status, and takes nothing it cannot stand behind (no primary lease, no
 * record, so no coordinator fails over from a primary that never was). Once the database
 * answers, the agent takes the lease and the primary name follows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop } from '../../../src/data/index.ts';
import { DB_IP, REGIONS, allAnswer, startStoreCluster, until, type StoreCluster } from './fixtures.ts';

let cluster: StoreCluster;

before(async () => {
  cluster = await startStoreCluster();
  assert.equal((await stop(cluster.members.eu, { mode: 'fast' })).kind, 'stopped');
  for (const r of REGIONS) await cluster.startAgent(r);
});

after(async () => {
  await cluster?.close();
});

test('primary database down at start: DNS serves, status says why, no lease and no record until it answers', { timeout: 60_000 }, async () => {
  const status = await until('eu to have checked its database', () => {
    const s = cluster.storeStatus('eu');
    return /local database does not answer/.test(s.local?.reason ?? '') ? s : undefined;
  }, 15_000);
  assert.equal(status.local?.leaseToken, null);
  assert.equal(status.lease, null, 'nobody holds the primary lease');
  assert.equal(status.primary, null, 'no primary record was written');
  assert.deepEqual(await cluster.dig('us'), [], 'the primary name exists with no address, and the server answers');
  const plan = await until('the coordinator to have planned', () => cluster.storeStatus('us').lastPlan ?? cluster.storeStatus('ap').lastPlan ?? cluster.storeStatus('eu').lastPlan ?? undefined, 15_000);
  assert.equal(plan.kind, 'unavailable', `the coordinator does nothing without a record: ${JSON.stringify(plan)}`);

  assert.equal((await start(cluster.members.eu)).kind, 'started');
  await until('eu to take the lease and write the record', () => (cluster.storeStatus('us').primary?.region === 'eu' ? true : undefined), 20_000);
  await allAnswer(cluster, REGIONS, DB_IP.eu, 10_000);
});
