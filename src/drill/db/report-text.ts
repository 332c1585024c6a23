/** The database drill report as text for a person (pure). The JSON form is the report itself. */
import type { DbDrillReport } from './report.ts';

export function formatMs(ms: number | null): string {
  if (ms === null) return '-';
  return Math.abs(ms) < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function signedMs(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${formatMs(Math.abs(ms))}`;
}

export function formatDbDrillReport(r: DbDrillReport): string {
  const out: string[] = [];
  out.push(`Database drill ${r.drill} on store ${r.store} (${r.replication} replication, ${r.transport} client): ${r.faultRegion}`);
  out.push(`Result: ${r.pass ? 'PASS' : 'FAIL'}`, '');
  out.push(`Primary: ${r.oldPrimary ?? '-'} -> ${r.newPrimary ?? '-'}${r.recoveredBy === 'restartInPlace' ? ' (restarted in place)' : ''}`);
  out.push(`RTO ${formatMs(r.rtoMs)} (target ${formatMs(r.targets.rtoMs)}), RPO ${formatMs(r.rpoMs)} (target ${formatMs(r.targets.rpoMs)})`);
  out.push(`Acknowledged writes lost: ${r.lostAckedWrites.count}${r.lostAckedWrites.count ? ` (first: ${r.lostAckedWrites.firstIds.slice(0, 5).join(', ')})` : ''}`);
  out.push(`Split brain: ${r.splitBrain.count} writes${r.splitBrain.examples[0] ? ` (${r.splitBrain.examples[0].primaries.join(' and ')})` : ''}`);
  out.push(`Zombie acks: ${r.zombieAcks.count}${r.zombieAcks.count ? ` (${r.zombieAcks.afterHealCount} after the fault was undone; first: ${r.zombieAcks.firstIds.slice(0, 5).join(', ')})` : ''}`);
  out.push(`Duplicates: ${r.duplicates.count}; unknown outcomes: ${r.unknowns.count} (${r.unknowns.present} committed, ${r.unknowns.absent} not); failed but committed: ${r.failedButPresent}`, '');
  out.push('Clients:');
  for (const [name, c] of Object.entries(r.clients)) {
    out.push(`  ${name.padEnd(7)} ${c.writes} writes: ${c.ok} ok, ${c.fail} failed, ${c.unknown} unknown${c.skipped ? `, ${c.skipped} ticks skipped (saturated)` : ''}`);
  }
  out.push('', 'Timeline (relative to the fault):');
  for (const t of r.timeline) out.push(`  ${signedMs(t.atMs).padStart(10)}  ${t.step}: ${t.detail}`);
  out.push('', 'Checks:');
  for (const c of r.checks) out.push(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  return `${out.join('\n')}\n`;
}
