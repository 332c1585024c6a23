/**
 * The database drills: one sequence, five faults. Warm up under write load → inject the fault →
 * wait (bounded) until a primary takes writes again → keep writing → undo the fault → keep
 * writing → stop → read the surviving ids → checkHistory → report. The fault is ALWAYS undone
 * (finally), also on error and Ctrl-C (the signal).
 *
 * Clients: `main` writes through the store's primary DNS name (or the web service with the http
 * transport), as applications do; `pinned` writes straight to the old primary's address, so a
 * primary that comes back and still acknowledges is caught; for `partition` the pinned client is
 * `local`, running inside the primary's region, which the cut does not isolate from it.
 */
import { CheckFailed, InputError } from '../../common/errors.ts';
import { DbQueryFailed } from '../../data/index.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { WaitResult } from '../outage-report.ts';
import { StubResolver } from '../stub-resolver.ts';
import { awaitRunbookAndKillCoordinator } from './coordinator.ts';
import { faultDescription, injectFault, undoAll, type Undo } from './faults.ts';
import { HttpWriteTransport } from './http-transport.ts';
import { mergeRunbookSteps, planChanges, recoveryProgress, type RecoveryProgress } from './progress.ts';
import { buildDbDrillReport, type CoordinatorKill, type DbDrillEvent, type DbDrillHistory, type DbDrillReport } from './report.ts';
import { DEFAULT_WRITE_DEADLINES, SqlWriteTransport } from './sql-transport.ts';
import type { StatementDeadlines } from './single-statement.ts';
import { StoreWatcher } from './store-watcher.ts';
import { readSurvivingIds, ensureDrillTable } from './survivors.ts';
import type { DbDrillEnvironment, DbDrillKind, RemoteWriter, StoreSnapshot, WriteOp, WriteTransport, WrittenRows } from './types.ts';
import { WriteClient } from './write-client.ts';

export interface DbDrillOptions {
  readonly kind: DbDrillKind;
  /** region-outage only: the region to cut; it must be the primary's. */
  readonly region?: string;
  /** `sql` (default): straight to the primary DNS name. `http`: POST /orders on the web service. */
  readonly transport?: 'sql' | 'http';
  /** Main client writes per second. @default 50 */
  readonly rate?: number;
  /** Writes per second of the client pinned to the old primary. @default 10 */
  readonly pinnedRate?: number;
  /** Load before the fault, for a baseline. @default 3000 */
  readonly warmupMs?: number;
  /** The warm-up goes on (up to this long) until the primary has acknowledged a write. @default 30000 */
  readonly maxWarmupMs?: number;
  /** Bound on waiting for a primary to take writes again. @default 60000 */
  readonly maxRecoveryMs?: number;
  /** Load kept after the recovery, before the fault is undone. @default 3000 */
  readonly afterRecoveryMs?: number;
  /** Load kept after the fault is undone. @default 3000 */
  readonly afterRestoreMs?: number;
  /** Bound on waiting for the failover runbook to start (coordinator-crash). @default 30000 */
  readonly maxRunbookWaitMs?: number;
  /** A freeze lasts at least the lease TTL plus this. @default 1500 */
  readonly freezeMarginMs?: number;
  /** Store and agent status polling. @default 200 */
  readonly pollMs?: number;
  readonly deadlines?: StatementDeadlines;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: DbDrillEvent) => void;
}

export interface DbDrillResult {
  readonly report: DbDrillReport;
  readonly history: DbDrillHistory;
}

const POLL_MS = 100;
const HTTP_ANSWER_MS = 7000;

