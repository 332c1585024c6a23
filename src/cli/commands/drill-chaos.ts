/**
 * `meridian drill chaos --store S --rounds N --seed X [--round K] [--json] [--out DIR] [--mode sync|async] [--rate N]`:
 * seeded fault rounds against the running lab (src/drill/chaos). Text to stdout (progress on
 * stderr), `--json` for the report as JSON, `--out DIR` writes report.json, report.html and
 * history.json. Exit 0 when every check passed, 1 when one failed, 2 for bad usage.
 */
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.ts';
import type { ChaosEvent } from '../../drill/chaos/index.ts';
import { printJson } from '../output.ts';

interface ChaosFlags {
  store: string;
  rounds: string;
  seed: string;
  round?: string;
  json?: boolean;
  out?: string;
  mode?: string;
  rate?: string;
}

export function registerChaosCommand(drill: Command): void {
  drill
    .command('chaos')
    .description('seeded, reproducible randomized fault rounds on a store under continuous writes; after each, wait until the store converges')
    .requiredOption('--store <name>', 'store to drill')
    .requiredOption('--rounds <n>', 'number of rounds')
    .requiredOption('--seed <n>', 'seed of the schedule (an integer in [0, 4294967295]): the same seed gives the same rounds')
    .option('--round <k>', 'run only round K of the schedule (reproduces one round)')
    .option('--json', 'print the report as JSON')
    .option('--out <dir>', 'write report.json, report.html and history.json there')
    .option('--mode <replication>', "refuse to run unless the store replicates this way: sync or async")
    .option('--rate <n>', 'writes per second of the main client (default 50)')
    .action(runChaosCommand);
}

async function runChaosCommand(flags: ChaosFlags): Promise<void> {
  const rounds = integer('--rounds', flags.rounds, 1, 10_000);
  const seed = integer('--seed', flags.seed, 0, 0xffffffff);
  const only = flags.round === undefined ? undefined : integer('--round', flags.round, 1, rounds);
  const rate = flags.rate === undefined ? undefined : integer('--rate', flags.rate, 1, 1000);
  if (flags.mode !== undefined && flags.mode !== 'sync' && flags.mode !== 'async') throw new UsageError(`--mode must be sync or async, got '${flags.mode}'`);
  const [{ runChaos, formatChaosReport }, { labChaosEnvironment }, { writeChaosFiles }] = await Promise.all([
    import('../../drill/chaos/index.ts'), import('../../drill/chaos/lab-environment.ts'), import('../chaos-files.ts'),
  ]);
  const env = await labChaosEnvironment(flags.store);
  const result = await withInterrupt((signal) => runChaos(env, {
    seed, rounds, signal, onEvent: printEvent,
    ...(only === undefined ? {} : { only }), ...(rate === undefined ? {} : { rate }), ...(flags.mode ? { expectReplication: flags.mode as 'sync' | 'async' } : {}),
  }));
  if (flags.json) printJson(result.report);
  else process.stdout.write(formatChaosReport(result.report));
  if (flags.out) process.stderr.write(`saved ${writeChaosFiles(flags.out, result).join(', ')}\n`);
  if (!result.report.pass) process.exitCode = 1;
}

function integer(name: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${name} must be an integer in [${min}, ${max}], got '${text}'`);
  return n;
}

function printEvent(event: ChaosEvent): void {
  process.stderr.write(`[chaos] ${new Date(event.atMs).toISOString()} ${event.step}: ${event.detail}\n`);
}

/**
 * Ctrl-C aborts the rounds, which undo the fault in progress before returning; every SIGINT is
 * caught meanwhile, so a second Ctrl-C cannot leave a region cut or a database frozen.
 */
async function withInterrupt<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) return void process.stderr.write('still undoing the fault, please wait\n');
    process.stderr.write('interrupted: undoing the fault and stopping the writes\n');
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
