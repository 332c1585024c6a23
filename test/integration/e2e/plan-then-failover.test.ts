/**
 * Issue 12's "`plan failover` prints the same steps the reconciler then takes", on the real lab
 * (PostgreSQL 15, etcd, network namespaces; the topology as `meridian init` writes it): the CLI's
 * dry run first, then the primary's region is cut, and the failover runbook the coordinator ran
 * (its audit) must hold exactly the previewed steps, in the previewed order. No writes run, so the standbys'
 * positions are equal and the candidate is the one the preview named (a tie goes to topology
 * order); with writes the frozen positions could pick another one, which the preview says it
 * cannot know. About 2 minutes. Needs root on Linux; run alone or under the lab lock.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cutRegion, healRegion } from '../../../src/lab/index.ts';
import { runMeridian } from '../../support/cli.ts';
import { labSkipReason, useBuiltInLab } from '../../support/lab-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-plan-failover-'));
const env = { MERIDIAN_LAB_DIR: join(dir, 'lab') };

interface AuditRecord { readonly runbookId: string; readonly stepId: string; readonly result: string; readonly endedAtMs?: number }

function cli(args: readonly string[]): string {
  const r = runMeridian(args, { env, timeoutMs: 30_000 });
  assert.equal(r.code, 0, `meridian ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/**
 * The steps of the finished failover runbook away from `region`, in the order they ended, from
 * every agent's audit file (a coordinator that changed mid-runbook leaves part of it in each).
 * The coordinator's /status shows only the runbook's last execution, not its freezes.
 */
function finishedFailover(region: string): string[] | undefined {
  const agents = join(env.MERIDIAN_LAB_DIR, 'agents');
  const records: AuditRecord[] = (existsSync(agents) ? readdirSync(agents) : []).flatMap((r) => {
    const file = join(agents, r, 'audit-orders.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as AuditRecord);
  });
  const ours = records.filter((r) => r.runbookId.includes(`/failover/${region}/`));
  if (!ours.some((r) => r.stepId === 'runbook' && r.result === 'ok')) return undefined;
  return ours
    .filter((r) => r.stepId !== 'runbook' && r.result === 'ok')
    .sort((a, b) => (a.endedAtMs ?? 0) - (b.endedAtMs ?? 0))
    .map((r) => r.stepId);
}

describe('plan failover, then the failover it previewed', { skip: labSkipReason({ store: true }), timeout: 8 * 60_000 }, () => {
  useBuiltInLab(dir);

  it('the runbook taken after the cut holds exactly the previewed steps, in order', async () => {
    // The store is whole first: a preview of a store still settling would name its catch-up steps.
    let primary = '';
    const wholeBy = Date.now() + 60_000;
    while (Date.now() < wholeBy) {
      const store = (JSON.parse(cli(['db', 'status', '--json'])) as { stores: { primary: string; members: { region: string; role: string; streaming: boolean | null }[] }[] }).stores[0]!;
      primary = store.primary;
      if (primary && store.members.every((m) => (m.role === 'primary' ? m.region === primary : m.streaming))) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const preview = JSON.parse(cli(['plan', 'failover', '--store', 'orders', '--json'])) as { subject: string; outcome: string; steps: { id: string }[]; promote: { region: string } | null };
    assert.equal(preview.subject, primary);
    assert.equal(preview.outcome, 'runs', JSON.stringify(preview));
    const previewed = preview.steps.map((s) => s.id);
    assert.ok(previewed.some((id) => id.startsWith('promote:')), previewed.join(', '));

    cutRegion(primary);
    try {
      let taken: string[] | undefined;
      const by = Date.now() + 90_000;
      while (Date.now() < by && !(taken = finishedFailover(primary))) await new Promise((r) => setTimeout(r, 1000));
      assert.ok(taken, `no finished failover runbook away from ${primary} within 90 s`);
      assert.deepEqual(taken, previewed, `previewed:\n  ${previewed.join('\n  ')}\ntaken:\n  ${taken.join('\n  ')}`);
    } finally {
      healRegion(primary);
    }
  });
});
