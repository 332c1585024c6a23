/**
 * Issue 10's two incidents, replayed on the real lab (real PostgreSQL 15 and etcd, network
 * namespaces) with the topology exactly as `meridian init` writes it (sync replication, lease
 * TTL 4 s), under continuous writes through the primary's name, as chaos rounds with a fixed fault:
 * 1. "the demo incident": the primary's region cut for 4.46 s, so the failover starts as the
 *    lease expires and the heal lands in the middle of it. Before the reconciler a standby took
 *    WAL from the old primary after the heal, the new primary waited for standbys that could not
 *    confirm, and the store never took a write again.
 * 2. "the frozen primary": the primary's postmaster stopped (SIGSTOP) a little longer than the
 *    lease TTL. Its own agent killed it to fence it, the store failed over, and nothing ever
 *    started it again.
 * Each must converge (one writable primary named by the record, every other member streaming from
 * it, DNS at it) within 30 s of the fault's end, lose no acknowledged write, and have no write
 * acknowledged by a fenced or unnamed primary. About 3-4 minutes. Needs root on Linux; run alone,
 * or under the lab lock: flock /tmp/meridian-lab.lock node --import tsx --test <this file>
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { labChaosEnvironment } from '../../../src/drill/chaos/lab-environment.ts';
import { formatChaosReport, runChaos, type Round } from '../../../src/drill/chaos/index.ts';
import { labSkipReason, useBuiltInLab } from '../../support/lab-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-incidents-'));

async function replay(name: string, rounds: readonly Round[]): Promise<void> {
  const env = await labChaosEnvironment('orders');
  const { report, history } = await runChaos(env, { seed: 0, rounds: rounds.length, schedule: rounds, rate: 10 });
  const why = `${name}:\n${formatChaosReport(report)}`;
  for (const r of history.rounds) assert.equal(r.convergence.outcome, 'converged', why);
  assert.equal(report.lostAckedWrites.count, 0, why);
  assert.equal(report.zombieAcks.count, 0, why);
  assert.equal(report.duplicates.count, 0, why);
  assert.equal(report.pass, true, why);
}

describe('issue 10 incidents on the lab, as meridian init writes the topology', { skip: labSkipReason({ store: true }), timeout: 12 * 60_000 }, () => {
  useBuiltInLab(dir);

  it('a 4.46 s cut of the primary region that heals in the middle of the failover: the store converges and takes writes', async () => {
    await replay('4.46 s cut', [{ index: 1, fault: { kind: 'primary-cut', cutMs: 4460 } }]);
  });

  it('a primary frozen a little longer than the lease TTL, killed by its own agent: it is started again as a standby and streams', async () => {
    await replay('frozen primary', [{ index: 1, fault: { kind: 'primary-freeze', frozenMs: 5200 } }]);
  });
});
