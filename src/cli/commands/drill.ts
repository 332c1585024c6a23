/**
 * `meridian drill region-outage`: cut a region of the running lab under a real client load,
 * print the report (text or JSON), save report + recorded history as JSON. Exit 1 when a check
 * failed, 2 for bad input (unknown region or service, no lab running).
 * With `--store`, and for `partition | primary-crash | coordinator-crash | primary-freeze`, the
 * database drills (src/drill/db): the same contract, measured from a write history.
 */
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.ts';
import type { DrillEvent, OutageReport } from '../../drill/index.ts';
import type { DbDrillEvent, DbDrillKind } from '../../drill/db/index.ts';
import { formatTable, printJson } from '../output.ts';
import { registerChaosCommand } from './drill-chaos.ts';

interface RegionOutageFlags {
  region: string;
  json?: boolean;
  out: string;
  rate: string;
  service?: string;
  store?: string;
  transport?: string;
}

export function registerDrillCommands(program: Command): void {
  const drill = program.command('drill').description('fault drills on the running lab, measured from a recorded history');
  drill
    .command('region-outage')
    .description('cut one region under client load; measure the DNS shift, the client error window and the return')
    .requiredOption('--region <name>', 'region to cut')
    .option('--json', 'print the report as JSON')
    .option('--out <dir>', 'directory for the saved report and history', 'reports')
    .option('--rate <n>', 'client requests per second', '20')
    .option('--service <name>', 'service to load (default: the first)')
    .option('--store <name>', "drill this database store instead: cut its primary's region under write load")
    .option('--transport <kind>', 'database drills: sql (straight to the primary name) or http (POST /orders)', 'sql')
    .action(async (flags: RegionOutageFlags, cmd: Command) => {
      if (flags.store) {
        // The web drill's default rate is not the database drill's: only a rate the user gave counts.
        const rate = cmd.getOptionValueSource('rate') === 'default' ? undefined : flags.rate;
        return runDbDrillCommand('region-outage', { ...flags, store: flags.store, rate });
      }
      const rate = Number(flags.rate);
      if (!Number.isFinite(rate) || rate <= 0 || rate > 1000) throw new UsageError(`--rate must be a number in (0, 1000], got '${flags.rate}'`);
      const [{ runRegionOutageDrill }, { labDrillEnvironment }, { saveOutageReport }] = await Promise.all([
        import('../../drill/index.ts'), import('../../drill/lab-environment.ts'), import('../drill-reports.ts'),
      ]);
      const env = labDrillEnvironment(flags.service);
      const { report, history } = await withInterruptHandling((signal) =>
        runRegionOutageDrill(env, { region: flags.region, rate, signal, onEvent: printEvent }),
      );
      const path = saveOutageReport(flags.out, report, history);
      if (flags.json) {
        printJson(report);
        process.stderr.write(`saved ${path}\n`);
      } else {
        process.stdout.write(`${formatOutageReport(report, rate)}\nsaved ${path}\n`);
      }
      if (!report.pass) process.exitCode = 1;
    });
  registerDbDrillCommands(drill);
  registerChaosCommand(drill);
}

interface DbDrillFlags {
  store: string;
  region?: string;
  json?: boolean;
  out: string;
  rate?: string | undefined;
  service?: string;
  transport?: string;
}

const DB_FAULTS: Record<Exclude<DbDrillKind, 'region-outage'>, string> = {
  partition: "cut the store's primary region from the others while a client inside it keeps writing; its acks must stop within the lease TTL",
  'primary-crash': "kill -9 the primary's postmaster and backends; the region stays healthy",
  'coordinator-crash': 'crash the primary, then kill the agent coordinating the failover right after its runbook starts',
  'primary-freeze': "SIGSTOP the primary's postmaster and backends past the lease TTL, then SIGCONT: it must not acknowledge writes again",
};