export async function runDbDrill(env: DbDrillEnvironment, options: DbDrillOptions, clock: Clock = systemClock): Promise<DbDrillResult> {
  const o = withDefaults(options, env);
  const { kind, signal } = options;
  const events: DbDrillEvent[] = [];
  const emit = (step: string, detail: string, atMs = clock.nowMs()) => {
    const event = { atMs, step, detail };
    events.push(event);
    options.onEvent?.(event);
  };
  const initial = await env.readStore();
  const oldPrimary = requirePrimary(initial, env, options);
  const oldAddress = initial.members.find((m) => m.region === oldPrimary)!.address;
  const startMs = clock.nowMs();
  const runId = `d${startMs}`;
  // The pinned and local clients always write SQL, whatever the main client's transport.
  await ensureDrillTable(directTarget(env, oldAddress)).catch((err: unknown) => {
    if (err instanceof DbQueryFailed && err.sqlState === '25006') {
      throw new CheckFailed(`store ${env.store.name}: the primary ${oldPrimary} refuses writes (read-only: fenced by its agent?); a drill needs a writable primary`, { cause: err });
    }
    throw err;
  });

  // Built only when the main client resolves names: a located primary needs no nameserver.
  const resolver = () => new StubResolver({ nameservers: env.nameservers, clock });
  const bound = o.maxWarmupMs + o.maxRunbookWaitMs + o.maxRecoveryMs + o.afterRecoveryMs + o.afterRestoreMs + 30_000;
  const main = new WriteClient({ transport: mainTransport(env, o.transport, resolver, runId, o.deadlines), idPrefix: `${runId}-m`, client: 'main', rate: o.rate, maxConcurrency: 64, maxDurationMs: bound, clock });
  const pinned = kind === 'partition' ? undefined : new WriteClient({
    transport: new SqlWriteTransport({ endpoint: { kind: 'fixed', host: hostOf(oldAddress) }, credentials: env.store.credentials, runId, memberRegions: env.store.memberRegions, deadlines: o.deadlines }),
    idPrefix: `${runId}-p`, client: 'pinned', rate: o.pinnedRate, maxDurationMs: bound, clock,
  });
  const watcher = new StoreWatcher(env, o.pollMs, clock);
  const undo: Undo[] = [];
  let local: RemoteWriter | undefined;
  let localOps: readonly WriteOp[];
  let faultAtMs: number | undefined;
  let restoredAtMs: number | undefined;
  let recovery: DbDrillHistory['recovery'] | undefined;
  let coordinatorKill: CoordinatorKill | undefined;

  watcher.start();
  try {
    if (kind === 'partition') {
      local = await env.startLocalWriter(oldPrimary, oldAddress, { runId, rate: o.pinnedRate, timeoutMs: o.deadlines.answerMs });
    }
    main.start();
    pinned?.start();
    try {
      emit('warmup', `${o.rate} writes/s through ${o.transport === 'sql' ? env.store.primaryFqdn : 'the web service'}; primary ${oldPrimary}`);
      await clock.sleep(o.warmupMs, signal);
      // A lab just brought up may not publish the primary's name yet: wait for a first ack.
      while (!hasBaseline(main, oldPrimary) && clock.nowMs() - startMs < o.maxWarmupMs) await clock.sleep(POLL_MS, signal);
      requireBaseline(main, oldPrimary);
      faultAtMs = clock.nowMs();
      const injected = await injectFault(env, kind, oldPrimary);
      emit('fault', faultDescription(kind, oldPrimary), faultAtMs);
      if ('run' in injected) undo.push(injected);
      else emit('note', injected.note);
      if (kind === 'coordinator-crash') {
        coordinatorKill = await awaitRunbookAndKillCoordinator(env, { maxWaitMs: o.maxRunbookWaitMs, clock, signal, emit, undo });
      }
      const fault = faultAtMs;
      const wait = await waitUntil(
        () => recoveryProgress({ oldPrimary, faultAtMs: fault, snapshots: watcher.snapshotsSince(fault), ops: main.ops, acceptRestartInPlace: kind === 'primary-crash' }),
        fault, o.maxRecoveryMs, clock, signal,
      );
      recovery = wait.result;
      emit(wait.result.outcome === 'settled' ? 'recovered' : 'recoveryTimedOut', describeRecovery(wait.result));
      if (kind === 'primary-freeze') await clock.sleep(Math.max(0, fault + env.store.leaseTtlMs + o.freezeMarginMs - clock.nowMs()), signal);
      await clock.sleep(o.afterRecoveryMs, signal);
    } finally {
      await undoAll(undo, clock, (what, atMs) => {
        restoredAtMs ??= atMs;
        emit('restored', what, atMs);
      });
    }
    await clock.sleep(o.afterRestoreMs, signal);
  } catch (err) {
    if (signal?.aborted && err === signal.reason) {
      throw new CheckFailed(`drill interrupted before it finished${faultAtMs === undefined ? '' : '; the fault was undone'}`, { cause: err });
    }
    throw err;
  } finally {
    const stopping = Promise.all([main.stop(), pinned?.stop(), watcher.stop()]);
    // The in-region client is a child process: it is stopped on every path, errors included.
    localOps = local ? await local.stop() : [];
    await stopping;
  }
  emit('stopped', `${main.ops.length + (pinned?.ops.length ?? 0) + localOps.length} writes recorded`);

  const final = await finalPrimary(env, watcher, o.maxRecoveryMs, clock, emit);
  const survivorsFrom = final?.primary ?? null;
  const survivorAddress = final?.members.find((m) => m.region === survivorsFrom && m.role === 'primary')?.address;
  const sources: WrittenRows[] = [{ kind: 'drillTable' }, ...(o.transport === 'http' && env.appRows ? [env.appRows] : [])];
  const survivingIds = survivorAddress
    ? (await Promise.all(sources.map((rows) => readSurvivingIds(directTarget(env, survivorAddress), runId, rows)))).flat()
    : [];
  emit('survivors', survivorAddress ? `${survivingIds.length} rows of this run on ${survivorsFrom}` : 'no primary to read from');

  const history: DbDrillHistory = {
    drill: kind, store: env.store.name, transport: o.transport, replication: env.store.replication, runId,
    targets: env.store.targets, leaseTtlMs: env.store.leaseTtlMs, startMs, endMs: clock.nowMs(),
    oldPrimary, faultRegion: oldPrimary, faultAtMs: faultAtMs!, ...(restoredAtMs === undefined ? {} : { restoredAtMs }),
    ops: [...main.ops, ...(pinned?.ops ?? []), ...localOps].sort((a, b) => a.sentAtMs - b.sentAtMs || (a.id < b.id ? -1 : 1)),
    skipped: { main: main.skipped, ...(pinned ? { pinned: pinned.skipped } : {}) },
    survivingIds, survivorsFrom: survivorAddress ? survivorsFrom : null,
    recovery: recovery!, storeChanges: watcher.changes(), runbookSteps: mergeRunbookSteps(watcher.agentPolls).filter((st) => (st.startedAtMs ?? startMs) >= startMs), // not earlier drills' runbooks
    plans: planChanges(watcher.agentPolls),
    ...(coordinatorKill ? { coordinatorKill } : {}), events,
  };
  const report = buildDbDrillReport(history);
  emit('done', report.pass ? 'all checks passed' : `${report.reasons.length} checks failed`);
  return { report, history };
}

