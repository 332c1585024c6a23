/**
 * Part (c): stateful RTO over region-outage drills, Meridian vs Patroni, in the same run, with
 * the same drill (`runDbDrill`: a write client, the primary's region cut, the history checker).
 *
 * Four systems, one after the other, each on a lab brought up for it and taken down after:
 *   meridian-sync / meridian-async  the built-in topology, its store `orders` sync or async;
 *                                   the lab's agents fail it over; the old primary is rejoined
 *                                   (`meridian db rejoin`) between drills;
 *   patroni-default / patroni-fast  the built-in topology without agents; one Patroni 3.0.2 per
 *                                   region in the region's namespace on the lab's etcd, managing
 *                                   its own PostgreSQL 15 on port 5433; it rejoins by itself.
 * Every drill cuts the region of the current primary. Before the drills, each system's primary
 * takes a closed-loop write load (8 connections) for --seconds: the sync/async throughput cost.
 *
 * The person running `npm run bench` owns the machine (lab lock): nothing here takes it. No lab
 * may be running at the start: this benchmark brings up its own, four times.
 * MERIDIAN_BENCH_FAILOVER_REPORTS=DIR keeps every drill's report and history (JSON and HTML).
 * Development only: MERIDIAN_BENCH_FAILOVER_DRILLS=N (fewer drills) and
 * MERIDIAN_BENCH_FAILOVER_SYSTEMS=a,b (a subset); the published figures use neither.
 */
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, InfraError, InputError } from '../src/common/errors.ts';
import { labDbDrillEnvironment } from '../src/drill/db/lab-environment.ts';
import { existingLabPgClientTls, labDir, labDown, labTopologyFile, labUp, readCredentials, readLabStatus, requireLabHost, storeTargets } from '../src/lab/index.ts';
import { loadTopologyFile } from '../src/spec/index.ts';
import { machineInfo } from './lib/machine.ts';
import { RESULTS_DIR } from './lib/paths.ts';
import { abortOnSignals } from './lib/signals.ts';
import { rtoRatios, summarizeSystem, syncCostRatio, targetVerdicts, type SystemIdentity, type SystemRun } from './failover/figures.ts';
import { restoreMeridianStore, topologyWithReplication } from './failover/meridian-store.ts';
import { startPatroniCluster } from './failover/patroni-cluster.ts';
import { PATRONI_SETTINGS, type PatroniSetting } from './failover/patroni-config.ts';
import { patroniEnvironment } from './failover/patroni-environment.ts';
import { restorePatroni } from './failover/patroni-restore.ts';
import { renderFailoverReport } from './failover/report.ts';
import { runSeries, type DrillSettings } from './failover/series.ts';
import { measureWriteThroughput, THROUGHPUT_CONNECTIONS, type ThroughputResult } from './failover/throughput.ts';
import type { BenchContext, Benchmark } from './types.ts';

/** Fewer drills give no meaningful p50 and max: --rounds below this is raised to it. */
export const MIN_FAILOVER_DRILLS = 10;
/**
 * The same drill for every system: 50 writes/s through the system's way to the primary, 10/s
 * straight to the old one; writing goes on 15 s after the heal, so what the returning old primary
 * does then (fence itself, or take over again) is inside the history.
 */
const DRILL: DrillSettings = { rate: 50, pinnedRate: 10, warmupMs: 3000, maxWarmupMs: 30_000, maxRecoveryMs: 90_000, afterRecoveryMs: 3000, afterRestoreMs: 15_000 };
/** Bound on the store becoming whole again after a drill (rejoin, rewind, streaming). */
const RESTORE_MS = 150_000;
/** Patroni gets 90 s to rejoin by itself (9 of its default loops), then members it does not stream to are reinitialized. */
const PATRONI_RESTORE = { selfHealMs: 90_000, afterReinitMs: RESTORE_MS };
const reportsDir = (): string | undefined => process.env.MERIDIAN_BENCH_FAILOVER_REPORTS || undefined;