function registerDbDrillCommands(drill: Command): void {
  for (const [kind, description] of Object.entries(DB_FAULTS)) {
    drill
      .command(kind)
      .description(`database drill: ${description}`)
      .requiredOption('--store <name>', 'store to drill')
      .option('--json', 'print the report as JSON')
      .option('--out <dir>', 'directory for the saved report and history', 'reports')
      .option('--rate <n>', 'writes per second of the main client (default 50)')
      .option('--transport <kind>', 'sql (straight to the primary name) or http (POST /orders on the web service)', 'sql')
      .option('--service <name>', 'web service for the http transport (default: the first)')
      .action((flags: DbDrillFlags) => runDbDrillCommand(kind as DbDrillKind, flags));
  }
  drill
    .command('write-client', { hidden: true })
    .description('internal: the write client a database drill runs inside a region; prints one JSON op per line until SIGTERM')
    .requiredOption('--host <ip>')
    .requiredOption('--port <n>')
    .requiredOption('--database <name>')
    .requiredOption('--run <id>')
    .option('--client <name>', 'name recorded on every op', 'local')
    .option('--rate <n>', 'writes per second', '10')
    .option('--connect-ms <n>', 'connect deadline', '1000')
    .option('--answer-ms <n>', 'answer deadline', '2000')
    .option('--member-regions <json>', "{ 'ip:port': region }", '{}')
    .option('--max-duration-ms <n>', 'stop on its own after', '600000')
    .action(async (f: Record<string, string>) => {
      const { runLocalWriter, WRITER_CREDENTIAL_ENV } = await import('../../drill/db/index.ts');
      const user = process.env[WRITER_CREDENTIAL_ENV.user];
      const password = process.env[WRITER_CREDENTIAL_ENV.password];
      if (!user || !password) throw new UsageError(`set ${WRITER_CREDENTIAL_ENV.user} and ${WRITER_CREDENTIAL_ENV.password}`);
      const num = (name: string) => {
        const n = Number(f[name]);
        if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive number`);
        return n;
      };
      let memberRegions: Record<string, string>;
      try {
        memberRegions = JSON.parse(f.memberRegions ?? '{}') as Record<string, string>;
      } catch {
        throw new UsageError('--member-regions must be JSON');
      }
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGTERM', () => resolve());
        process.once('SIGINT', () => resolve());
        process.stdin.once('end', () => resolve());
        process.stdin.resume();
      });
      await runLocalWriter({
        host: f.host!, credentials: { user, password, database: f.database!, port: num('port') }, runId: f.run!, client: f.client!,
        rate: num('rate'), deadlines: { connectMs: num('connectMs'), answerMs: num('answerMs') }, memberRegions, maxDurationMs: num('maxDurationMs'),
      }, (line) => void process.stdout.write(line), stopped);
      process.stdin.pause();
    });
}

async function runDbDrillCommand(kind: DbDrillKind, flags: DbDrillFlags): Promise<void> {
  const [{ DB_DRILL_KINDS, formatDbDrillReport, runDbDrill }, { labDbDrillEnvironment }, { saveDbDrillReport }] = await Promise.all([
    import('../../drill/db/index.ts'),
    import('../../drill/db/lab-environment.ts'),
    import('../drill-reports.ts'),
  ]);
  if (!DB_DRILL_KINDS.includes(kind)) throw new UsageError(`unknown database drill '${kind}'`);
  const rate = flags.rate === undefined ? undefined : Number(flags.rate);
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0 && rate <= 1000)) throw new UsageError(`--rate must be a number in (0, 1000], got '${flags.rate}'`);
  const transport = flags.transport ?? 'sql';
  if (transport !== 'sql' && transport !== 'http') throw new UsageError(`--transport must be sql or http, got '${transport}'`);
  const env = await labDbDrillEnvironment(flags.store, flags.service ? { service: flags.service } : {});
  const result = await withInterruptHandling(
    (signal) => runDbDrill(env, { kind, transport, signal, onEvent: printDbEvent, ...(rate === undefined ? {} : { rate }), ...(flags.region ? { region: flags.region } : {}) }),
    'undoing the fault',
  );
  const path = saveDbDrillReport(flags.out, result);
  if (flags.json) {
    printJson(result.report);
    process.stderr.write(`saved ${path}\n`);
  } else {
    process.stdout.write(`${formatDbDrillReport(result.report)}\nsaved ${path}\n`);
  }
  if (!result.report.pass) process.exitCode = 1;
}

function printDbEvent(event: DbDrillEvent): void {
  process.stderr.write(`[drill] ${new Date(event.atMs).toISOString()} ${event.step}: ${event.detail}\n`);
}

/**
 * Ctrl-C aborts the drill, which heals the region before returning. Every SIGINT is caught while
 * it runs: a second Ctrl-C must not kill the process before the heal and leave a region cut.
 */
async function withInterruptHandling<T>(run: (signal: AbortSignal) => Promise<T>, undoing = 'healing the region'): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) return void process.stderr.write(`still ${undoing}, please wait\n`);
    process.stderr.write(`interrupted: ${undoing} and stopping the load\n`);
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function printEvent(event: DrillEvent): void {
  process.stderr.write(`[drill] ${new Date(event.atMs).toISOString()} ${event.step}: ${event.detail}\n`);
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '-';
  return Math.abs(ms) < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatOutageReport(r: OutageReport, rate: number): string {
  const out: string[] = [];
  out.push(`Region-outage drill: ${r.region} cut for ${formatMs(r.timeline.outageMs)} (${r.fqdn}, ${rate} req/s, ${formatMs(r.timeline.totalMs)} in all)`);
  out.push(`Result: ${r.pass ? 'PASS' : 'FAIL'}`, '');
  out.push('DNS, every nameserver queried directly every 100 ms:');
  out.push(`  cut -> last answer still containing ${r.region} (worst surviving nameserver): ${formatMs(r.cutToLastDeadAnswerMs.maxMs)}`);
  const ns = r.cutToLastDeadAnswerMs.perNameserver.map((n) => [
    n.server,
    n.region + (n.cutRegion ? ' (cut)' : ''),
    String(n.answersDuringCut),
    String(n.failuresDuringCut),
    formatMs(n.lastAnswerWithRegionMs),
    n.cutRegion ? 'not counted' : n.shifted ? 'yes' : 'NO',
  ]);
  out.push(indent(formatTable(['nameserver', 'region', 'answers', 'failures', `last with ${r.region}`, 'shifted'], ns)));
  const w = r.clientErrorWindow;
  const c = r.clientShift;
  out.push('Client, caching stub resolver honouring TTL:');
  out.push(
    w.failedOps === 0
      ? '  no failed request during the outage'
      : `  ${w.failedOps} failed requests, started ${formatMs(w.firstErrorMs)} to ${formatMs(w.lastErrorMs)} after the cut (window ${formatMs(w.durationMs)})`,
  );
  out.push(
    c.lastAnswerWithRegionMs === null
      ? `  no answer with ${r.region} after the cut; cached ones expired ${formatMs(c.cachedUntilMs)} after it`
      : `  last answer with ${r.region}: ${formatMs(c.lastAnswerWithRegionMs)} after the cut, cached until ${formatMs(c.cachedUntilMs)}`,
  );
  out.push(
    c.requestsToRegion === 0
      ? `  no request was sent to ${r.region} while it was cut`
      : `  requests sent to ${r.region} while cut: ${c.requestsToRegion}, the last ${formatMs(c.lastRequestToRegionMs)} after the cut`,
  );
  const lat = (p: OutageReport['latencyMs']['before']) => (p ? `p50 ${formatMs(p.p50)}, p99 ${formatMs(p.p99)}, max ${formatMs(p.max)}` : '-');
  out.push(`  latency of served requests (DNS included): before ${lat(r.latencyMs.before)}; during ${lat(r.latencyMs.during)}; after ${lat(r.latencyMs.after)}`, '');
  out.push('Requests served per region (by start time; during = cut to heal):');
  const rows = Object.entries(r.requestsPerRegion).map(([name, p]) => [name, String(p.before), String(p.during), String(p.after)]);
  const f = r.failedRequests;
  rows.push(['failed', String(f.before), String(f.during), String(f.after)]);
  out.push(indent(formatTable(['region', 'before', 'during', 'after'], rows)));
  out.push(`Return after the heal: in DNS after ${formatMs(r.timeToReturnMs.dnsMs)}, first request served after ${formatMs(r.timeToReturnMs.clientMs)}`);
  const t = r.totals;
  const ratio = t.successRatio === null ? '-' : `${(t.successRatio * 100).toFixed(2)}%`;
  out.push(`Totals: ${t.ops} requests, ${t.ok} ok (${ratio}), ${t.clientSkipped} skipped; ${t.resolverQueries} client DNS queries (${t.resolverFailures} failed); ${t.watcherSamples} watcher samples`, '');
  out.push('Checks:');
  for (const check of r.checks) out.push(`  ${check.pass ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
  return `${out.join('\n')}\n`;
}

function indent(table: string): string {
  return table
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}