function requirePrimary(initial: StoreSnapshot, env: DbDrillEnvironment, options: DbDrillOptions): string {
  const primary = initial.members.find((m) => m.region === initial.primary && m.role === 'primary' && m.reachable);
  if (!primary) throw new CheckFailed(`store ${env.store.name} has no reachable primary to drill (${initial.primary ?? 'none recorded'})`);
  if (initial.members.filter((m) => m.region !== primary.region && m.reachable).length === 0) {
    throw new CheckFailed(`store ${env.store.name} has no reachable standby: a failover drill would only take it down`);
  }
  if (options.region !== undefined && options.region !== primary.region) {
    throw new InputError(`store ${env.store.name}'s primary is in ${primary.region}; its region-outage drill cuts the primary's region (--region ${primary.region})`);
  }
  return primary.region;
}

function hasBaseline(main: WriteClient, oldPrimary: string): boolean {
  return main.ops.some((o) => o.outcome === 'ok' && o.server?.region === oldPrimary);
}

/** Cutting a primary that acknowledged nothing measures nothing. */
function requireBaseline(main: WriteClient, oldPrimary: string): void {
  if (hasBaseline(main, oldPrimary)) return;
  const errors = [...new Set(main.ops.filter((o) => o.outcome !== 'ok').map((o) => o.error ?? o.outcome))].slice(0, 3);
  throw new CheckFailed(
    `no write was acknowledged by the primary ${oldPrimary} during the warm-up (${main.ops.length} writes${errors.length ? `; e.g. ${errors.join(' | ')}` : ''}); nothing was injected`,
  );
}

