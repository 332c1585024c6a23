/**
 * The CLI benchmark (issue 12, item 1): how fast `meridian` answers and acts, compiled
 * (bin/meridian.js running dist/) against the sources through tsx, now and before commands
 * loaded lazily (bench/cli/commands.ts), all in the same run, the ways taking turns.
 *
 *   meridian --version                  start to exit                       target ≤ 0.2 s
 *   meridian status   (lab)             start to exit, every agent read     target ≤ 0.5 s
 *   meridian lab cut R (lab)            start to the region's port down     target ≤ 0.3 s
 *   agent peak memory (lab)             VmHWM of a lab agent after 20 s     compiled vs tsx
 * For --version and status also their CPU time and peak memory (GNU time): on a machine shared
 * with other work, wall times grow with the load and CPU times hardly move.
 *
 * It builds first (npm run build). The lab parts use the running lab and are skipped, with a
 * line saying so, when none is up; R is a region holding no store's primary, so a cut starts no
 * failover. The person running it owns the lab (lab lock): nothing here takes it or stops it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, InfraError } from '../src/common/errors.ts';
import { readLiveLabStatus, type LiveLabStatus } from '../src/lab/live-status.ts';
import { binRunsBuild } from '../test/support/cli.ts';
import { AGENT_RUN_MS, measureAgent, recordedCommand, restoreAgent, type AgentTarget } from './cli/agent-memory.ts';
import { alternate, beforeWay, COMPILED, timeRun, TSX, type Timed, type Way } from './cli/commands.ts';
import { timeCut } from './cli/cut.ts';
import { figure, renderFigures, type Figure, type WayName } from './cli/figures.ts';
import { machineInfo } from './lib/machine.ts';
import { REPO_ROOT, RESULTS_DIR } from './lib/paths.ts';
import { abortOnSignals } from './lib/signals.ts';
import type { BenchContext, Benchmark } from './types.ts';

/** Runs per way for the command timings; --rounds below this is raised to it. */
export const MIN_CLI_RUNS = 10;
const TARGET_MS = { version: 200, status: 500, cut: 300 };

export const cliBenchmark: Benchmark = {
  name: 'cli',
  description: `meridian --version, status and lab cut (≥${MIN_CLI_RUNS} runs each) and the agent's peak memory, compiled vs the sources through tsx`,
  run: runCliBenchmark,
};

async function runCliBenchmark(ctx: BenchContext): Promise<void> {
  const runs = Math.max(ctx.rounds, MIN_CLI_RUNS);
  const atStart = machineInfo();
  const interrupt = abortOnSignals();
  try {
    ctx.print('building: npm run build');
    await ctx.group.run('npm run build', process.execPath, [join(REPO_ROOT, 'scripts/build.js')]);
    requireBuildRuns('after the build');
    const before = beforeWay(ctx.group);
    const ways = 'unavailable' in before ? [COMPILED, TSX] : [COMPILED, TSX, before];
    // Printed, and kept in the results file: why a figure lacks a way.
    const notes: string[] = [];
    const note = (line: string) => (notes.push(line), ctx.print(`note: ${line}`));
    if ('unavailable' in before) note(`no 'before' reference: ${before.unavailable}`);
    for (const way of ways) ctx.print(`  ${way.name}: ${way.description}`);
    const each: Each = async (what, measure) => {
      const able = await runnable(what, ways, measure, note);
      return alternate(able, runs, (way) => (interrupt.signal.throwIfAborted(), measure(way)));
    };

    const scratch = ctx.group.tempDir('cli');
    ctx.print(`meridian --version, ${runs} runs per way`);
    const figures = commandFigures('meridian --version', await each('meridian --version', (w) => timeRun(ctx.group, w, ['--version'], scratch)), TARGET_MS.version);

    const lab = await usableLab();
    const skipped = typeof lab === 'string' ? lab : undefined;
    if (typeof lab === 'string') ctx.print(`skipped: meridian status, lab cut and the agent's memory: ${lab}`);
    else figures.push(...(await labFigures(ctx, lab, runs, ways, each, scratch, interrupt.signal)));

    requireBuildRuns('at the end (was src/ edited during the run?)');
    ctx.print('');
    ctx.print(renderFigures(figures));
    const file = writeResults({ atStart, runs, ways, figures, skipped, notes, lab: typeof lab === 'string' ? undefined : lab });
    ctx.print(`\nresults written to ${file}`);
  } finally {
    interrupt.dispose();
  }
}

function requireBuildRuns(when: string): void {
  if (!binRunsBuild()) throw new InfraError(`bin/meridian.js does not run dist/ ${when}: the compiled figures would be the sources'`);
}

type Each = <T>(what: string, measure: (way: Way) => Promise<T>) => Promise<Map<WayName, T[]>>;

/**
 * The ways that run `measure` once without failing; that run is not counted (it fills the page
 * cache and tsx's cache). Only `before` may drop out: its tree is an
 * old commit, whose schema may reject keys today's lab topology has; the figure then goes without
 * it, with a note. A failure of the compiled or tsx way ends the benchmark.
 */
