/**
 * `meridian failback --store S --region R`: after a failover away from R and R's return, move
 * S's primary back to R with a planned switchover (no acknowledged write lost), wait until the
 * agents observe it done, then re-admit R's traffic in steps, each after a health gate (the
 * runner: ../failback-runner.ts; the decisions: ../failback-ramp.ts, ../failback-gate.ts,
 * ../failback-switchover.ts). Nothing fails back by itself: this is the operator's command.
 * Exit 0 done, 1 refused, stopped at a gate or timed out (the line says what blocks), 2 bad input.
 */
import type { Command } from 'commander';
import { InputError } from '../../common/errors.ts';
import { principal } from './principal.ts';

interface Options {
  readonly store: string;
  readonly region: string;
  readonly steps: string;
  readonly stepWait: string;
  readonly timeout: string;
  readonly dryRun?: boolean;
  readonly file?: string;
}

export function registerFailbackCommands(program: Command): void {
  program
    .command('failback')
    .description("move a store's primary back to a region that returned (planned switchover, no acknowledged write lost), then re-admit the region's traffic in steps, each after a health gate")
    .requiredOption('--store <name>', 'the store (stores[].name)')
    .requiredOption('--region <region>', 'the region to fail back to: its standby becomes the primary, its traffic comes back')
    .option('--steps <percents>', "the ramp: percents of the region's declared weight, ascending, ending at 100", '10,25,50,100')
    .option('--step-wait <duration>', 'how long each step is held (and gated) before the next one, and the last before done', '30s')
    .option('--timeout <duration>', 'how long to wait for the switchover to be observed done', '10m')
    .option('--dry-run', 'print the switchover plan and the ramp steps; change nothing')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .action(async (opts: Options) => {
      const [{ parseSteps }, { parseDurationMs }] = await Promise.all([import('../failback-ramp.ts'), import('../../common/duration.ts')]);
      const steps = parseSteps(opts.steps);
      if ('error' in steps) throw new InputError(steps.error);
      const stepWaitMs = parseDurationMs(opts.stepWait);
      if (stepWaitMs === undefined) throw new InputError(`--step-wait must be a duration such as 30s, 500ms or 2m, not '${opts.stepWait}'`);
      const timeoutMs = parseDurationMs(opts.timeout);
      if (timeoutMs === undefined || timeoutMs === 0) throw new InputError(`--timeout must be a duration above 0 such as 10m or 90s, not '${opts.timeout}'`);
      const { runFailback } = await import('../failback-runner.ts');
      await runFailback({
        file: opts.file, store: opts.store, region: opts.region, percents: steps.percents, stepWaitMs, timeoutMs,
        dryRun: opts.dryRun ?? false, by: principal(),
      });
    });
}
