/**
 * The lease-loss fence on real etcd and PostgreSQL: the primary's agent talks to one etcd member
 * only; the two others freeze (SIGSTOP), so that member has no quorum. Within one lease TTL the
 * agent's local deadline fires and its healthy database refuses writes. After the heal it takes
 * a NEWER token before it lifts the fence: never its old one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LEASE_TTL_MS, startStoreCluster, tryWrite, until, type StoreCluster } from './fixtures.ts';

let cluster: StoreCluster;

before(async () => {
  cluster = await startStoreCluster();
  // Only eu's agent: no coordinator runs a failover while the quorum is gone anyway.
  await cluster.startAgent('eu', { etcdEndpoints: [cluster.etcd.endpoints[0]!] });
});

after(async () => {
  await cluster?.close();
});

test('cut off from the etcd majority, the primary refuses writes within one lease TTL; after the heal, a newer token', { timeout: 60_000 }, async (t) => {
  const { members, etcd } = cluster;
  const held = await until('eu to hold the primary lease', () => {
    const s = cluster.storeStatus('eu');
    return s.local?.leaseToken && s.primary?.token === s.local.leaseToken ? s : undefined;
  }, 20_000);
  const oldToken = BigInt(held.local!.leaseToken!);
  assert.equal(await tryWrite(members.eu, 1), 'ok');

  etcd.pause(1);
  etcd.pause(2);
  const frozenAt = Date.now();
  let refusal = '';
  await until('eu to refuse writes', async () => {
    const outcome = await tryWrite(members.eu, Date.now());
    if (outcome === 'ok') return undefined;
    refusal = outcome;
    return true;
  }, 10_000);
  const fencedAfter = Date.now() - frozenAt;
  t.diagnostic(`writes refused ${fencedAfter} ms after the quorum was lost (lease TTL ${LEASE_TTL_MS} ms): ${refusal}`);
  assert.match(refusal, /read-only/);
  // The local deadline is TTL minus a margin after the last confirmed round; the fence itself
  // takes a few ms. Allow a little scheduling slack on a loaded machine.
  assert.ok(fencedAfter <= LEASE_TTL_MS + 300, `fenced after ${fencedAfter} ms`);
  // /status follows on the next checks (each waits out etcd request timeouts while cut off).
  const during = await until('/status to show the fence', () => {
    const s = cluster.storeStatus('eu');
    return s.local?.fenced && !s.etcd.ok ? s : undefined;
  }, 10_000);
  assert.equal(during.local?.leaseToken, null);
  assert.match(during.etcd.reason ?? '', /coordination unavailable/);

  etcd.resume(1);
  etcd.resume(2);
  const healed = await until('eu to take the lease again and lift the fence', async () => {
    const s = cluster.storeStatus('eu');
    return s.local?.leaseToken && (await tryWrite(members.eu, Date.now() + 1)) === 'ok' ? s : undefined;
  }, 20_000);
  const newToken = BigInt(healed.local!.leaseToken!);
  assert.ok(newToken > oldToken, `the fence was lifted under a newer token (${newToken} > ${oldToken})`);
  await until('the record to carry the new token', () => (cluster.storeStatus('eu').primary?.token === String(newToken) ? true : undefined), 5_000);
});
