/**
 * Part (b): cut-to-shift over region-outage drills, Meridian vs PowerDNS LUA `ifurlup`, side by
 * side on the same lab and the same cuts.
 *
 * On the lab (the running one, or one brought up and down again for the run), two pdns_server
 * run in the root namespace on the bridge address, one with PowerDNS's default checks and one
 * with the most aggressive (1 s / 1 s), each serving the service over the same instances in
 * failover order. One DNS watcher asks the surviving agents and both PowerDNS servers every
 * 50 ms. Each round cuts the first failover region (eu-west by default), records when each
 * server last answered with it, heals, and waits until all answer it again.
 * The person running `npm run bench` owns the machine (lab lock): nothing here takes it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError } from '../src/common/errors.ts';
import { DnsWatcher, queryA, serverKey, systemClock, type Nameserver, type QueryFn } from '../src/drill/index.ts';
import { machineInfo } from './lib/machine.ts';
import { RESULTS_DIR } from './lib/paths.ts';
import { abortOnSignals } from './lib/signals.ts';
import { pdnsVersion } from './pdns.ts';
import type { Watched } from './shift/measure.ts';
import { LabSession } from './shift/lab-session.ts';
import { PDNS_SETTINGS, readAgentApex, startPdnsSettings, type RunningPdns } from './shift/powerdns.ts';
import { renderShiftTable, shiftRatios, systemReport, type SystemInfo } from './shift/report.ts';
import { runRounds, type RoundRecord, type RoundSettings } from './shift/rounds.ts';
import { shiftTarget, type ShiftTarget } from './shift/target.ts';
import type { BenchContext, Benchmark } from './types.ts';

/** Fewer drills give no meaningful p50 and max: --rounds below this is raised to it. */
export const MIN_SHIFT_ROUNDS = 10;
const WATCH_INTERVAL_MS = 50;
const WATCH_TIMEOUT_MS = 300;
const SETTINGS: Omit<RoundSettings, 'rounds'> = {
  settleMs: 2000,
  maxShiftWaitMs: 30_000,
  maxReturnWaitMs: 30_000,
  // 1 s, plus up to PowerDNS's default 5 s check interval, so cuts land at every phase of its cycle.
  pauseMs: () => 1000 + Math.random() * 5000,
};

export const shiftBenchmark: Benchmark = {
  name: 'shift',
  description: `cut-to-shift over ≥${MIN_SHIFT_ROUNDS} region-outage drills on the lab: Meridian vs PowerDNS LUA ifurlup (default and 1 s checks), same cuts`,
  run: runShiftBenchmark,
};