interface SystemPlan extends SystemIdentity {
  run(ctx: BenchContext, drills: number, signal: AbortSignal): Promise<SystemRun>;
}

const SYSTEMS: readonly SystemPlan[] = [
  meridianPlan('sync'),
  meridianPlan('async'),
  ...PATRONI_SETTINGS.map(patroniPlan),
];

export const failoverBenchmark: Benchmark = {
  name: 'failover',
  description: `stateful RTO over ≥${MIN_FAILOVER_DRILLS} region-outage drills per system: Meridian (sync, async) vs Patroni 3.0.2 (defaults, minimum timing, minimum timing with synchronous_mode), plus the sync write-throughput cost`,
  run: runFailoverBenchmark,
};

async function runFailoverBenchmark(ctx: BenchContext): Promise<void> {
  requireLabHost();
  await ctx.group.run('which patroni', 'sh', ['-c', 'command -v patroni && command -v setpriv']).catch(() => {
    throw new InfraError('patroni or setpriv is not installed; run scripts/setup.sh (Debian packages patroni, util-linux)');
  });
  if (readLabStatus()) throw new InputError('a lab is running: the failover benchmark brings up its own labs (one per system); take it down first (meridian lab down)');
  const drills = drillCount(ctx);
  const systems = selectedSystems();
  const atStart = machineInfo();
  if (reportsDir()) ctx.print(`every drill's report and history are kept in ${reportsDir()}/<system>/ (Patroni's logs in <system>/patroni-logs/, the agents' and etcd's in <system>/lab-logs/)`);
  const interrupt = abortOnSignals();
  const runs: SystemRun[] = [];
  try {
    for (const plan of systems) {
      ctx.print(`\n-- ${plan.system}: ${plan.description}`);
      runs.push(await runSystem(plan, ctx, drills, interrupt.signal));
    }
  } finally {
    interrupt.dispose();
  }
  const summaries = runs.map(summarizeSystem);
  const ratios = rtoRatios(summaries);
  const verdicts = targetVerdicts(summaries, ratios);
  const syncCost = syncCostRatio(summaries, 'meridian');
  ctx.print('');
  ctx.print(renderFailoverReport({ summaries, records: Object.fromEntries(runs.map((r) => [r.system, r.records])), ratios, verdicts, syncCost }));
  const file = writeResults({ atStart, ctx, drills, runs, summaries, ratios, verdicts, syncCost });
  ctx.print(`\nresults written to ${file}`);
}

/** A system that fails to come up is recorded as not run; the others still run. Ctrl-C stops all. */
async function runSystem(plan: SystemPlan, ctx: BenchContext, drills: number, signal: AbortSignal): Promise<SystemRun> {
  try {
    return await plan.run(ctx, drills, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    ctx.print(`${plan.system}: did not run: ${describeError(err)}`);
    return { ...identityOf(plan), drillsPlanned: drills, records: [], throughput: null, stopped: `did not run: ${describeError(err).split('\n')[0]}` };
  }
}

function drillCount(ctx: BenchContext): number {
  const dev = process.env.MERIDIAN_BENCH_FAILOVER_DRILLS;
  if (dev !== undefined) {
    const n = Number(dev);
    if (!Number.isInteger(n) || n < 1) throw new InputError(`MERIDIAN_BENCH_FAILOVER_DRILLS must be a whole number ≥ 1, got '${dev}'`);
    ctx.print(`note: MERIDIAN_BENCH_FAILOVER_DRILLS=${n}: a development run, not figures to publish (those use ≥${MIN_FAILOVER_DRILLS} drills)`);
    return n;
  }
  const drills = Math.max(ctx.rounds, MIN_FAILOVER_DRILLS);
  if (drills !== ctx.rounds) ctx.print(`note: --rounds ${ctx.rounds} raised to ${drills} drills per system (the minimum for this benchmark)`);
  return drills;
}

function selectedSystems(): readonly SystemPlan[] {
  const wanted = process.env.MERIDIAN_BENCH_FAILOVER_SYSTEMS;
  if (wanted === undefined) return SYSTEMS;
  const names = wanted.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !SYSTEMS.some((s) => s.system === n));
  if (unknown.length > 0) throw new InputError(`MERIDIAN_BENCH_FAILOVER_SYSTEMS: unknown ${unknown.join(', ')}; known: ${SYSTEMS.map((s) => s.system).join(', ')}`);
  return SYSTEMS.filter((s) => names.includes(s.system));
}

