/**
 * An agent whose etcd cannot be reached at start: it starts and serves DNS anyway (the store's
 * names exist, with no address yet), reports "coordination unavailable", and, having no proof
 * that it holds the primary lease, keeps its primary database fenced.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../support/ports.ts';
import { startStoreCluster, tryWrite, until, type StoreCluster } from './fixtures.ts';

let cluster: StoreCluster;

before(async () => {
  cluster = await startStoreCluster();
  await cluster.startAgent('eu', { etcdEndpoints: [`http://127.0.0.1:${await freePort()}`] });
});

after(async () => {
  await cluster?.close();
});

test('etcd unreachable at start: DNS serves, status says why, the primary stays fenced', { timeout: 40_000 }, async () => {
  const status = await until('a store check to have run', () => {
    const s = cluster.storeStatus('eu');
    return s.local?.lastAction === 'fence' ? s : undefined;
  }, 15_000);
  assert.equal(status.etcd.ok, false);
  assert.match(status.etcd.reason ?? '', /coordination unavailable/);
  assert.equal(status.local?.leaseToken, null);
  assert.match(status.local?.reason ?? '', /no proof of the primary lease/);
  assert.deepEqual(await cluster.dig('eu'), [], 'the primary name answers NODATA, the server answers at all');
  await until('the primary to refuse writes', async () => ((await tryWrite(cluster.members.eu, 1)).includes('read-only') ? true : undefined), 5_000);
});

test('a campaign against an unreachable etcd, aborted and closed, lets the process exit', { timeout: 20_000 }, async () => {
  const script = fileURLToPath(new URL('./support/campaign-exit.ts', import.meta.url));
  const started = Date.now();
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, `http://127.0.0.1:${await freePort()}`], { timeout: 10_000 });
  assert.equal(stdout.trim(), 'aborted');
  assert.ok(Date.now() - started < 10_000);
});
