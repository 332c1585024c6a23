/**
 * `meridian drill chaos`: seeded fault rounds under continuous writes. Plan the rounds from the
 * seed → start the writers (`main` through the store's primary DNS name, as applications write;
 * `pinned-<region>` straight to every member, so any member that acknowledges while it is not the
 * named primary is caught) and the record log → warm up until the primary acknowledged a write
 * and the store has converged (else stop: nothing injected) → run every round (round.ts) → keep
 * writing a little → stop → read the run's ids on the primary the record names → report (pure,
 * from the history). One history across all rounds, with the round boundaries, so lost, zombie
 * and duplicate checks cover everything.
 */
import { CheckFailed, InputError, describeError } from '../../common/errors.ts';
import { DbQueryFailed } from '../../data/index.ts';
import { systemClock, type Clock } from '../clock.ts';
import { DEFAULT_WRITE_DEADLINES, SqlWriteTransport } from '../db/sql-transport.ts';
import { ensureDrillTable, readSurvivingIds } from '../db/survivors.ts';
import { WriteClient } from '../db/write-client.ts';
import { StubResolver } from '../stub-resolver.ts';
import { planChaos } from './plan.ts';
import { RecordLog } from './record-log.ts';
import type { Round } from './plan.ts';
import { buildChaosReport, type ChaosReport } from './report.ts';
import { awaitConvergence, describeConvergence, runRound } from './round.ts';
import type { ChaosEnvironment, ChaosEvent, ChaosHistory, MemberAddress, RoundRecord } from './types.ts';

export interface ChaosOptions {
  readonly seed: number;
  readonly rounds: number;
  /** Run only this round (1-based) of the seed's schedule: reproduces one round. */
  readonly only?: number;
  /** These rounds instead of the seed's schedule (named incidents replayed as tests). */
  readonly schedule?: readonly Round[];
  /** Refuse to run unless the store replicates this way. */
  readonly expectReplication?: 'sync' | 'async';
  /** Main client writes per second. @default 50 */
  readonly rate?: number;
  /** Writes per second of each client pinned to a member: enough to catch a member that acknowledges, few connections. @default 2 */
  readonly pinnedRate?: number;
  /** @default 3000 */
  readonly warmupMs?: number;
  /** @default 30000 */
  readonly convergeBoundMs?: number;
  /** Load between two rounds. @default 1000 */
  readonly betweenRoundsMs?: number;
  /** Load after the last round. @default 2000 */
  readonly afterMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: ChaosEvent) => void;
}

export interface ChaosResult {
  readonly report: ChaosReport;
  readonly history: ChaosHistory;
}

const MAX_WARMUP_MS = 30_000;
const RECORD_POLL_MS = 500;
/** How long the store may take to be whole before the first round. */
const BASELINE_BOUND_MS = 60_000;
/** Longest a round can take: its fault (at most ~4 TTL + 5 s plus a restart) and the bound. */
const ROUND_BUDGET_MS = 90_000;