const identityOf = (p: SystemIdentity): SystemIdentity => ({ system: p.system, kind: p.kind, replication: p.replication, description: p.description });

function meridianPlan(replication: 'sync' | 'async'): SystemPlan {
  const identity: SystemIdentity = {
    system: `meridian-${replication}`,
    kind: 'meridian',
    replication,
    description: `Meridian agents, the built-in topology (lease TTL 4 s, primary name TTL 1 s), store orders ${replication}; the client resolves the primary's GSLB name; old primary rejoined with meridian db rejoin`,
  };
  return { ...identity, run: (ctx, drills, signal) => runMeridian(ctx, identity, drills, signal) };
}

async function runMeridian(ctx: BenchContext, plan: SystemIdentity, drills: number, signal: AbortSignal): Promise<SystemRun> {
  const file = join(ctx.group.tempDir('failover-topology'), `${plan.system}.yaml`);
  writeFileSync(file, topologyWithReplication(plan.replication));
  try {
    ctx.print(`lab: up with the built-in topology, store orders ${plan.replication}`);
    await labUp({ topologyFile: file });
    signal.throwIfAborted();
    const env = await labDbDrillEnvironment('orders');
    const target = storeTargets(loadTopologyFile(labTopologyFile()))[0]!;
    const secrets = readCredentials(labDir());
    if (!secrets) throw new InfraError('the lab keeps no credentials (run as root)');
    const admin = { user: secrets.adminUser, password: secrets.adminPassword };
    const app = { user: secrets.appUser, password: secrets.appPassword };
    const tls = existingLabPgClientTls(labDir());
    const restore = (s: AbortSignal) => restoreMeridianStore({ target, admin, ...(tls ? { tls } : {}), app, group: ctx.group, timeoutMs: RESTORE_MS, signal: s });
    const whole = await restore(signal);
    if (!whole.ok) throw new InfraError(`the lab's store never became whole: ${whole.reason}`);
    const primary = target.members.find((m) => m.region === whole.primary)!;
    const throughput = await throughputOn(ctx, { host: primary.host, port: primary.port, user: app.user, password: app.password, database: target.database }, plan.system);
    const series = await runSeries({ system: plan.system, env, restore }, { drills, drill: DRILL, signal, print: ctx.print, reportsDir: reportsDir() });
    return { ...identityOf(plan), drillsPlanned: drills, records: series.records, throughput, ...(series.stopped ? { stopped: series.stopped } : {}) };
  } finally {
    keepLabLogs(plan.system);
    await labDown();
  }
}

/** With MERIDIAN_BENCH_FAILOVER_REPORTS: the agents' and etcd members' logs beside the drill reports. */
function keepLabLogs(system: string): void {
  const dir = reportsDir();
  if (!dir) return;
  const logs = join(labDir(), 'logs');
  const into = join(dir, system, 'lab-logs');
  try {
    mkdirSync(into, { recursive: true });
    for (const f of readdirSync(logs).filter((n) => /^(agent|etcd)-.*\.log$/.test(n))) cpSync(join(logs, f), join(into, f));
  } catch {
    // Only a debugging aid: never in the way of taking the lab down.
  }
}

function patroniPlan(setting: PatroniSetting): SystemPlan {
  const identity: SystemIdentity = {
    system: setting.name,
    kind: 'patroni',
    replication: setting.synchronousMode ? 'sync' : 'async',
    description: `${setting.description}; the client writes to the member answering 200 on GET /primary (checked every ≤100 ms, an HAProxy-like proxy with a fast check)`,
  };
  return { ...identity, run: (ctx, drills, signal) => runPatroni(ctx, identity, setting, drills, signal) };
}

