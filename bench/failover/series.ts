/**
 * One system's series of region-outage drills: cut the current primary's region (the primary
 * moves every drill), let `runDbDrill` measure and heal, bring the store whole again (the
 * system's own way, bounded), then re-read the drill's ids from the primary of the whole store:
 * an acknowledged write that vanished after the drill's end (a returning old leader taking over
 * again) still counts as lost. A store that does not become whole again ends the series with a
 * note rather than hanging; so do two drills in a row that could not run.
 */
import { join } from 'node:path';
import { saveDbDrillReport } from '../../src/cli/drill-reports.ts';
import { describeError } from '../../src/common/errors.ts';
import {
  buildDbDrillReport, readSurvivingIds, runDbDrill, type DbDrillEnvironment, type DbDrillHistory, type DbDrillOptions, type DbDrillResult,
} from '../../src/drill/db/index.ts';
import { drillRecord, failedDrill, type DrillRecord } from './figures.ts';
import { describeDrill } from './report.ts';

/** `intervention`: what had to be done beyond the system's own routine (e.g. a Patroni member reinitialized). */
export type Restored = { readonly ok: true; readonly intervention?: string } | { readonly ok: false; readonly reason: string };

export interface SystemUnderTest {
  readonly system: string;
  readonly env: DbDrillEnvironment;
  /** After a drill (its region already healed): until the store is whole again, bounded. */
  restore(signal: AbortSignal): Promise<Restored>;
}

export type DrillSettings = Omit<DbDrillOptions, 'kind' | 'region' | 'signal' | 'onEvent'>;

export interface SeriesOptions {
  readonly drills: number;
  readonly drill: DrillSettings;
  readonly signal: AbortSignal;
  readonly print: (line: string) => void;
  /** Where to keep every drill's report and history (JSON and HTML), if anywhere. */
  readonly reportsDir?: string;
}

export interface SeriesResult {
  readonly records: DrillRecord[];
  readonly stopped?: string;
}

const MAX_FAILED_IN_A_ROW = 2;

export async function runSeries(sut: SystemUnderTest, o: SeriesOptions): Promise<SeriesResult> {
  const records: DrillRecord[] = [];
  let failedInARow = 0;
  for (let n = 1; n <= o.drills; n += 1) {
    o.signal.throwIfAborted();
    const before = await sut.env.readStore();
    const region = before.primary;
    if (region === null) return { records, stopped: `before drill ${n}: the store has no primary` };
    let atEnd: DbDrillResult | undefined;
    let note: string | undefined;
    try {
      atEnd = await runDbDrill(sut.env, { ...o.drill, kind: 'region-outage', region, signal: o.signal });
    } catch (err) {
      if (o.signal.aborted) throw err;
      note = describeError(err);
    }
    const endedAt = Date.now();
    const restored = await sut.restore(o.signal);
    const restoreMs = restored.ok ? Date.now() - endedAt : null;
    const final = atEnd && restored.ok ? await recheck(sut.env, atEnd.history).catch(() => undefined) : undefined;
    if (atEnd && o.reportsDir) saveDbDrillReport(join(o.reportsDir, sut.system), final ?? atEnd);
    const record = atEnd
      ? drillRecord(n, atEnd, final, restoreMs, restored.ok ? undefined : restored.reason, restored.ok ? restored.intervention : undefined)
      : failedDrill(n, region, note!);
    records.push(record);
    o.print(describeDrill(sut.system, record, o.drills));
    if (!restored.ok) return { records, stopped: `after drill ${n}: ${restored.reason}` };
    failedInARow = atEnd ? 0 : failedInARow + 1;
    if (failedInARow >= MAX_FAILED_IN_A_ROW) return { records, stopped: `${failedInARow} drills in a row could not run; the last: ${note}` };
  }
  return { records };
}

/** The drill's history and report again, with the ids the primary of the whole store holds now. */
async function recheck(env: DbDrillEnvironment, history: DbDrillHistory): Promise<DbDrillResult | undefined> {
  const store = await env.readStore();
  const primary = store.members.find((m) => m.region === store.primary && m.role === 'primary' && m.reachable);
  if (!primary) return undefined;
  const { user, password, database, port } = env.store.credentials;
  const host = primary.address.replace(/:\d+$/, '');
  const ids = await readSurvivingIds({ host, port: Number(primary.address.split(':').at(-1) ?? port), user, password, database }, history.runId);
  const again: DbDrillHistory = { ...history, survivingIds: ids, survivorsFrom: primary.region };
  return { report: buildDbDrillReport(again), history: again };
}
