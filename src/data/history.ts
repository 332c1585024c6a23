/**
 * Timeline histories. Every promotion starts a new timeline; its history file
 * (`pg_wal/0000000T.history`) lists each ancestor timeline and the LSN where it ended
 * ("switch point"). A member whose position lies on an ancestor timeline *past* that
 * ancestor's switch point holds WAL the current primary never had: it has diverged and can
 * neither follow the primary nor be promoted without losing the primary's history.
 */
import { formatLsn, parseLsn, type Lsn } from './lsn.ts';

export interface TimelineSwitch {
  /** An ancestor timeline… */
  readonly timeline: number;
  /** …and the LSN where the next timeline forked off it. */
  readonly switchLsn: Lsn;
}

export interface TimelineHistory {
  /** The timeline this history leads to (the server's current one). */
  readonly timeline: number;
  /** Ancestors, oldest first. Empty for timeline 1. */
  readonly ancestors: readonly TimelineSwitch[];
}

export interface WalPosition {
  readonly timeline: number;
  readonly lsn: Lsn;
}

export type HistoryPosition =
  | { readonly kind: 'onHistory' }
  | { readonly kind: 'forkedOff'; readonly timeline: number; readonly switchLsn: Lsn }
  | { readonly kind: 'unknownTimeline'; readonly timeline: number };

/** `00000002.history`: the file name PostgreSQL uses for a timeline's history. */
export function historyFileName(timeline: number): string {
  return `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
}

/** Timeline part of a WAL segment file name (`000000020000000000000003` → 2). */
export function timelineOfWalFile(name: string): number | undefined {
  return /^[0-9A-F]{24}$/.test(name) ? parseInt(name.slice(0, 8), 16) : undefined;
}

/**
 * Parse a history file: `parentTLI <tab> switchpoint <tab> reason` per line, `#` comments.
 * Throws on a malformed line: the text comes from the server, so that is a broken invariant.
 */
export function parseTimelineHistory(timeline: number, text: string): TimelineHistory {
  const ancestors: TimelineSwitch[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [tli, lsn] = line.split(/\s+/);
    const parent = Number(tli);
    if (!Number.isInteger(parent) || parent < 1 || lsn === undefined) {
      throw new Error(`malformed line in history of timeline ${timeline}: ${JSON.stringify(raw)}`);
    }
    ancestors.push({ timeline: parent, switchLsn: parseLsn(lsn) });
  }
  return { timeline, ancestors };
}

/** Where a position lies relative to a history (the current primary's, normally). */
export function locateOnHistory(history: TimelineHistory, position: WalPosition): HistoryPosition {
  if (position.timeline === history.timeline) return { kind: 'onHistory' };
  const ancestor = history.ancestors.find((a) => a.timeline === position.timeline);
  if (!ancestor) return { kind: 'unknownTimeline', timeline: position.timeline };
  if (position.lsn <= ancestor.switchLsn) return { kind: 'onHistory' };
  return { kind: 'forkedOff', timeline: ancestor.timeline, switchLsn: ancestor.switchLsn };
}

/**
 * Two histories agree when every ancestor they both list forked at the same LSN. Without a WAL
 * archive two promotions can pick the same timeline number on different branches; the switch
 * points then differ, and only this comparison tells them apart.
 */
export function historiesAgree(a: TimelineHistory, b: TimelineHistory): boolean {
  return a.ancestors.every((x) => {
    const y = b.ancestors.find((s) => s.timeline === x.timeline);
    return y === undefined || y.switchLsn === x.switchLsn;
  });
}

export function describePosition(p: HistoryPosition): string {
  switch (p.kind) {
    case 'onHistory':
      return 'on the primary timeline history';
    case 'forkedOff':
      return `past the end of timeline ${p.timeline} (it forked at ${formatLsn(p.switchLsn)})`;
    case 'unknownTimeline':
      return `on timeline ${p.timeline}, which is not in the primary's history`;
  }
}