async function runPatroni(ctx: BenchContext, plan: SystemIdentity, setting: PatroniSetting, drills: number, signal: AbortSignal): Promise<SystemRun> {
  try {
    ctx.print('lab: up with the built-in topology, no agents (its own PostgreSQL on :5432 stays idle)');
    await labUp({ agents: false });
    signal.throwIfAborted();
    const topology = loadTopologyFile(labTopologyFile());
    const logs = reportsDir();
    const cluster = await startPatroniCluster({ group: ctx.group, topology, setting, print: ctx.print, ...(logs ? { logDir: join(logs, plan.system, 'patroni-logs') } : {}) });
    try {
      const { env, target } = patroniEnvironment(cluster, topology);
      const restore = (s: AbortSignal) => restorePatroni(cluster.addresses, s, PATRONI_RESTORE);
      const whole = await restore(signal);
      if (!whole.ok) throw new InfraError(`the Patroni cluster never became whole: ${whole.reason}`);
      const store = await env.readStore();
      const primary = target.members.find((m) => m.region === store.primary);
      if (!primary) throw new InfraError('the Patroni cluster has no primary to load');
      const { user, password, database } = env.store.credentials;
      const throughput = await throughputOn(ctx, { host: primary.host, port: primary.port, user, password, database }, plan.system);
      const series = await runSeries({ system: plan.system, env, restore }, { drills, drill: DRILL, signal, print: ctx.print, reportsDir: reportsDir() });
      return { ...plan, drillsPlanned: drills, records: series.records, throughput, ...(series.stopped ? { stopped: series.stopped } : {}) };
    } finally {
      await cluster.stop();
    }
  } finally {
    await labDown();
  }
}

async function throughputOn(ctx: BenchContext, target: Parameters<typeof measureWriteThroughput>[0], system: string): Promise<ThroughputResult> {
  const result = await measureWriteThroughput(target, { seconds: ctx.seconds, warmupSeconds: ctx.warmupSeconds });
  ctx.print(`${system}: ${result.commitsPerSecond} commits/s on the primary ${target.host}:${target.port} (${THROUGHPUT_CONNECTIONS} connections, closed loop, ${ctx.seconds} s after ${ctx.warmupSeconds} s warm-up)`);
  return result;
}

interface ResultInput {
  readonly atStart: ReturnType<typeof machineInfo>;
  readonly ctx: BenchContext;
  readonly drills: number;
  readonly runs: readonly SystemRun[];
  readonly summaries: unknown;
  readonly ratios: unknown;
  readonly verdicts: unknown;
  readonly syncCost: number | null;
}

function writeResults(input: ResultInput): string {
  const results = {
    benchmark: 'failover-rto',
    generatedAt: new Date().toISOString(),
    // The commit measured is the one at the start (a long run may outlive the checkout's HEAD).
    machine: { ...machineInfo(), gitCommit: input.atStart.gitCommit, loadAverageAtStart: input.atStart.loadAverage },
    development: process.env.MERIDIAN_BENCH_FAILOVER_DRILLS !== undefined || process.env.MERIDIAN_BENCH_FAILOVER_SYSTEMS !== undefined,
    settings: {
      drillsPerSystem: input.drills,
      drill: { kind: 'region-outage of the current primary', ...DRILL },
      restoreBoundMs: RESTORE_MS,
      patroniRestore: PATRONI_RESTORE,
      throughput: { connections: THROUGHPUT_CONNECTIONS, seconds: input.ctx.seconds, warmupSeconds: input.ctx.warmupSeconds },
      patroni: PATRONI_SETTINGS,
      locator: { path: 'GET /primary', maxAgeMs: 100, timeoutMs: 250, firstAnswer200Wins: true },
      systems: input.runs.map(identityOf),
    },
    systems: input.summaries,
    ratios: input.ratios,
    targets: input.verdicts,
    syncThroughputRatio: input.syncCost,
    drills: Object.fromEntries(input.runs.map((r) => [r.system, r.records])),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest-failover.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