function mainTransport(env: DbDrillEnvironment, transport: 'sql' | 'http', resolver: () => StubResolver, runId: string, deadlines: StatementDeadlines): WriteTransport {
  if (transport === 'http') {
    if (!env.web || !env.appRows) throw new InputError('the http transport needs a web service that takes POST /orders, and where it stores them');
    // Longer than the demo app's own deadline (5 s, retries included): its 503 is a clearer answer than our timeout.
    return new HttpWriteTransport({ fqdn: env.web.fqdn, port: env.web.port, resolver: resolver(), connectMs: deadlines.connectMs, answerMs: HTTP_ANSWER_MS });
  }
  const { store } = env;
  const endpoint = env.locatePrimary ? { kind: 'locate' as const, locate: env.locatePrimary } : { kind: 'dns' as const, fqdn: store.primaryFqdn, resolver: resolver() };
  return new SqlWriteTransport({ endpoint, credentials: store.credentials, runId, memberRegions: store.memberRegions, deadlines });
}

function directTarget(env: DbDrillEnvironment, address: string) {
  const { user, password, database } = env.store.credentials;
  return { host: hostOf(address), port: portOf(address) ?? env.store.credentials.port, user, password, database };
}

function hostOf(address: string): string {
  return /^\[?([^\]]+?)\]?:\d+$/.exec(address)?.[1] ?? address;
}

function portOf(address: string): number | undefined {
  const port = /:(\d+)$/.exec(address)?.[1];
  return port === undefined ? undefined : Number(port);
}

async function waitUntil(
  decide: () => RecoveryProgress, fromMs: number, maxMs: number, clock: Clock, signal: AbortSignal | undefined,
): Promise<{ result: DbDrillHistory['recovery'] }> {
  for (;;) {
    const progress = decide();
    const afterMs = clock.nowMs() - fromMs;
    if (progress.done) return { result: { outcome: 'settled', afterMs, primary: progress.primary, by: progress.by, seenAtMs: progress.seenAtMs } };
    if (afterMs >= maxMs) return { result: { outcome: 'timedOut', afterMs, detail: `still waiting for ${progress.waitingFor}` } };
    await clock.sleep(POLL_MS, signal);
  }
}

/**
 * The store as it ends, read once it has a writable primary again (bounded): the surviving ids are
 * read from that primary. Read at once, a store that was in a second failover (its new primary
 * lost, the next one not promoted yet) has none, and every acknowledged write would count as lost
 * although the promoted standby holds them.
 */
async function finalPrimary(
  env: DbDrillEnvironment, watcher: StoreWatcher, maxMs: number, clock: Clock, emit: (step: string, detail: string) => void,
): Promise<StoreSnapshot | undefined> {
  const fromMs = clock.nowMs();
  let last: StoreSnapshot | undefined;
  for (;;) {
    last = (await env.readStore().catch(() => undefined)) ?? last ?? watcher.snapshots.at(-1);
    if (last?.primary) {
      const waited = clock.nowMs() - fromMs;
      if (waited >= POLL_MS) emit('note', `the store had no writable primary when the writes stopped; ${last.primary} took over ${Math.round(waited)} ms later`);
      return last;
    }
    if (clock.nowMs() - fromMs >= maxMs) return last;
    await clock.sleep(POLL_MS);
  }
}

function describeRecovery(r: WaitResult & { primary?: string; by?: string }): string {
  if (r.outcome === 'timedOut') return `not recovered ${r.afterMs} ms after the fault: ${r.detail}`;
  return `${r.primary} takes writes ${r.afterMs} ms after the fault (${r.by === 'restartInPlace' ? 'restarted in place' : 'failover'})`;
}

function withDefaults(o: DbDrillOptions, env: DbDrillEnvironment) {
  const rate = o.rate ?? 50;
  if (!(rate > 0 && rate <= 1000)) throw new InputError(`--rate must be a number in (0, 1000], got ${rate}`);
  return {
    transport: o.transport ?? 'sql',
    rate,
    pinnedRate: o.pinnedRate ?? 10,
    warmupMs: o.warmupMs ?? 3000,
    maxWarmupMs: Math.max(o.maxWarmupMs ?? 30_000, o.warmupMs ?? 3000),
    maxRecoveryMs: o.maxRecoveryMs ?? Math.max(60_000, env.store.targets.rtoMs * 2),
    afterRecoveryMs: o.afterRecoveryMs ?? 3000,
    afterRestoreMs: o.afterRestoreMs ?? 3000,
    maxRunbookWaitMs: o.maxRunbookWaitMs ?? 30_000,
    freezeMarginMs: o.freezeMarginMs ?? 1500,
    pollMs: o.pollMs ?? 200,
    deadlines: o.deadlines ?? DEFAULT_WRITE_DEADLINES,
  };
}