async function runShiftBenchmark(ctx: BenchContext): Promise<void> {
  await ctx.group.run('which pdns_server', 'sh', ['-c', 'command -v pdns_server']).catch(() => {
    throw new InfraError('pdns_server is not installed; run scripts/setup.sh (Debian packages pdns-server, pdns-backend-bind)');
  });
  const rounds = Math.max(ctx.rounds, MIN_SHIFT_ROUNDS);
  if (rounds !== ctx.rounds) ctx.print(`note: --rounds ${ctx.rounds} raised to ${rounds} drills (the minimum for this benchmark)`);
  const atStart = machineInfo();
  const interrupt = abortOnSignals();
  let lab: LabSession | undefined;
  let watcher: DnsWatcher | undefined;
  try {
    lab = await LabSession.open(ctx.print);
    interrupt.signal.throwIfAborted();
    const session = lab;
    const target = shiftTarget(lab.topology, lab.status);
    const agent = target.survivingAgents[0]!;
    const apex = await readAgentApex(agent.address, agent.port, target.zone);
    const pdns = await startPdnsSettings(ctx.group, target, apex, lab.status.bridge.address);
    const version = await pdnsVersion(ctx.group);
    for (const p of pdns) ctx.print(`started ${p.setting.name} (${version}) on ${p.address}:${p.server.port}, pid ${p.server.process.pid}: ${p.setting.description}`);

    const systems = systemInfos(target, pdns);
    const nameservers: Nameserver[] = [...target.survivingAgents, ...pdns.map((p) => ({ region: p.setting.name, address: p.address, port: p.server.port }))];
    const watched: Watched[] = systems.flatMap((s) => s.servers.map((key) => ({ key, system: s.name })));
    const ttls = new Map<string, number[]>(systems.map((s) => [s.name, []]));
    const systemOf = new Map(watched.map((w) => [w.key, w.system]));
    const recordingQuery: QueryFn = async (server, name, timeoutMs) => {
      const outcome = await queryA(server, name, timeoutMs);
      if (outcome.kind === 'response' && outcome.addresses.length > 0 && outcome.ttl !== undefined) ttls.get(systemOf.get(serverKey(server)) ?? '')?.push(outcome.ttl);
      return outcome;
    };
    watcher = new DnsWatcher({ fqdn: target.fqdn, nameservers, intervalMs: WATCH_INTERVAL_MS, timeoutMs: WATCH_TIMEOUT_MS, query: recordingQuery });
    watcher.start();
    // PowerDNS starts checking a record when it is first asked, and counts an address up until checked.
    const warmupMs = (Math.max(...PDNS_SETTINGS.map((s) => s.intervalSeconds + (s.timeoutSeconds ?? 2))) + 1) * 1000;
    ctx.print(`watching ${nameservers.map(serverKey).join(', ')} every ${WATCH_INTERVAL_MS} ms; warming up ${warmupMs} ms (first PowerDNS checks)`);
    await systemClock.sleep(warmupMs, interrupt.signal);

    const regionAddresses = new Set(target.failoverSets[0]!.addresses);
    const records = await runRounds(
      {
        watcher,
        servers: watched,
        systems: systems.map((s) => s.name),
        region: regionAddresses,
        regionName: target.cutRegion,
        clock: systemClock,
        cut: () => session.cut(target.cutRegion),
        heal: () => session.heal(),
        print: ctx.print,
        signal: interrupt.signal,
      },
      { ...SETTINGS, rounds },
    );
    await watcher.stop();

    const reports = systems.map((s) => systemReport(s, records, ttls.get(s.name) ?? []));
    const ratios = shiftRatios(reports, 'meridian');
    ctx.print('');
    ctx.print(renderShiftTable(reports, ratios));
    const file = writeResults({ atStart, target, pdns, version, rounds, records, reports, ratios });
    ctx.print(`\nresults written to ${file}`);
    for (const p of pdns) await ctx.group.stop(p.server.process);
  } finally {
    interrupt.dispose();
    await watcher?.stop();
    await lab?.close();
  }
}

function systemInfos(target: ShiftTarget, pdns: readonly RunningPdns[]): SystemInfo[] {
  const h = target.health;
  return [
    {
      name: 'meridian',
      description: `Meridian agents of ${target.survivingAgents.map((a) => a.region).join(', ')}: probe every ${h.interval} ms, ${h.timeout} ms timeout, down after ${h.unhealthyThreshold} failures, majority of vantage points`,
      servers: target.survivingAgents.map(serverKey),
    },
    ...pdns.map((p) => ({ name: p.setting.name, description: p.setting.description, servers: [serverKey({ address: p.address, port: p.server.port })] })),
  ];
}

interface ResultInput {
  readonly atStart: ReturnType<typeof machineInfo>;
  readonly target: ShiftTarget;
  readonly pdns: readonly RunningPdns[];
  readonly version: string;
  readonly rounds: number;
  readonly records: readonly RoundRecord[];
  readonly reports: unknown;
  readonly ratios: unknown;
}

function writeResults(input: ResultInput): string {
  const { target } = input;
  const results = {
    benchmark: 'cut-to-shift',
    generatedAt: new Date().toISOString(),
    machine: { ...machineInfo(), loadAverageAtStart: input.atStart.loadAverage },
    tools: { powerdns: input.version },
    settings: {
      rounds: input.rounds,
      service: target.fqdn,
      cutRegion: target.cutRegion,
      failoverSets: target.failoverSets,
      answerTtlSeconds: target.ttl,
      meridianHealth: target.health,
      powerdns: input.pdns.map((p) => ({ ...p.setting, timeoutSeconds: p.setting.timeoutSeconds ?? 2, listen: `${p.address}:${p.server.port}` })),
      watcher: { intervalMs: WATCH_INTERVAL_MS, timeoutMs: WATCH_TIMEOUT_MS },
      settleMs: SETTINGS.settleMs,
      maxShiftWaitMs: SETTINGS.maxShiftWaitMs,
      maxReturnWaitMs: SETTINGS.maxReturnWaitMs,
      pauseBeforeCut: '1 s + uniform 0–5 s',
    },
    systems: input.reports,
    ratios: input.ratios,
    rounds: input.records,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest-shift.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
