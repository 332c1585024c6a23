/** The chaos report as text for a terminal (pure). */
import { formatMs } from '../db/report-text.ts';
import type { ChaosReport, ChaosRoundReport } from './report.ts';

export function formatChaosReport(r: ChaosReport): string {
  const out: string[] = [];
  out.push(`Chaos rounds on ${r.store} (${r.replication} replication, lease TTL ${formatMs(r.leaseTtlMs)}), seed ${r.seed}: ${r.rounds.length} round(s) in ${formatMs(r.durationMs)}`);
  out.push(`Result: ${r.pass ? 'PASS' : 'FAIL'}`, '');
  for (const round of r.rounds) out.push(...roundLines(round, r.convergeBoundMs));
  const l = r.lostAckedWrites;
  out.push('Over all rounds:');
  out.push(l.count === null
    ? '  acknowledged writes lost: NOT CHECKED (no primary to read the surviving writes from)'
    : `  acknowledged writes lost: ${l.count}${l.count > 0 ? ` over ${formatMs(l.rpoMs)} (first: ${l.firstIds.join(', ')})` : ''} (read on ${r.survivorsFrom})`);
  out.push(`  zombie acks (acknowledged by a primary the record no longer or never named): ${r.zombieAcks.count}`);
  for (const z of r.zombieAcks.first) {
    out.push(`    ${z.id} (${z.client}) by ${z.server}, sent ${formatMs(z.sentAtMs - Date.parse(r.startedAt))} into the run: ${z.why}; the record named ${z.recordThen.region} (token ${z.recordThen.token})`);
  }
  out.push(`  duplicates: ${r.duplicates.count}${r.duplicates.count > 0 ? ` (${r.duplicates.ids.join(', ')})` : ''}; split brain: ${r.splitBrain.count}`);
  out.push(`  unknown outcomes: ${r.unknownOutcomes.present} committed, ${r.unknownOutcomes.absent} not`);
  out.push(`  rounds that never converged: ${r.roundsNotConverged.length === 0 ? 'none' : r.roundsNotConverged.join(', ')}`);
  const clients = Object.entries(r.clients).map(([name, c]) => `${name} ${c.ok}/${c.writes} ok (${c.fail} fail, ${c.unknown} unknown${c.skipped ? `, ${c.skipped} skipped` : ''})`);
  out.push(`  writes: ${clients.join('; ')}`);
  if (!r.pass) {
    out.push('', 'Why it failed:');
    for (const reason of r.reasons) out.push(`  - ${reason}`);
  }
  out.push('', `Reproduce a round: meridian drill chaos --store ${r.store} --seed ${r.seed} --rounds N --round K`);
  return `${out.join('\n')}\n`;
}

function roundLines(r: ChaosRoundReport, boundMs: number): string[] {
  const verdict = r.converged
    ? `converged on ${r.primaryAfter} after ${formatMs(r.convergeMs)}`
    : `NEVER CONVERGED within ${formatMs(boundMs)} of the fault's end`;
  const gap = `${formatMs(r.longestWriteGap.gapMs)}${r.longestWriteGap.open ? ' (writes had not resumed)' : ''}`;
  const lines = [
    `Round ${r.index}: ${r.kind} on ${r.targets.join(' then ') || '-'} (primary before: ${r.primaryBefore ?? 'none'})`,
    `  ${r.description}`,
    `  fault lasted ${formatMs(r.faultEndedAtMs - r.startedAtMs)}; ${verdict}; longest write gap ${gap}`,
  ];
  for (const e of r.events) lines.push(`    +${formatMs(e.atMs)} ${e.step}: ${e.detail}`);
  if (r.error) lines.push(`  error: ${r.error}`);
  for (const p of r.problems) lines.push(`  still wrong: (${p.check})${p.region ? ` ${p.region}:` : ''} ${p.detail}`);
  return lines;
}
