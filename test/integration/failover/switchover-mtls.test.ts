/**
 * A planned switchover with the agents talking over mutual TLS (docs/security.md "Mutual TLS
 * between agents"): real etcd, real PostgreSQL, three in-process agents on loopback, each with a
 * peer listener and openssl-made certificates. The coordinator is not in eu (it steps aside from a
 * primary's region), so its demote of eu goes to eu's peer listener with the coordinator's
 * certificate; eu's API would refuse it. The switchover completing proves that path end to end.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DB_IP, REGIONS, allAnswer, meridian, roleOf, startStoreCluster, until, type StoreCluster } from './fixtures.ts';

let cluster: StoreCluster;

before(async () => {
  cluster = await startStoreCluster({ peerTls: true });
  for (const r of REGIONS) await cluster.startAgent(r);
});

after(async () => {
  await cluster?.close();
});

test('switchover over mutual TLS: the coordinator demotes eu through eu\'s peer listener', { timeout: 85_000 }, async (t) => {
  const coordinator = await until('eu to be the recorded primary and a coordinator elected outside eu', () => {
    const s = cluster.storeStatus('us');
    return s.primary?.region === 'eu' && s.lease?.holder.startsWith('eu/agent:') && s.coordinator.holder && s.coordinator.holder !== 'eu' ? s.coordinator.holder : undefined;
  }, 20_000);
  for (const r of REGIONS) {
    const peers = cluster.agents.get(r)!.status().peers;
    assert.ok(peers.every((p) => p.viewUrl.startsWith('https://')), `${r} pushes over https: ${JSON.stringify(peers)}`);
  }
  await allAnswer(cluster, REGIONS, DB_IP.eu, 10_000);
  const result = await meridian(['switchover', '--store', 'orders', '--to', 'us', '-f', cluster.topologyFile, '--json'], 60_000);
  t.diagnostic(`coordinator ${coordinator}: ${result.stdout.trim()}`);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const answer = JSON.parse(result.stdout) as { outcome: string; steps: { stepId: string; result: string; detail?: string }[] };
  assert.equal(answer.outcome, 'completed');
  const demote = answer.steps.filter((s) => s.stepId.startsWith('demote:eu')).map((s) => s.result);
  assert.deepEqual(demote, ['started', 'ok'], 'the demote ran once, through the peer listener');
  assert.equal(await roleOf(cluster.members.eu), 'standby', 'eu was demoted and follows us');
  await allAnswer(cluster, REGIONS, DB_IP.us, 10_000);
});
