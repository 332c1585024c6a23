/**
 * `meridian drill region-outage`: cut a region of the running lab under a real client load,
 * print the report (text or JSON), save report + recorded history as JSON. Exit 1 when a check
 * failed, 2 for bad input (unknown region or service, no lab running).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.ts';
import { runRegionOutageDrill, type DrillEvent, type OutageHistory, type OutageReport } from '../../drill/index.ts';
import { labDrillEnvironment } from '../../drill/lab-environment.ts';
import { renderOutageReportHtml } from '../../observe/report/index.ts';
import { formatTable, printJson } from '../output.ts';

interface RegionOutageFlags {
  region: string;
  json?: boolean;
  out: string;
  rate: string;
  service?: string;
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
    .action(async (flags: RegionOutageFlags) => {
      const rate = Number(flags.rate);
      if (!Number.isFinite(rate) || rate <= 0 || rate > 1000) throw new UsageError(`--rate must be a number in (0, 1000], got '${flags.rate}'`);
      const env = labDrillEnvironment(flags.service);
      const { report, history } = await withInterruptHandling((signal) =>
        runRegionOutageDrill(env, { region: flags.region, rate, signal, onEvent: printEvent }),
      );
      const path = saveReport(flags.out, report, history);
      if (flags.json) {
        printJson(report);
        process.stderr.write(`saved ${path}\n`);
      } else {
        process.stdout.write(`${formatOutageReport(report, rate)}\nsaved ${path}\n`);
      }
      if (!report.pass) process.exitCode = 1;
    });
}

/**
 * Ctrl-C aborts the drill, which heals the region before returning. Every SIGINT is caught while
 * it runs: a second Ctrl-C must not kill the process before the heal and leave a region cut.
 */
async function withInterruptHandling<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) return void process.stderr.write('still healing the region, please wait\n');
    process.stderr.write('interrupted: healing the region and stopping the load\n');
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

function saveReport(dir: string, report: OutageReport, history: OutageHistory): string {
  mkdirSync(dir, { recursive: true });
  // ISO time with ':' spelled '-': colons in file names break scp, Windows and some archivers.
  const stamp = report.timeline.startedAt.replace(/:/g, '-');
  const path = join(dir, `${stamp}-region-outage-${report.region}.json`);
  writeFileSync(path, `${JSON.stringify({ report, history }, null, 2)}\n`);
  // The same report as a self-contained page with charts, beside the JSON (src/observe/report).
  writeFileSync(path.replace(/\.json$/, '.html'), renderOutageReportHtml({ report, history }));
  return path;
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
