/**
 * A frozen primary (SIGSTOP to its postmaster and every backend; its agent keeps running): the
 * agent cannot fence it over SQL, so when it gives the lease up it fences it hard: kills it and
 * writes the fence into its configuration. The failover proceeds; when the freeze is lifted
 * there is nothing left to acknowledge a write. Then its agent starts it again as a standby of
 * the new primary (the second way into a store that never converged, issue 10): it streams again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from '../../support/postgres.ts';
import { REGIONS, adminOf, roleOf, startStoreCluster, tryWrite, until, type StoreCluster } from './fixtures.ts';

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

test('a frozen primary is killed and fenced by its agent before the failover; it never thaws writable, and streams again', { timeout: 100_000 }, async (t) => {
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

  // Its agent starts it again as a standby of the new primary (the zombie's stale postmaster.pid
  // removed: nobody reaps killed servers in this container), and the reconciler rebuilds it if it
  // holds WAL past the fork. It never accepts a write on the way.
  const next = after.primary!.region as 'us' | 'ap';
  await until(`eu to stream from ${next} again`, async () => {
    const write = await tryWrite(members.eu, 3);
    assert.notEqual(write, 'ok', 'eu never accepts a write');
    const s = cluster.storeStatus(next);
    return (await roleOf(members.eu)) === 'standby' && s.marks.rejoin.length === 0 ? true : undefined;
  }, 40_000);
  assert.equal(cluster.storeStatus('eu').local?.leaseToken, null);
  assert.equal(await tryWrite(members[next], 4), 'ok');
  await until('eu to replay a write made on the new primary', async () => {
    const [row] = await sql<{ n: string }>({ ...adminOf(members.eu), database: 'app' }, 'SELECT count(*)::text AS n FROM writes WHERE id = 4');
    return row?.n === '1' ? true : undefined;
  }, 15_000);
});
