/**
 * The drill loop of part (b): for each round, wait until every watched server answers the whole
 * region, pause a random while, cut the region, wait until every server's answers have left it
 * (bounded), heal (always, in a finally), wait until the region is answered again (bounded).
 * The figures come from the watcher's samples afterwards (measure.ts), never from a stopwatch.
 */
import { CheckFailed } from '../../src/common/errors.ts';
import type { Clock, DnsWatcher } from '../../src/drill/index.ts';
import { emptyAnswers, fullAnswerProgress, returnMs, serverShift, shiftProgress, type Progress, type ServerShift, type Watched } from './measure.ts';
import { systemShiftMs } from './stats.ts';

export interface RoundSettings {
  readonly rounds: number;
  /** How long every server's answers must have stayed off the region before the round moves on. */
  readonly settleMs: number;
  readonly maxShiftWaitMs: number;
  readonly maxReturnWaitMs: number;
  /** Pause before each cut; random, so cuts fall at every phase of PowerDNS's check cycle. */
  readonly pauseMs: () => number;
}

export interface RoundWorld {
  readonly watcher: DnsWatcher;
  readonly servers: readonly Watched[];
  readonly systems: readonly string[];
  /** IPv4 endpoints of the region that is cut: while it is up, every server answers all of them. */
  readonly region: ReadonlySet<string>;
  readonly regionName: string;
  readonly clock: Clock;
  cut(): void;
  heal(): Promise<void>;
  readonly print: (line: string) => void;
  /** Ctrl-C: every wait rejects with its reason; the cut region is still healed. */
  readonly signal?: AbortSignal;
}

export interface RoundRecord {
  readonly round: number;
  readonly pauseMs: number;
  readonly cutAtMs: number;
  readonly healAtMs: number;
  /** Whether every server shifted and settled before the bound. */
  readonly settled: boolean;
  readonly servers: readonly ServerShift[];
  /** Per system: cut → its last server's shift (null: not shifted). */
  readonly systems: Readonly<Record<string, number | null>>;
  /** Per server: heal → first answer with the region again (null: not within the bound). */
  readonly returnMs: Readonly<Record<string, number | null>>;
  /** Per server: answers without any address from the heal until all answered the region again. */
  readonly emptyAfterHeal: Readonly<Record<string, number>>;
}

const POLL_MS = 50;

export async function runRounds(world: RoundWorld, settings: RoundSettings): Promise<RoundRecord[]> {
  const records: RoundRecord[] = [];
  for (let round = 1; round <= settings.rounds; round += 1) {
    const mark = world.watcher.samples.length;
    const samples = () => world.watcher.samples.slice(mark);
    const readySince = world.clock.nowMs();
    const ready = await waitFor(world, () => fullAnswerProgress(samples(), world.servers, world.region, readySince), settings.maxReturnWaitMs);
    if (!ready.done) throw new CheckFailed(`before round ${round}: ${ready.waitingFor.join(', ')} still not answering all of ${world.regionName}`);
    const pauseMs = Math.round(settings.pauseMs());
    await world.clock.sleep(pauseMs, world.signal);

    const cutAtMs = world.clock.nowMs();
    let healAtMs = cutAtMs;
    let shift: Progress;
    try {
      world.cut();
      shift = await waitFor(world, () => shiftProgress(samples(), world.servers, world.region, cutAtMs, world.clock.nowMs(), settings.settleMs), settings.maxShiftWaitMs);
    } finally {
      healAtMs = world.clock.nowMs();
      await world.heal();
    }
    await waitFor(world, () => fullAnswerProgress(samples(), world.servers, world.region, healAtMs), settings.maxReturnWaitMs);
    const backAtMs = world.clock.nowMs();

    const all = samples();
    const servers = world.servers.map((s) => serverShift(all, s, cutAtMs, healAtMs, world.region));
    const record: RoundRecord = {
      round,
      pauseMs,
      cutAtMs,
      healAtMs,
      settled: shift.done,
      servers,
      systems: Object.fromEntries(world.systems.map((system) => [system, systemShiftMs(servers, system)])),
      returnMs: Object.fromEntries(world.servers.map((s) => [s.key, returnMs(all, s, healAtMs, world.region)])),
      emptyAfterHeal: Object.fromEntries(world.servers.map((s) => [s.key, emptyAnswers(all, s, healAtMs, backAtMs)])),
    };
    records.push(record);
    world.print(describeRound(record, settings.rounds, world.regionName));
  }
  return records;
}

async function waitFor(world: Pick<RoundWorld, 'clock' | 'signal'>, decide: () => Progress, maxMs: number): Promise<Progress> {
  const startMs = world.clock.nowMs();
  for (;;) {
    const progress = decide();
    if (progress.done || world.clock.nowMs() - startMs >= maxMs) return progress;
    await world.clock.sleep(POLL_MS, world.signal);
  }
}

function describeRound(r: RoundRecord, rounds: number, region: string): string {
  const systems = Object.entries(r.systems).map(([name, ms]) => `${name} ${ms === null ? 'NOT SHIFTED' : `${ms} ms`}`);
  const back = Object.values(r.returnMs).filter((v): v is number => v !== null);
  const backText = back.length === Object.keys(r.returnMs).length ? `all back ${Math.max(...back)} ms after the heal` : 'NOT all back after the heal';
  const empty = r.servers.reduce((n, s) => n + s.emptyAnswers, 0) + Object.values(r.emptyAfterHeal).reduce((n, v) => n + v, 0);
  const emptyText = empty === 0 ? '' : `; ${empty} EMPTY answers (${emptyBySystem(r)})`;
  return `round ${r.round}/${rounds}: cut ${region} after a ${r.pauseMs} ms pause → ${systems.join(', ')}; ${backText}${emptyText}`;
}

function emptyBySystem(r: RoundRecord): string {
  const counts = new Map<string, number>();
  for (const s of r.servers) counts.set(s.system, (counts.get(s.system) ?? 0) + s.emptyAnswers + (r.emptyAfterHeal[s.server] ?? 0));
  return [...counts].filter(([, n]) => n > 0).map(([system, n]) => `${system} ${n}`).join(', ');
}
