/**
 * What one cut did to each watched nameserver, read from the DNS watcher's samples. Pure: samples
 * and times in, figures out. Conventions are the drill's (docs/drills.md): a sample belongs to a
 * phase by the time it was SENT and is dated by the time its answer ARRIVED; durations are
 * milliseconds from the cut (or from the heal).
 */
import type { WatcherSample } from '../../src/drill/index.ts';

/** A nameserver the benchmark watches, and the system under test it belongs to. */
export interface Watched {
  /** `address:port`, the watcher's key. */
  readonly key: string;
  /** `meridian`, `pdns-default`, `pdns-1s`: several servers may make up one system. */
  readonly system: string;
}

export interface ServerShift {
  readonly server: string;
  readonly system: string;
  /**
   * Cut → arrival of the last answer (sent during the cut) that still contained the cut region;
   * 0 when no answer during the cut contained it. Null when the server had not shifted: its last
   * answer before the heal still contained the region (or it never answered).
   */
  readonly shiftMs: number | null;
  readonly shifted: boolean;
  readonly answers: number;
  /** Timeouts, SERVFAIL and other non-answers during the cut. */
  readonly failures: number;
  /**
   * NOERROR answers without any A record during the cut: not the cut region, but no address
   * either (a client gets nothing, and may cache that). Counted apart, never hidden in `shifted`.
   */
  readonly emptyAnswers: number;
}

export type Progress = { readonly done: true } | { readonly done: false; readonly waitingFor: readonly string[] };

export function containsAny(addresses: readonly string[] | undefined, region: ReadonlySet<string>): boolean {
  return (addresses ?? []).some((a) => region.has(a));
}

function containsAll(addresses: readonly string[] | undefined, wanted: ReadonlySet<string>): boolean {
  const got = new Set(addresses ?? []);
  return [...wanted].every((a) => got.has(a));
}

/** Index of the last element matching, -1 if none (Array.findLastIndex is ES2023, beyond our target). */
function lastIndex<T>(items: readonly T[], match: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i -= 1) if (match(items[i]!)) return i;
  return -1;
}

/** The server's samples sent in [fromMs, untilMs), in the order they were sent. */
function samplesOf(samples: readonly WatcherSample[], server: string, fromMs: number, untilMs = Infinity): WatcherSample[] {
  return samples.filter((s) => s.server === server && s.sentAtMs >= fromMs && s.sentAtMs < untilMs).sort((a, b) => a.sentAtMs - b.sentAtMs);
}

export function serverShift(samples: readonly WatcherSample[], server: Watched, cutAtMs: number, healAtMs: number, region: ReadonlySet<string>): ServerShift {
  const during = samplesOf(samples, server.key, cutAtMs, healAtMs);
  const answers = during.filter((s) => s.addresses !== undefined);
  const withRegion = answers.filter((s) => containsAny(s.addresses, region));
  const last = answers.at(-1);
  const shifted = last !== undefined && !containsAny(last.addresses, region);
  const lastWithRegionMs = withRegion.length === 0 ? 0 : Math.max(...withRegion.map((s) => s.atMs - cutAtMs));
  return {
    server: server.key,
    system: server.system,
    shiftMs: shifted ? lastWithRegionMs : null,
    shifted,
    answers: answers.length,
    failures: during.length - answers.length,
    emptyAnswers: emptyAnswers(samples, server, cutAtMs, healAtMs),
  };
}

/** NOERROR answers with no address, sent in [fromMs, untilMs). */
export function emptyAnswers(samples: readonly WatcherSample[], server: Watched, fromMs: number, untilMs: number): number {
  return samplesOf(samples, server.key, fromMs, untilMs).filter((s) => s.addresses !== undefined && s.addresses.length === 0).length;
}

/**
 * Done when every server's answers since the cut end with a run without the region that began
 * at least `settleMs` ago, and its latest answer arrived within `settleMs` (it still answers).
 */
export function shiftProgress(
  samples: readonly WatcherSample[],
  servers: readonly Watched[],
  region: ReadonlySet<string>,
  cutAtMs: number,
  nowMs: number,
  settleMs: number,
): Progress {
  const waitingFor = servers.filter((server) => {
    const answers = samplesOf(samples, server.key, cutAtMs).filter((s) => s.addresses !== undefined);
    const last = answers.at(-1);
    if (!last || containsAny(last.addresses, region) || last.atMs < nowMs - settleMs) return true;
    const runStartMs = answers[lastIndex(answers, (s) => containsAny(s.addresses, region)) + 1]!.sentAtMs;
    return runStartMs > nowMs - settleMs;
  });
  return waitingFor.length === 0 ? { done: true } : { done: false, waitingFor: waitingFor.map((s) => s.key) };
}

/** Done when every server's latest answer sent since `sinceMs` contains all of `full` (the whole region is back). */
export function fullAnswerProgress(samples: readonly WatcherSample[], servers: readonly Watched[], full: ReadonlySet<string>, sinceMs: number): Progress {
  const waitingFor = servers.filter((server) => {
    const last = samplesOf(samples, server.key, sinceMs).filter((s) => s.addresses !== undefined).at(-1);
    return !last || !containsAll(last.addresses, full);
  });
  return waitingFor.length === 0 ? { done: true } : { done: false, waitingFor: waitingFor.map((s) => s.key) };
}

/** Heal → arrival of the server's first answer (sent after the heal) containing the region again; null if none. */
export function returnMs(samples: readonly WatcherSample[], server: Watched, healAtMs: number, region: ReadonlySet<string>): number | null {
  const back = samplesOf(samples, server.key, healAtMs).find((s) => containsAny(s.addresses, region));
  return back === undefined ? null : back.atMs - healAtMs;
}