async function runnable(what: string, ways: readonly Way[], measure: (way: Way) => Promise<unknown>, note: (line: string) => void): Promise<Way[]> {
  const able: Way[] = [];
  for (const way of ways) {
    try {
      await measure(way);
      able.push(way);
    } catch (err) {
      if (way.name !== 'before') throw err;
      note(`${way.name} left out of ${what}: ${describeError(err).split('\n').slice(0, 2).join(' ')}`);
    }
  }
  return able;
}

interface LabChoice {
  readonly region: string;
  readonly target: AgentTarget;
}

/** The running lab and its quiet region, or why there is none to use. */
async function usableLab(): Promise<LabChoice | string> {
  const status = await readLiveLabStatus().catch(() => undefined);
  if (!status) return 'no lab is running (flock /tmp/meridian-lab.lock bash -c "npx meridian lab up && npm run bench -- --only cli; npx meridian lab down")';
  if (status.phase !== 'up' || !status.agents) return 'the running lab is not whole (half built, or started with --no-agents)';
  const region = quietRegion(status);
  if (!region) return 'every region of the lab holds a store primary: no region to cut without a failover';
  if (status.regions.some((r) => r.cut)) return `the running lab has ${status.regions.filter((r) => r.cut).map((r) => r.name).join(', ')} cut: heal it first`;
  return { region: region.name, target: { region: region.name, healthz: `${region.api}/healthz` } };
}

/** The last region where no store has its current primary. */
function quietRegion(status: LiveLabStatus): LiveLabStatus['regions'][number] | undefined {
  const primaries = new Set(status.stores.map((s) => s.primary));
  return status.regions.filter((r) => !primaries.has(r.name)).at(-1);
}

async function labFigures(ctx: BenchContext, lab: LabChoice, runs: number, ways: readonly Way[], each: Each, scratch: string, signal: AbortSignal): Promise<Figure[]> {
  ctx.print(`meridian status against the lab, ${runs} runs per way`);
  const status = commandFigures('meridian status (lab)', await each('meridian status', (w) => timeRun(ctx.group, w, ['status'], scratch)), TARGET_MS.status);

  const agentWays = ways.filter((w) => w.name !== 'before'); // the agent is the same code either way: compiled vs tsx
  ctx.print(`agent peak memory: ${lab.region}'s agent restarted under each way, ${ctx.rounds} runs per way, ${AGENT_RUN_MS / 1000} s each`);
  const original = recordedCommand(lab.region);
  let memory: Map<WayName, { peakMiB: number; readyMs: number }[]>;
  try {
    memory = await alternate(agentWays, ctx.rounds, (w) => (signal.throwIfAborted(), measureAgent(lab.target, w)));
  } finally {
    await restoreAgent(lab.target, original);
  }
  const peak = figure('agent peak memory (VmHWM)', 'MiB', new Map([...memory].map(([w, r]) => [w, r.map((m) => m.peakMiB)])));
  const ready = figure('agent start to /healthz 200', 'ms', new Map([...memory].map(([w, r]) => [w, r.map((m) => m.readyMs)])));

  ctx.print(`meridian lab cut ${lab.region}, ${runs} runs per way (healed after each)`);
  const cuts = await each('meridian lab cut', (w) => timeCut(ctx.group, w, lab.region, scratch));
  const cut = figure(`meridian lab cut: start to cut in effect`, 'ms', new Map([...cuts].map(([w, r]) => [w, r.map((c) => c.effectMs)])), TARGET_MS.cut);
  const cutExit = figure('meridian lab cut: start to exit', 'ms', new Map([...cuts].map(([w, r]) => [w, r.map((c) => c.exitMs)])));
  const cutCpu = figure('meridian lab cut: CPU time', 'ms', new Map([...cuts].map(([w, r]) => [w, r.map((c) => c.cpuMs)])));
  return [...status, cut, cutExit, cutCpu, peak, ready];
}

/** Wall time (the figure with the target), CPU time and peak memory of a command's runs. */
function commandFigures(name: string, results: Map<WayName, Timed[]>, targetMs: number): Figure[] {
  const of = (pick: (t: Timed) => number) => new Map([...results].map(([way, runs]) => [way, runs.map(pick)]));
  return [
    figure(name, 'ms', of((t) => t.ms), targetMs),
    figure(`${name}: CPU time`, 'ms', of((t) => t.cpuMs)),
    figure(`${name}: peak memory`, 'MiB', of((t) => t.peakMiB)),
  ];
}

interface ResultInput {
  readonly atStart: ReturnType<typeof machineInfo>;
  readonly runs: number;
  readonly ways: readonly Way[];
  readonly figures: readonly Figure[];
  readonly skipped: string | undefined;
  readonly notes: readonly string[];
  readonly lab: LabChoice | undefined;
}

function writeResults(input: ResultInput): string {
  const results = {
    benchmark: 'cli',
    generatedAt: new Date().toISOString(),
    machine: { ...machineInfo(), loadAverageAtStart: input.atStart.loadAverage },
    settings: {
      runsPerWay: input.runs,
      ways: input.ways.map((w) => ({ name: w.name, description: w.description })),
      ...(input.lab ? { cutRegion: input.lab.region, agentRegion: input.lab.region, agentRunMs: AGENT_RUN_MS } : {}),
      targetsMs: TARGET_MS,
    },
    ...(input.skipped ? { skipped: `meridian status, lab cut and the agent's memory: ${input.skipped}` } : {}),
    notes: input.notes,
    figures: input.figures,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest-cli.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
