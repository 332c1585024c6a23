/**
 * `npm run bench -- --only flood`: does a flood of maximum-size API requests delay DNS answers
 * or lease renewals? One process serves DNS and the API as the agent does (bench/flood/server.ts,
 * pinned to core 0); a paced resolver (this process, 200 queries/s) times every DNS answer while
 * the process is quiet and while a second process (core 1) POSTs 64 KiB bodies over 16
 * connections as fast as the agent takes them. A 100 ms timer in the server stands in for a lease
 * renewal. Quiet and flooded phases alternate, `--rounds` of each, `--seconds` each; the figures
 * are ratios flooded / quiet from the same run, never an absolute bound.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError } from '../src/common/errors.ts';
import { freePort } from '../test/support/ports.ts';
import { benchTopology } from './dns/topology.ts';
import { waitForDns } from './dns/servers/types.ts';
import { percentile, probeDns } from './flood/prober.ts';
import { machineInfo } from './lib/machine.ts';
import { RESULTS_DIR, REPO_ROOT } from './lib/paths.ts';
import { waitUntil, type Managed } from './lib/processes.ts';
import { textTable } from './lib/table.ts';
import type { BenchContext, Benchmark } from './types.ts';

const SERVER_CPU = '0';
const LOAD_CPU = '1';
const CONNECTIONS = 16;

export const floodBenchmark: Benchmark = {
  name: 'flood',
  description: 'DNS answer latency and timer lateness (a lease renewal) with vs without a flood of 64 KiB POSTs to the API (ratios in one run)',
  run: runFloodBenchmark,
};

type Phase = 'quiet' | 'flood';
interface PhaseResult {
  readonly round: number;
  readonly phase: Phase;
  readonly dnsMs: readonly number[];
  readonly sent: number;
  readonly lost: number;
  readonly timerLateMs: readonly number[];
  readonly floodRequestsPerSecond?: number;
}

async function runFloodBenchmark(ctx: BenchContext): Promise<void> {
  const [dnsPort, apiPort] = [await freePort(), await freePort()];
  const server = ctx.group.spawn('flood-server', process.execPath, ['--import', 'tsx', 'bench/flood/server.ts', '--dns-port', String(dnsPort), '--api-port', String(apiPort)], {
    cpu: SERVER_CPU, cwd: REPO_ROOT, env: { ...process.env, MERIDIAN_LOG_LEVEL: 'warn' },
  });
  await waitUntil('"ready"', async () => /^ready\b/m.test(server.output()), server);
  await waitForDns(server, dnsPort, benchTopology().zone);
  const name = `web.${benchTopology().zone}`;
  ctx.print(`server on 127.0.0.1 dns ${dnsPort} api ${apiPort} (cpu ${SERVER_CPU}); flood: ${CONNECTIONS} connections of 64 KiB POSTs (cpu ${LOAD_CPU})`);

  const results: PhaseResult[] = [];
  for (let round = 1; round <= ctx.rounds; round++) {
    // Alternate which phase goes first, so a drift in the machine's load does not favour one.
    const order: Phase[] = round % 2 === 1 ? ['quiet', 'flood'] : ['flood', 'quiet'];
    for (const phase of order) {
      const result = await measurePhase(ctx, round, phase, { dnsPort, apiPort, name, server });
      results.push(result);
      ctx.print(
        `round ${round}/${ctx.rounds} ${phase.padEnd(5)} dns p50 ${fmt(percentile(result.dnsMs, 50))} p99 ${fmt(percentile(result.dnsMs, 99))} ms, lost ${result.lost}/${result.sent}; ` +
          `timer late p99 ${fmt(percentile(result.timerLateMs, 99))} ms` +
          (result.floodRequestsPerSecond !== undefined ? `; flood ${Math.round(result.floodRequestsPerSecond)} req/s (${fmt((result.floodRequestsPerSecond * 64) / 1024)} MiB/s)` : ''),
      );
    }
  }
  await ctx.group.stop(server);
  const summary = summarize(results);
  ctx.print('');
  ctx.print(textTable(['figure', 'quiet', 'flooded', 'flooded / quiet'], summary.rows));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest-flood.json');
  writeFileSync(file, `${JSON.stringify({
    benchmark: 'flood', generatedAt: new Date().toISOString(), machine: machineInfo(),
    settings: { secondsPerPhase: ctx.seconds, rounds: ctx.rounds, warmupSeconds: ctx.warmupSeconds, connections: CONNECTIONS, bodyBytes: 65536, dnsQueriesPerSecond: 200, pinning: { server: SERVER_CPU, flood: LOAD_CPU } },
    figures: summary.figures,
    phases: results.map((r) => ({ round: r.round, phase: r.phase, sent: r.sent, lost: r.lost, dnsP50: percentile(r.dnsMs, 50), dnsP99: percentile(r.dnsMs, 99), timerLateP99: percentile(r.timerLateMs, 99), floodRequestsPerSecond: r.floodRequestsPerSecond })),
  }, null, 2)}\n`);
  ctx.print(`\nresults written to ${file}`);
}

async function measurePhase(
  ctx: BenchContext, round: number, phase: Phase, at: { dnsPort: number; apiPort: number; name: string; server: Managed },
): Promise<PhaseResult> {
  const started = performance.now();
  const load = phase === 'flood'
    ? ctx.group.spawn('flood-load', process.execPath, ['--import', 'tsx', 'bench/flood/load.ts', '--port', String(at.apiPort), '--connections', String(CONNECTIONS)], { cpu: LOAD_CPU, cwd: REPO_ROOT })
    : undefined;
  // tsx takes about a second to start the load; the warm-up comes after that.
  await new Promise((r) => setTimeout(r, (phase === 'flood' ? 1_500 : 0) + ctx.warmupSeconds * 1000));
  if (load?.hasExited()) throw new InfraError(`the flood exited early:\n${load.output()}`);
  await timerLateness(at.apiPort); // clears the samples of the warm-up
  const probe = await probeDns(at.dnsPort, at.name, ctx.seconds * 1000);
  const timerLateMs = await timerLateness(at.apiPort);
  if (at.server.hasExited()) throw new InfraError(`the server exited during round ${round}:\n${at.server.output()}`);
  let floodRequestsPerSecond: number | undefined;
  if (load) {
    await ctx.group.stop(load);
    const done = /done requests=(\d+)/.exec(load.output());
    floodRequestsPerSecond = done ? Number(done[1]) / ((performance.now() - started) / 1000) : undefined;
  }
  return { round, phase, dnsMs: probe.latenciesMs, sent: probe.sent, lost: probe.lost, timerLateMs, ...(floodRequestsPerSecond !== undefined ? { floodRequestsPerSecond } : {}) };
}

/** The server's timer lateness samples since the last read (GET /status of bench/flood/server.ts). */
async function timerLateness(apiPort: number): Promise<number[]> {
  // Its own deadline: under the flood the answer may wait behind 64 KiB bodies, which is the point.
  const res = await fetch(`http://127.0.0.1:${apiPort}/status`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new InfraError(`GET /status of the flood server: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { timerLatenessMs: number[] }).timerLatenessMs;
}

function summarize(results: readonly PhaseResult[]): { rows: string[][]; figures: Record<string, { quiet: number; flood: number; ratio: number }> } {
  const pooled = (phase: Phase, pick: (r: PhaseResult) => readonly number[]) => results.filter((r) => r.phase === phase).flatMap(pick);
  const lost = (phase: Phase) => results.filter((r) => r.phase === phase).reduce((n, r) => n + r.lost, 0);
  const figures: Record<string, { quiet: number; flood: number; ratio: number }> = {};
  const add = (label: string, quiet: number, flood: number) => (figures[label] = { quiet, flood, ratio: flood / quiet });
  add('DNS answer p50 (ms)', percentile(pooled('quiet', (r) => r.dnsMs), 50), percentile(pooled('flood', (r) => r.dnsMs), 50));
  add('DNS answer p99 (ms)', percentile(pooled('quiet', (r) => r.dnsMs), 99), percentile(pooled('flood', (r) => r.dnsMs), 99));
  add('100 ms timer late p50 (ms)', percentile(pooled('quiet', (r) => r.timerLateMs), 50), percentile(pooled('flood', (r) => r.timerLateMs), 50));
  add('100 ms timer late p99 (ms)', percentile(pooled('quiet', (r) => r.timerLateMs), 99), percentile(pooled('flood', (r) => r.timerLateMs), 99));
  const rows = Object.entries(figures).map(([label, f]) => [label, fmt(f.quiet), fmt(f.flood), `${f.ratio.toFixed(2)}×`]);
  rows.push(['DNS queries lost', String(lost('quiet')), String(lost('flood')), '']);
  return { rows, figures };
}

function fmt(n: number): string {
  return Number.isFinite(n) ? n.toFixed(3) : '-';
}
