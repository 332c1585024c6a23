/**
 * Part (a): queries per second of Meridian's authoritative DNS server (on its native batched UDP
 * transport, and on node:dgram as an extra row) against bind9 and Knot DNS, all serving the same
 * zone, measured in alternation in one run and reported as ratios.
 *
 * Each server is pinned to CPU 0 and dnsperf to CPU 1 (taskset), so dnsperf never takes the
 * server's core. Servers all stay up for the whole run and take turns: round 1 A B C, round 2
 * A B C, …; each turn is a short unmeasured warm-up, then one dnsperf measurement.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CheckFailed, InfraError } from '../src/common/errors.ts';
import { freePort } from '../test/support/ports.ts';
import { readApex } from './dns/apex.ts';
import { runDnsperf, type DnsperfResult } from './dns/dnsperf.ts';
import { collectAnswers, compareAnswers, formatDifference, type Difference } from './dns/equivalence.ts';
import { buildQueries, QUERY_MIX, renderQueryFile, sampleOfEachKind } from './dns/queries.ts';
import { ratios, renderTable, summarizeServer, type Measurement } from './dns/report.ts';
import { startBind } from './dns/servers/bind.ts';
import { startKnot } from './dns/servers/knot.ts';
import { meridianAvailable, startMeridian } from './dns/servers/meridian.ts';
import type { ServerUnderTest } from './dns/servers/types.ts';
import { benchTopology, benchTopologyYaml } from './dns/topology.ts';
import { buildZone, defaultApex } from './dns/zone.ts';
import { cpuUse, sampleCpu } from './lib/cpu.ts';
import { machineInfo } from './lib/machine.ts';
import { RESULTS_DIR } from './lib/paths.ts';
import type { BenchContext, Benchmark } from './types.ts';

const SERVER_CPU = '0';
const DNSPERF_CPU = '1';
const DNSPERF_CLIENTS = 4;
const REQUIRED_TOOLS = ['taskset', 'dnsperf', 'named', 'knotd'];
/** The agent's default (native, batched) first: it is the Meridian row; node:dgram as an extra row. */
const MERIDIAN_TRANSPORTS = ['native', 'dgram'] as const;

export const dnsBenchmark: Benchmark = {
  name: 'dns',
  description: 'authoritative DNS queries/second: Meridian vs bind9 vs Knot DNS (dnsperf, ratios in one run)',
  run: runDnsBenchmark,
};

async function runDnsBenchmark(ctx: BenchContext): Promise<void> {
  await checkPrerequisites(ctx);
  const atStart = machineInfo();
  if ((atStart.loadAverage[0] ?? 0) > 0.5) {
    ctx.print(`note: load average ${atStart.loadAverage.join(' ')}: other work competes for the cores, expect noisy figures (ratios hold better)`);
  }
  const servers = await startServers(ctx);
  const topology = benchTopology();

  const samples = sampleOfEachKind(topology.zone);
  const differences = compareAnswers(samples, await collectAnswers(servers, samples));
  for (const d of differences) ctx.print(formatDifference(d));
  if (differences.some((d) => d.severity === 'error')) throw new CheckFailed('the servers do not give the same answers; not comparing their speed');
  ctx.print(`answers checked: ${samples.length} query kinds, same on ${servers.map((s) => s.name).join(', ')}`);

  const queryFile = join(ctx.group.tempDir('queries'), 'queries.txt');
  writeFileSync(queryFile, renderQueryFile(buildQueries(topology.zone)));

  const measurements = await measureInAlternation(ctx, servers, queryFile);
  const summaries = servers.map((s) => summarizeServer(s.name, s.version, measurements));
  const ratioList = ratios(summaries);
  ctx.print('');
  ctx.print(renderTable(summaries, ratioList));

  const file = writeResults(ctx, servers, measurements, { summaries, ratioList, differences, loadAverageAtStart: atStart.loadAverage });
  ctx.print(`\nresults written to ${file}`);
  for (const s of servers) await ctx.group.stop(s.process);
}

async function checkPrerequisites(ctx: BenchContext): Promise<void> {
  for (const tool of REQUIRED_TOOLS) {
    try {
      await ctx.group.run(`which ${tool}`, 'sh', ['-c', `command -v ${tool}`]);
    } catch {
      throw new InfraError(`${tool} is not installed; run scripts/setup.sh (Debian packages dnsperf, bind9, knot, util-linux)`);
    }
  }
  if (machineInfo().nproc < 2) throw new InfraError('the DNS benchmark needs 2 CPUs: one for the server, one for dnsperf');
}

