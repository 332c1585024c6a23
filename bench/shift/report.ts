/**
 * Part (b)'s figures from the round records: per system p50/max cut-to-shift, TTL answered,
 * client-observed estimate, time back after the heal, and the Meridian/PowerDNS ratios; plus the
 * printed table. Pure, deterministic: records in, plain objects and text out.
 */
import { textTable } from '../lib/table.ts';
import type { RoundRecord } from './rounds.ts';
import { clientObservedMs, ratio, summarize, ttlRange, type ShiftSummary, type TtlRange } from './stats.ts';

export interface SystemInfo {
  readonly name: string;
  readonly description: string;
  /** Server keys (`address:port`) that make up the system. */
  readonly servers: readonly string[];
}

export interface SystemReport {
  readonly system: string;
  readonly description: string;
  readonly rounds: number;
  /** Rounds in which every server of the system shifted. */
  readonly roundsShifted: number;
  readonly shift: ShiftSummary | null;
  readonly perRoundMs: readonly (number | null)[];
  /** Each server alone (Meridian has one per surviving region). */
  readonly perServer: readonly { readonly server: string; readonly shift: ShiftSummary | null }[];
  readonly ttlSeconds: TtlRange | null;
  /** Server shift + largest TTL answered: at worst what a client behind a cache sees. */
  readonly clientObserved: { readonly p50Ms: number; readonly maxMs: number } | null;
  /** Heal → every server of the system answering the region again. */
  readonly backAfterHeal: ShiftSummary | null;
  /** NOERROR answers without any address (all servers, all rounds): during the cut, and from the heal until back. */
  readonly emptyAnswers: { readonly duringCut: number; readonly afterHeal: number };
}

export interface ShiftRatio {
  readonly system: string;
  readonly reference: string;
  /** Meridian p50 / reference p50 (below 1: Meridian shifts faster). */
  readonly p50: number | null;
  readonly max: number | null;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const present = (values: readonly (number | null)[]): number[] => values.filter((v): v is number => v !== null);

export function systemReport(info: SystemInfo, records: readonly RoundRecord[], ttls: readonly number[]): SystemReport {
  const perRoundMs = records.map((r) => r.systems[info.name] ?? null);
  const shift = summarize(present(perRoundMs));
  const ttlSeconds = ttlRange(ttls);
  const back = records.map((r) => {
    const values = info.servers.map((s) => r.returnMs[s] ?? null);
    return values.some((v) => v === null) ? null : Math.max(...(values as number[]));
  });
  return {
    system: info.name,
    description: info.description,
    rounds: records.length,
    roundsShifted: present(perRoundMs).length,
    shift,
    perRoundMs,
    perServer: info.servers.map((server) => ({
      server,
      shift: summarize(present(records.map((r) => r.servers.find((s) => s.server === server)?.shiftMs ?? null))),
    })),
    ttlSeconds,
    clientObserved: shift && { p50Ms: clientObservedMs(shift.p50Ms, ttlSeconds), maxMs: clientObservedMs(shift.maxMs, ttlSeconds) },
    backAfterHeal: summarize(present(back)),
    emptyAnswers: {
      duringCut: sum(records.flatMap((r) => r.servers.filter((x) => info.servers.includes(x.server)).map((x) => x.emptyAnswers))),
      afterHeal: sum(records.flatMap((r) => info.servers.map((server) => r.emptyAfterHeal[server] ?? 0))),
    },
  };
}

/** `system` against every other system. */
export function shiftRatios(reports: readonly SystemReport[], system: string): ShiftRatio[] {
  const own = reports.find((r) => r.system === system);
  return reports
    .filter((r) => r.system !== system)
    .map((ref) => ({ system, reference: ref.system, p50: ratio(own?.shift?.p50Ms, ref.shift?.p50Ms), max: ratio(own?.shift?.maxMs, ref.shift?.maxMs) }));
}

const seconds = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);
const fmtRatio = (r: number | null): string => (r === null ? '–' : r.toFixed(2));
const fmtTtl = (t: TtlRange | null): string => (t === null ? '–' : t.min === t.max ? `${t.min} s` : `${t.min}–${t.max} s`);

export function renderShiftTable(reports: readonly SystemReport[], ratios: readonly ShiftRatio[]): string {
  const main = textTable(
    ['system', 'shifted', 'p50', 'min', 'max', 'TTL', 'client ≤ p50+TTL', 'client ≤ max+TTL', 'back after heal p50 (max)', 'empty answers cut/heal'],
    reports.map((r) => [
      r.system,
      `${r.roundsShifted}/${r.rounds}`,
      seconds(r.shift?.p50Ms),
      seconds(r.shift?.minMs),
      seconds(r.shift?.maxMs),
      fmtTtl(r.ttlSeconds),
      seconds(r.clientObserved?.p50Ms),
      seconds(r.clientObserved?.maxMs),
      r.backAfterHeal ? `${seconds(r.backAfterHeal.p50Ms)} (${seconds(r.backAfterHeal.maxMs)})` : '–',
      `${r.emptyAnswers.duringCut}/${r.emptyAnswers.afterHeal}`,
    ]),
  );
  const servers = reports.flatMap((r) =>
    r.perServer.length > 1 ? r.perServer.map((s) => `  ${r.system} ${s.server.padEnd(16)} p50 ${seconds(s.shift?.p50Ms)}, max ${seconds(s.shift?.maxMs)}`) : [],
  );
  const perRound = reports.map((r) => `  ${r.system.padEnd(13)} ${r.perRoundMs.map((ms) => (ms === null ? '–' : String(ms))).join(', ')}`);
  const ratioLines = ratios.map((x) => `  ${x.system}/${x.reference}: p50 ${fmtRatio(x.p50)}, max ${fmtRatio(x.max)}`);
  return [
    main,
    '',
    'cut-to-shift per round (ms; a system counts as shifted when its last server did):',
    ...perRound,
    ...(servers.length > 0 ? ['', 'per nameserver:', ...servers] : []),
    '',
    'empty answers: NOERROR without any A record (not the cut region, but no address for the client either).',
    'ratios (below 1: Meridian shifts faster):',
    ...ratioLines,
  ].join('\n');
}

