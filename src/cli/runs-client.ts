/**
 * `meridian runs`: each store's failover runs from the first agent that can read etcd, in
 * topology order (every agent reads the same records), rendered by renderRuns (pure).
 * Exit 1 when no agent answered for a store.
 */
import { getJson } from '../common/http-get.ts';
import { CheckFailed } from '../common/errors.ts';
import type { StoreRuns } from '../agent/store/approval-records.ts';
import type { Topology } from '../spec/index.ts';
import { authHeaders } from './credentials.ts';
import { formatTable, printJson } from './output.ts';

export async function showRuns(topology: Topology, only: string | undefined, json: boolean, file: string | undefined): Promise<void> {
  const headers = authHeaders('viewer', file);
  const stores = topology.stores.filter((s) => s.engine === 'postgres' && (only === undefined || s.name === only));
  const answers: StoreRuns[] = [];
  const missing: string[] = [];
  for (const store of stores) {
    const tried: string[] = [];
    let got: StoreRuns | undefined;
    for (const r of topology.regions) {
      if (!r.agent) continue;
      const answer = await getJson(new URL(`/v1/stores/${encodeURIComponent(store.name)}/runs`, r.agent.api), { timeoutMs: 10_000, headers });
      if ('body' in answer) {
        got = answer.body as StoreRuns;
        break;
      }
      tried.push(`${r.name}: ${answer.error}`);
    }
    if (got) answers.push(got);
    else missing.push(`${store.name} (${tried.join('; ') || 'no agent address in the topology'})`);
  }
  if (json) printJson(answers);
  else process.stdout.write(answers.map((a) => renderRuns(a, topology.stores.find((s) => s.name === a.store)?.failover?.approval ?? 'automatic')).join('\n'));
  if (missing.length > 0) throw new CheckFailed(`no agent answered for ${missing.join(', ')}`);
}

const at = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

export function renderRuns(r: StoreRuns, mode: string): string {
  const lines = [`${r.store} (approval: ${mode})`];
  const open = r.current && (r.current.state === 'pending' || r.current.state === 'approved') ? r.current : null;
  if (open) {
    lines.push(`  ${open.state.toUpperCase()} ${open.id}: ${open.summary}`);
    lines.push(`    why: ${open.why}`);
    lines.push(`    detected ${at(open.detectedAtMs)}, expires ${at(open.expiresAtMs)}${open.decidedBy ? `, approved by ${open.decidedBy}` : ''}`);
    open.steps.forEach((s, i) => lines.push(`    ${i + 1}. ${s.id}: ${s.reason}`));
    if (open.state === 'pending') lines.push(`    answer: meridian approve ${open.id}   or   meridian reject ${open.id} --reason "…"`);
  } else {
    lines.push('  no run waits for approval');
  }
  let text = `${lines.join('\n')}\n`;
  if (r.runs.length > 0) {
    const outcome = (runbookId: string | undefined) => r.runbooks.find((b) => b.runbookId === runbookId)?.outcome ?? '';
    text += '  runs:\n' + indent(formatTable(
      ['id', 'state', 'by', 'detected', 'closed', 'runbook', 'outcome', 'note'],
      r.runs.map((x) => [x.id, x.state, x.decidedBy ?? '', at(x.detectedAtMs), at(x.decidedAtMs), x.runbookId ?? '', outcome(x.runbookId), x.note ?? '']),
    ));
  }
  if (r.runbooks.length > 0) {
    text += '  runbooks:\n' + indent(formatTable(
      ['runbook', 'kind', 'from', 'started', 'outcome', 'steps'],
      r.runbooks.map((b) => [b.runbookId, b.kind, b.subject, at(b.startedAtMs), b.outcome, b.steps.map((s) => `${s.stepId}=${s.result}`).join(' ')]),
    ));
  }
  return text;
}

function indent(table: string): string {
  return table.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');
}