/** Meridian first: its SOA and NS are copied into the static zone bind9 and Knot serve. */
async function startServers(ctx: BenchContext): Promise<ServerUnderTest[]> {
  const topology = benchTopology();
  const servers: ServerUnderTest[] = [];
  let apex = defaultApex(topology.zone);
  if (meridianAvailable()) {
    for (const transport of MERIDIAN_TRANSPORTS) {
      servers.push(await startMeridian(ctx.group, benchTopologyYaml(), topology.zone, { port: await freePort(), cpu: SERVER_CPU, transport }));
    }
    apex = await readApex((servers[0] as ServerUnderTest).port, topology.zone);
  } else {
    ctx.print('meridian: src/gslb/index.ts or bench/meridian-dns-server.ts not present; measuring bind9 and Knot only');
  }
  const zone = buildZone(topology, apex);
  servers.push(await startBind(ctx.group, zone, { port: await freePort(), cpu: SERVER_CPU }));
  servers.push(await startKnot(ctx.group, zone, { port: await freePort(), cpu: SERVER_CPU }));
  for (const s of servers) ctx.print(`started ${s.name} (${s.version}) on 127.0.0.1:${s.port}, pid ${s.process.pid}, cpu ${SERVER_CPU}`);
  return servers;
}

async function measureInAlternation(ctx: BenchContext, servers: readonly ServerUnderTest[], queryFile: string): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  const common = { queryFile, clients: DNSPERF_CLIENTS, cpu: DNSPERF_CPU };
  for (let round = 1; round <= ctx.rounds; round++) {
    for (const server of servers) {
      if (ctx.warmupSeconds > 0) await runDnsperf(ctx.group, { ...common, port: server.port, seconds: ctx.warmupSeconds });
      const before = sampleCpu(server.process.pid);
      const result = await runDnsperf(ctx.group, { ...common, port: server.port, seconds: ctx.seconds });
      const use = cpuUse(before, sampleCpu(server.process.pid));
      const cpu = { serverProcess: use.processPercent, serverCore: use.corePercent[SERVER_CPU] ?? NaN, dnsperfCore: use.corePercent[DNSPERF_CPU] ?? NaN };
      if (server.process.hasExited()) throw new InfraError(`${server.name} exited during the measurement:\n${server.process.output()}`);
      measurements.push({ round, server: server.name, result, cpu });
      ctx.print(
        `round ${round}/${ctx.rounds} ${server.name.padEnd(8)} ${Math.round(result.qps).toLocaleString('en-US').padStart(9)} qps  ` +
          `avg ${result.avgLatencyMs.toFixed(3)} ms  lost ${result.lost}  cpu: server ${cpu.serverProcess}%, core ${SERVER_CPU} ${cpu.serverCore}%, core ${DNSPERF_CPU} ${cpu.dnsperfCore}%`,
      );
    }
  }
  return measurements;
}

function writeResults(
  ctx: BenchContext,
  servers: readonly ServerUnderTest[],
  measurements: readonly Measurement[],
  figures: { summaries: unknown; ratioList: unknown; differences: readonly Difference[]; loadAverageAtStart: readonly number[] },
): string {
  const first = measurements[0]?.result as DnsperfResult;
  const results = {
    benchmark: 'dns-qps',
    generatedAt: new Date().toISOString(),
    machine: { ...machineInfo(), loadAverageAtStart: figures.loadAverageAtStart },
    tools: { ...Object.fromEntries(servers.map((s) => [s.name, s.version])), dnsperf: first.dnsperfVersion },
    settings: {
      secondsPerMeasurement: ctx.seconds,
      rounds: ctx.rounds,
      warmupSeconds: ctx.warmupSeconds,
      order: servers.map((s) => s.name),
      dnsperf: { clients: DNSPERF_CLIENTS, maxQps: null, transport: 'udp', edns: false },
      pinning: { servers: `taskset -c ${SERVER_CPU}`, dnsperf: `taskset -c ${DNSPERF_CPU}` },
      queryMix: QUERY_MIX.map((k) => ({ kind: k.label, percent: k.percent })),
      meridianIncluded: servers.some((s) => s.name === 'meridian'),
    },
    servers: figures.summaries,
    ratios: figures.ratioList,
    answerDifferences: figures.differences,
    measurements: measurements.map((m) => ({ round: m.round, server: m.server, ...m.result, cpuPercent: m.cpu })),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest-dns.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
