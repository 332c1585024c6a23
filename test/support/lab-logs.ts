/**
 * What the agents said about the stores, for a failing lab test's message: the store events
 * (fences, releases, plans, restarts) from the lab's agent logs, oldest first. A demo that failed
 * in CI is only diagnosable from what the agents decided; the drill report shows what clients saw.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LogLine {
  readonly time?: number;
  readonly region?: string;
  readonly level?: number;
  readonly event?: string;
  readonly msg?: string;
  readonly reason?: string;
  readonly action?: string;
}

export function storeEvents(labDir: string, max = 80): string {
  const dir = join(labDir, 'logs');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.startsWith('agent-') && f.endsWith('.log'));
  } catch {
    return `(no agent logs in ${dir})`;
  }
  const lines: LogLine[] = [];
  for (const f of files) {
    for (const raw of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!raw.startsWith('{')) continue;
      try {
        const l = JSON.parse(raw) as LogLine;
        if (l.event?.startsWith('store.') || (l.level ?? 0) >= 40) lines.push(l);
      } catch {
        // A line cut by a crash: skip it.
      }
    }
  }
  if (lines.length === 0) return `(no store events in ${files.join(', ')}: were the agents started with MERIDIAN_LOG_LEVEL=info?)`;
  lines.sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
  return lines
    .slice(-max)
    .map((l) => `${new Date(l.time ?? 0).toISOString()} ${l.region ?? '?'} ${l.event ?? ''} ${l.msg ?? ''}${l.reason && !l.msg?.includes(l.reason) ? ` (${l.reason})` : ''}`)
    .join('\n');
}
