/**
 * A coordinator that dies in the middle of a failover runbook. ap's agent runs in its own
 * process and is elected first; when eu's database stops it starts the failover and SIGKILLs
 * itself right after the promote step is recorded. Its election lease lapses, another agent is
 * elected with a newer token, re-plans from the audit and the world, and finishes the same
 * runbook without promoting again. Exactly one primary at the end.
 */
import { testAuth, testTokensFile } from '../../support/tokens.ts';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stop } from '../../../src/data/index.ts';
import { REGIONS, allAnswer, DB_IP, roleOf, startStoreCluster, until, type StoreCluster } from './fixtures.ts';

const CHILD = fileURLToPath(new URL('./support/agent-child.ts', import.meta.url));

let cluster: StoreCluster;
let child: ChildProcess | undefined;
let childExit: Promise<NodeJS.Signals | number | null>;

before(async () => {
  cluster = await startStoreCluster();
  child = spawn(process.execPath, ['--import', 'tsx', CHILD, cluster.topologyFile, 'ap', join(cluster.dir, 'state-ap'), cluster.members.ap.dataDir], {
    stdio: ['ignore', 'inherit', 'inherit'],
    // The tokens file the parent's requests are checked against (made before the spawn).
    env: { ...process.env, MERIDIAN_TEST_TOKENS_FILE: testTokensFile() },
  });
  childExit = new Promise((resolve) => child!.once('exit', (code, signal) => resolve(signal ?? code)));
});

after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await childExit;
  await cluster?.close();
});

async function childStatus(): Promise<{ coordinator?: { self: boolean } } | undefined> {
  const api = cluster.topology.regions.find((r) => r.name === 'ap')?.agent?.api;
  const res = await fetch(new URL('/status', api), { headers: testAuth('viewer'), signal: AbortSignal.timeout(1000) });
  const body = (await res.json()) as { stores?: { stores: { coordinator: { self: boolean } }[] } };
  return body.stores?.stores[0];
}

test('the coordinator dies right after promoting; the next one finishes the runbook; one primary', { timeout: 85_000 }, async (t) => {
  await until("ap's agent (child process) to be the coordinator", async () => ((await childStatus())?.coordinator?.self ? true : undefined), 20_000);
  await cluster.startAgent('eu');
  await cluster.startAgent('us');
  await until('eu to hold the primary lease', () => (cluster.storeStatus('eu').local?.leaseToken ? true : undefined), 20_000);

  const stoppedAt = Date.now();
  await stop(cluster.members.eu, { mode: 'immediate' });
  const exit = await Promise.race([childExit, new Promise((r) => setTimeout(() => r('still running'), 30_000).unref())]);
  assert.equal(exit, 'SIGKILL', 'the coordinator process killed itself after the promote step');
  t.diagnostic(`coordinator died ${Date.now() - stoppedAt} ms after the primary stopped`);

  const records = await until('the runbook to be closed ok by a successor', async () => {
    const all = await cluster.audit();
    return all.some((r) => r.kind === 'runbook' && r.result === 'ok' && r.runbookId.startsWith('orders/failover/eu/')) ? all : undefined;
  }, 40_000);
  t.diagnostic(`runbook closed by the successor ${Date.now() - stoppedAt} ms after the primary stopped`);
  const promoteOk = records.find((r) => r.stepId === 'promote:us' && r.result === 'ok');
  assert.ok(promoteOk, 'us was promoted by the first coordinator');
  const mine = records.filter((r) => r.runbookId === promoteOk.runbookId);
  const firstToken = promoteOk.token;
  const later = mine.filter((r) => r.token !== firstToken);
  assert.ok(later.length > 0, 'a second coordinator wrote to the same runbook');
  assert.ok(later.every((r) => r.token > firstToken), 'the successor runs under a newer token');
  const laterOk = later.filter((r) => r.result === 'ok').map((r) => r.stepId);
  t.diagnostic(`first coordinator token ${firstToken}; successor did: ${laterOk.join(', ')}`);
  assert.ok(laterOk.includes('repoint:ap->us'), laterOk.join(', '));
  assert.equal(mine.filter((r) => r.kind === 'promote' && r.result === 'started').length, 1, 'never promoted twice');

  // eu's agent starts its stopped database again as a standby of us; the reconciler repoints it
  // there, or rebuilds it when it holds WAL past the fork: either way it ends streaming from us.
  await until('eu to stream from us', async () => {
    const roles = await Promise.all(REGIONS.map((r) => roleOf(cluster.members[r])));
    return JSON.stringify(roles) === JSON.stringify(['standby', 'primary', 'standby']) && cluster.storeStatus('us').marks.rejoin.length === 0 ? true : undefined;
  }, 30_000);
  await allAnswer(cluster, ['eu', 'us'], DB_IP.us, 10_000);
});