export async function runChaos(env: ChaosEnvironment, o: ChaosOptions, clock: Clock = systemClock): Promise<ChaosResult> {
  const { store } = env;
  if (o.expectReplication && o.expectReplication !== store.replication) {
    throw new InputError(`store ${store.name} replicates ${store.replication}, not ${o.expectReplication}: start the lab with a topology in ${o.expectReplication} mode`);
  }
  const plan = o.schedule ? [...o.schedule] : planChaos(o.seed, o.rounds, { leaseTtlMs: store.leaseTtlMs, regions: env.members.map((m) => m.region) });
  if (o.only !== undefined && !(Number.isInteger(o.only) && o.only >= 1 && o.only <= o.rounds)) throw new InputError(`--round must be in [1, ${o.rounds}], got ${o.only}`);
  const rounds = o.only === undefined ? plan : plan.filter((r) => r.index === o.only);
  const events: ChaosEvent[] = [];
  const emit = (step: string, detail: string, atMs = clock.nowMs()) => {
    const event = { atMs, step, detail };
    events.push(event);
    o.onEvent?.(event);
  };
  const records = new RecordLog(env, clock);
  // Right after `lab up` the agents may not have written or read the first record yet.
  await records.poll();
  for (const startedAtMs = clock.nowMs(); !records.newest() && clock.nowMs() - startedAtMs < MAX_WARMUP_MS;) {
    await clock.sleep(RECORD_POLL_MS, o.signal);
    await records.poll();
  }
  const first = primaryMember(env, records.newest()?.region);
  await ensureDrillTable(appTarget(env, first)).catch((err: unknown) => {
    if (err instanceof DbQueryFailed && err.sqlState === '25006') throw new CheckFailed(`the primary ${first.region} refuses writes (read-only, fenced?): chaos rounds need a writable primary to start from`, { cause: err });
    throw err;
  });

  const startMs = clock.nowMs();
  const runId = `c${startMs}`;
  const maxDurationMs = MAX_WARMUP_MS + BASELINE_BOUND_MS + rounds.length * ROUND_BUDGET_MS;
  const sql = (endpoint: ConstructorParameters<typeof SqlWriteTransport>[0]['endpoint']) =>
    new SqlWriteTransport({ endpoint, credentials: store.credentials, runId, memberRegions: store.memberRegions, deadlines: DEFAULT_WRITE_DEADLINES });
  const resolver = new StubResolver({ nameservers: env.nameservers, clock });
  const main = new WriteClient({ transport: sql({ kind: 'dns', fqdn: store.primaryFqdn, resolver }), idPrefix: `${runId}-m`, client: 'main', rate: o.rate ?? 50, maxConcurrency: 64, maxDurationMs, clock });
  const pinned = env.members.map((m) => new WriteClient({
    transport: sql({ kind: 'fixed', host: m.host }), idPrefix: `${runId}-${m.region}`, client: `pinned-${m.region}`, rate: o.pinnedRate ?? 2, maxDurationMs, clock,
  }));
  const done: RoundRecord[] = [];
  records.start();
  main.start();
  for (const p of pinned) p.start();
  try {
    emit('warmup', `${o.rate ?? 50} writes/s through ${store.primaryFqdn}, ${o.pinnedRate ?? 2}/s straight to each member; primary ${first.region}; seed ${o.seed}, ${rounds.length} round(s)`);
    await clock.sleep(o.warmupMs ?? 3000, o.signal);
    while (!main.ops.some((op) => op.outcome === 'ok') && clock.nowMs() - startMs < MAX_WARMUP_MS) await clock.sleep(100, o.signal);
    if (!main.ops.some((op) => op.outcome === 'ok')) throw new CheckFailed(`no write through ${store.primaryFqdn} was acknowledged during the warm-up: nothing was injected`);
    const observing = { env, clock, ...(o.signal ? { signal: o.signal } : {}), records, mainOps: () => main.ops };
    // A round that starts from a broken store measures nothing: the first one starts from a whole one.
    const baseline = await awaitConvergence({ ...observing, convergeBoundMs: BASELINE_BOUND_MS }, clock.nowMs());
    if (baseline.convergence.outcome !== 'converged') throw new CheckFailed(`the store was not whole before the first round, so nothing was injected: ${describeConvergence(baseline.convergence, 'the warm-up')}`);
    emit('baseline', describeConvergence(baseline.convergence, 'the warm-up'));
    for (const round of rounds) {
      emit('round', `round ${round.index}: ${round.fault.kind}`);
      done.push(await runRound(round, { ...observing, emit, ...(o.convergeBoundMs ? { convergeBoundMs: o.convergeBoundMs } : {}) }));
      await clock.sleep(o.betweenRoundsMs ?? 1000, o.signal);
    }
    await clock.sleep(o.afterMs ?? 2000, o.signal);
  } catch (err) {
    if (o.signal?.aborted && err === o.signal.reason) throw new CheckFailed(`chaos rounds interrupted after ${done.length} round(s); every fault was undone`, { cause: err });
    throw err;
  } finally {
    await Promise.all([main.stop(), ...pinned.map((p) => p.stop()), records.stop()]);
  }
  emit('stopped', `${main.ops.length + pinned.reduce((n, p) => n + p.ops.length, 0)} writes recorded`);

  await records.poll();
  const survivorRegion = records.newest()?.region ?? null;
  const survivor = env.members.find((m) => m.region === survivorRegion);
  let unread = survivor ? '' : 'no agent shows a primary record';
  // As the admin: a superuser still gets a connection when commits waiting on a standby hold every other slot.
  const survivingIds = survivor
    ? await readSurvivingIds({ ...appTarget(env, survivor), ...env.admin }, runId).catch((err: unknown) => void (unread = describeError(err)))
    : undefined;
  emit('survivors', survivingIds ? `${survivingIds.length} rows of this run on ${survivorRegion}` : `the run's ids could not be read on the recorded primary (${survivorRegion ?? '-'}): ${unread}`);
  const history: ChaosHistory = {
    store: store.name, replication: store.replication, seed: o.seed, leaseTtlMs: store.leaseTtlMs, targets: store.targets, runId, startMs, endMs: clock.nowMs(),
    convergeBoundMs: o.convergeBoundMs ?? 30_000, rounds: done,
    ops: [...main.ops, ...pinned.flatMap((p) => p.ops)].sort((a, b) => a.sentAtMs - b.sentAtMs || (a.id < b.id ? -1 : 1)),
    skipped: Object.fromEntries([['main', main.skipped], ...pinned.map((p, i) => [`pinned-${env.members[i]!.region}`, p.skipped])]),
    survivingIds: survivingIds ?? [], survivorsFrom: survivingIds ? survivorRegion : null,
    recordSightings: records.sightings, events,
  };
  const report = buildChaosReport(history);
  emit('done', report.pass ? 'every check passed' : `${report.reasons.length} check(s) failed`);
  return { report, history };
}

function primaryMember(env: ChaosEnvironment, region: string | undefined): MemberAddress {
  const member = env.members.find((m) => m.region === region);
  if (!member) throw new CheckFailed(`store ${env.store.name}: no agent shows a primary record${region ? ` naming a member (${region})` : ''}; is the lab whole?`);
  return member;
}

function appTarget(env: ChaosEnvironment, m: MemberAddress) {
  const { user, password, database } = env.store.credentials;
  return { host: m.host, port: m.port, user, password, database };
}
