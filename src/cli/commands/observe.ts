/**
 * Observability commands:
 *   meridian events [-f FILE] [--follow] [--json]      every reachable agent's timeline, merged
 *   meridian export prometheus [-f FILE] [-o DIR]     scrape config, alerting rules, Grafana dashboard
 * Without -f, the running lab's topology is used. An agent that does not answer is named on
 * stderr and skipped: a dead region never stops the view.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InfraError, UsageError } from '../../common/errors.ts';
import type { FollowRound, TimelineEvent, TimelineFollower } from '../../observe/index.ts';
import type { Topology } from '../../spec/index.ts';

interface EventsFlags {
  file?: string;
  follow?: boolean;
  json?: boolean;
  interval: string;
}

export function registerObserveCommands(program: Command): void {
  program
    .command('events')
    .description("merge every reachable agent's event timeline (health transitions, answers, peers) in time order")
    .option('-f, --file <path>', 'topology file (default: the running lab)')
    .option('--follow', 'keep printing new events until interrupted')
    .option('--json', 'one JSON object per event and line')
    .option('--interval <ms>', 'with --follow: milliseconds between polls', '1000')
    .action(async (flags: EventsFlags) => {
      const interval = Number(flags.interval);
      if (!Number.isInteger(interval) || interval < 100 || interval > 60_000) throw new UsageError(`--interval must be milliseconds in [100, 60000], got '${flags.interval}'`);
      const [{ TimelineFollower }, { authHeaders }] = await Promise.all([import('../../observe/events-client.ts'), import('../credentials.ts')]);
      const follower = new TimelineFollower(await loadTopology(flags.file), 2_000, authHeaders('viewer', flags.file));
      const first = await follower.round();
      report(first, flags.json ?? false);
      if (!flags.follow) {
        if (first.reachable === 0) throw new InfraError('no agent answered; is the lab (or are the agents) running?');
        return;
      }
      await followUntilInterrupted(follower, interval, flags.json ?? false);
    });

  program
    .command('export')
    .description('configuration for other tools, generated from the topology')
    .command('prometheus')
    .description('write a Prometheus scrape config, alerting rules and a Grafana dashboard for every agent')
    .option('-f, --file <path>', 'topology file (default: the running lab)')
    .option('-o, --output <dir>', 'directory to write into', 'prometheus')
    .action(async (flags: { file?: string; output: string }) => {
      const { writePrometheusExport } = await import('../../observe/export/index.ts');
      const written = writePrometheusExport(await loadTopology(flags.file), flags.output);
      for (const path of written) process.stdout.write(`wrote ${path}\n`);
    });
}

/** -f, or the running lab's materialized topology. */
async function loadTopology(file: string | undefined): Promise<Topology> {
  const [{ loadTopologyFile }, { labTopologyFile }] = await Promise.all([import('../../spec/index.ts'), import('../../lab/state.ts')]);
  if (file) return loadTopologyFile(file);
  const lab = labTopologyFile();
  if (!existsSync(lab)) throw new UsageError(`pass -f FILE: no topology file given and no lab is running (${lab} does not exist)`);
  return loadTopologyFile(lab);
}

async function followUntilInterrupted(follower: TimelineFollower, intervalMs: number, json: boolean): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!controller.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        controller.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (!controller.signal.aborted) report(await follower.round(), json);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function report(round: FollowRound, json: boolean): void {
  for (const r of round.lost) process.stderr.write(`meridian: agent ${r.region} (${r.api || 'no address'}) unreachable: ${r.reason}; its events are missing\n`);
  for (const region of round.back) process.stderr.write(`meridian: agent ${region} answers again\n`);
  for (const region of round.truncated) process.stderr.write(`meridian: agent ${region} dropped older events from its ring (some are missing)\n`);
  for (const e of round.events) process.stdout.write(json ? `${JSON.stringify(e)}\n` : formatEvent(e));
}

export function formatEvent(e: TimelineEvent): string {
  return `${new Date(e.atMs).toISOString()}  ${e.region.padEnd(10)} ${e.kind.padEnd(18)} ${e.summary}\n`;
}
