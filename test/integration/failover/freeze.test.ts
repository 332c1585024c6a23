/**
 * A frozen primary (SIGSTOP to its postmaster and every backend; its agent keeps running): the
 * agent cannot fence it over SQL, so when it gives the lease up it fences it hard: kills it and
 * writes the fence into its configuration. The failover proceeds; when the freeze is lifted
 * there is nothing left to acknowledge a write, and a restart comes up read-only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { start } from '../../../src/data/index.ts';
import { REGIONS, startStoreCluster, tryWrite, until, type StoreCluster } from './fixtures.ts';

let cluster: StoreCluster;
let frozen: number[] = [];

before(async () => {
  cluster = await startStoreCluster();
  for (const r of REGIONS) await cluster.startAgent(r);
});

after(async () => {
  for (const pid of frozen) signal(pid, 'SIGCONT');
  await cluster?.close();
});

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

async function serverPids(dataDir: string): Promise<number[]> {
  const postmaster = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const { stdout } = await promisify(execFile)('pgrep', ['-P', String(postmaster)]).catch(() => ({ stdout: '' }));
  return [postmaster, ...stdout.split('\n').filter(Boolean).map(Number)];
}

test('a frozen primary is killed and fenced by its agent before the failover; it never thaws writable', { timeout: 80_000 }, async (t) => {
  const { members } = cluster;
  await until('eu to hold the primary lease and a coordinator to be elected', () => {
    const s = cluster.storeStatus('us');
    return s.lease?.holder.startsWith('eu/agent:') && s.coordinator.holder ? true : undefined;
  }, 20_000);
  assert.equal(await tryWrite(members.eu, 1), 'ok');

  frozen = await serverPids(members.eu.dataDir);
  for (const pid of frozen) signal(pid, 'SIGSTOP');
  const frozenAt = Date.now();
  const after = await until('a new primary to be recorded', () => {
    const s = cluster.storeStatus('us');
    return s.primary && s.primary.region !== 'eu' ? s : undefined;
  }, 40_000);
  t.diagnostic(`new primary ${after.primary?.region} ${Date.now() - frozenAt} ms after the freeze`);
  // Killed processes may linger as zombies until whoever adopted them reaps them: not running.
  const states = await Promise.all(frozen.map(async (pid) => /^State:\s+(\S)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))?.[1]));
  const alive = frozen.filter((_, i) => states[i] !== undefined && states[i] !== 'Z');
  assert.deepEqual(alive, [], 'every process of the frozen server was killed before the failover');
  for (const pid of frozen) signal(pid, 'SIGCONT');
  frozen = [];
  assert.notEqual(await tryWrite(members.eu, 2), 'ok');
  const conf = await readFile(join(members.eu.dataDir, 'postgresql.auto.conf'), 'utf8');
  assert.match(conf, /default_transaction_read_only = 'on'/);

  // Restarted by anyone, it comes up fenced, and its agent keeps it so (the record names another region).
  // Here nobody reaps the killed server (PID 1 of this container does not), so its zombie still
  // "owns" postmaster.pid and PostgreSQL would refuse to start: drop the stale file first.
  await rm(join(members.eu.dataDir, 'postmaster.pid'), { force: true });
  await start(members.eu);
  assert.match(await tryWrite(members.eu, 3), /read-only/);
  await new Promise((r) => setTimeout(r, 2000));
  assert.match(await tryWrite(members.eu, 4), /read-only/);
  assert.equal(cluster.storeStatus('eu').local?.leaseToken, null);
});
