/**
 * Issue 12's "a manual-mode failover waits for approval, then completes; a rejected one leaves
 * everything as it was", on the real lab (PostgreSQL 15, etcd, network namespaces; the built-in
 * topology with `failover: { approval: manual }` on its store). The primary's region is cut: a
 * pending run appears and nothing is promoted; it is rejected, and still nothing moves (the
 * record, every standby's upstream, no runbook); then `approve` of the same run takes the
 * rejection back and the failover completes: a new primary takes writes. About 3 minutes. Needs
 * root on Linux; run alone or under the lab lock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cutRegion, healRegion } from '../../../src/lab/index.ts';
import { DEFAULT_TOPOLOGY_YAML } from '../../../src/spec/index.ts';
import { runMeridian } from '../../support/cli.ts';
import { labSkipReason, useBuiltInLab } from '../../support/lab-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-approval-'));
const env = { MERIDIAN_LAB_DIR: join(dir, 'lab') };
const MANUAL_TOPOLOGY = DEFAULT_TOPOLOGY_YAML.replace('    targets: { rto: 30s, rpo: 0 }\n', '    targets: { rto: 30s, rpo: 0 }\n    failover: { approval: manual }\n');

interface Member { readonly region: string; readonly role: string; readonly reachable?: boolean; readonly streaming: boolean | null; readonly upstream?: string | null }
interface StoreStatus { readonly primary: string; readonly members: readonly Member[] }
interface Run { readonly id: string; readonly state: string; readonly subject: string; readonly decidedBy?: string; readonly steps: readonly { id: string }[] }
interface StoreRuns { readonly current: Run | null; readonly runs: readonly Run[]; readonly runbooks: readonly { runbookId: string; outcome: string }[] }

function cli(args: readonly string[], expectCode = 0): string {
  const r = runMeridian(args, { env, timeoutMs: 30_000 });
  assert.equal(r.code, expectCode, `meridian ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const dbStatus = (): StoreStatus => (JSON.parse(cli(['db', 'status', '--json'])) as { stores: StoreStatus[] }).stores[0]!;
const runs = (): StoreRuns => (JSON.parse(cli(['runs', '--store', 'orders', '--json'])) as StoreRuns[])[0]!;

async function until<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
  const by = Date.now() + timeoutMs;
  for (;;) {
    const got = (() => {
      try {
        return check();
      } catch {
        return undefined; // an agent in the cut region does not answer: look again
      }
    })();
    if (got !== undefined) return got;
    if (Date.now() > by) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('approval: manual', { skip: labSkipReason({ store: true }), timeout: 10 * 60_000 }, () => {
  useBuiltInLab(dir, MANUAL_TOPOLOGY);

  it('a lost primary waits for approval; a rejection changes nothing; approving completes the failover', async () => {
    const whole = await until('the store to be whole', () => {
      const s = dbStatus();
      return s.primary && s.members.every((m) => (m.role === 'primary' ? m.region === s.primary : m.streaming)) ? s : undefined;
    }, 90_000);
    const primary = whole.primary;
    cutRegion(primary);
    try {
      const pending = await until('a pending run', () => {
        const r = runs().current;
        return r?.state === 'pending' ? r : undefined;
      }, 60_000);
      assert.equal(pending.subject, primary);
      assert.ok(pending.steps.some((s) => s.id.startsWith('promote:')), pending.steps.map((s) => s.id).join(', '));

      // Waiting: a few coordinator ticks, and nothing is promoted, no runbook starts.
      await new Promise((r) => setTimeout(r, 8000));
      const waiting = dbStatus();
      assert.equal(waiting.primary, primary, 'the record still names the lost primary');
      assert.ok(waiting.members.every((m) => m.region === primary || m.role === 'standby'), JSON.stringify(waiting.members));
      assert.equal(runs().runbooks.filter((b) => b.runbookId.includes(`/failover/${primary}/`)).length, 0, 'no failover runbook');

      cli(['reject', pending.id, '--reason', 'lab test: not now']);
      await new Promise((r) => setTimeout(r, 8000));
      const rejected = runs();
      assert.equal(rejected.runs.find((r) => r.id === pending.id)?.state, 'rejected');
      assert.ok(rejected.current === null || rejected.current.id === pending.id, 'no new run for the same situation');
      const after = dbStatus();
      assert.equal(after.primary, primary, 'a rejection leaves the record where it was');
      assert.deepEqual(
        after.members.filter((m) => m.region !== primary).map((m) => [m.region, m.role]),
        waiting.members.filter((m) => m.region !== primary).map((m) => [m.region, m.role]),
      );
      assert.equal(rejected.runbooks.filter((b) => b.runbookId.includes(`/failover/${primary}/`)).length, 0, 'still no failover runbook');

      cli(['approve', pending.id]);
      const moved = await until('the failover to complete', () => {
        const s = dbStatus();
        const r = runs();
        const done = r.runbooks.some((b) => b.runbookId.includes(`/failover/${primary}/`) && b.outcome === 'ok');
        return s.primary && s.primary !== primary && done ? s : undefined;
      }, 90_000);
      const approved = runs().runs.find((r) => r.id === pending.id);
      assert.equal(approved?.state, 'running', JSON.stringify(approved));
      assert.ok(approved.decidedBy, 'the approval names who gave it');
      assert.ok(moved.members.some((m) => m.region === moved.primary && m.role === 'primary'), JSON.stringify(moved.members));
    } finally {
      healRegion(primary);
    }
  });
});
