/**
 * Split brain as a client can observe it: two different primaries each acknowledged writes
 * during one and the same time window. For each primary identity we take the window from its
 * first to its last acknowledgement; every pair of overlapping windows is a split brain, and
 * the acks inside the overlap are its evidence.
 *
 * A failover followed by a failback to the same region is not a split brain as long as the
 * client records the timeline: the second incarnation is a different identity.
 */
import type { Ack } from './identity.ts';
import type { SplitBrainExample } from './types.ts';

const EXAMPLES = 5;

interface Window {
  readonly primary: string;
  readonly fromMs: number;
  readonly toMs: number;
}

export function findSplitBrain(acks: readonly Ack[]): { count: number; examples: SplitBrainExample[] } {
  const windows = windowsOf(acks);
  const inOverlap = new Set<string>();
  const examples: SplitBrainExample[] = [];
  for (let i = 0; i < windows.length; i++) {
    for (let j = i + 1; j < windows.length; j++) {
      const a = windows[i]!;
      const b = windows[j]!;
      const fromMs = Math.max(a.fromMs, b.fromMs);
      const toMs = Math.min(a.toMs, b.toMs);
      if (fromMs > toMs) continue;
      const evidence = acks.filter((k) => (k.primary === a.primary || k.primary === b.primary) && k.atMs >= fromMs && k.atMs <= toMs);
      for (const k of evidence) inOverlap.add(k.id);
      if (examples.length < EXAMPLES) {
        examples.push({ primaries: [a.primary, b.primary], fromMs, toMs, ids: evidence.slice(0, EXAMPLES).map((k) => k.id) });
      }
    }
  }
  return { count: inOverlap.size, examples };
}

function windowsOf(acks: readonly Ack[]): Window[] {
  const byPrimary = new Map<string, { fromMs: number; toMs: number }>();
  for (const k of acks) {
    if (k.primary === undefined) continue;
    const w = byPrimary.get(k.primary);
    if (!w) byPrimary.set(k.primary, { fromMs: k.atMs, toMs: k.atMs });
    else w.toMs = Math.max(w.toMs, k.atMs);
  }
  return [...byPrimary.entries()]
    .map(([primary, w]) => ({ primary, ...w }))
    .sort((a, b) => a.fromMs - b.fromMs || (a.primary < b.primary ? -1 : 1));
}
