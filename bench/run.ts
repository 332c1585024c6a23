/**
 * `npm run bench [-- --only dns] [--seconds N] [--rounds N] [--warmup N]`
 *
 * Runs the registered benchmarks one after another. Every process they start is stopped by PID
 * and every temp dir removed when they finish, fail, or on Ctrl-C / SIGTERM.
 * Not part of the test suite: figures depend on the machine, so results are ratios between
 * systems measured in the same run, written to bench/results/.
 */
import { describeError, InputError, UsageError } from '../src/common/errors.ts';
import { cliBenchmark } from './cli.ts';
import { dnsBenchmark } from './dns.ts';
import { failoverBenchmark } from './failover.ts';
import { floodBenchmark } from './flood.ts';
import { ProcessGroup } from './lib/processes.ts';
import { parseOptions, usage } from './options.ts';
import { shiftBenchmark } from './shift.ts';
import type { BenchContext, Benchmark } from './types.ts';

const BENCHMARKS: readonly Benchmark[] = [dnsBenchmark, shiftBenchmark, failoverBenchmark, cliBenchmark, floodBenchmark];

const INTERRUPT_GRACE_MS = 60_000;

async function settledWithin(work: Promise<void> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([(work ?? Promise.resolve()).catch(() => undefined), bound]);
  clearTimeout(timer);
}

async function main(argv: readonly string[]): Promise<number> {
  const group = new ProcessGroup();
  let stopping = false;
  let running: Promise<void> | undefined;
  const interrupted = (signal: NodeJS.Signals) => {
    stopping = true;
    process.stderr.write(`\nbench: ${signal}, stopping every process started\n`);
    // Then let the running benchmark's own `finally` finish (shift heals a cut region and takes
    // down a lab it brought up), bounded; a second Ctrl-C ends the process at once.
    void group
      .cleanup()
      .then(() => settledWithin(running, INTERRUPT_GRACE_MS))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  process.once('exit', () => group.cleanupSync());
  try {
    const options = parseOptions(argv, BENCHMARKS);
    if (options === 'help') {
      process.stdout.write(`${usage(BENCHMARKS)}\n`);
      return 0;
    }
    const print = (line: string) => process.stdout.write(`${line}\n`);
    for (const benchmark of options.only) {
      print(`== ${benchmark.name}: ${benchmark.description}`);
      const ctx: BenchContext = { group, seconds: options.seconds, rounds: options.rounds, warmupSeconds: options.warmupSeconds, print };
      running = benchmark.run(ctx);
      await running;
    }
    return 0;
  } catch (err) {
    if (!stopping) process.stderr.write(`bench: ${describeError(err)}\n`); // else: the failure is our own stopping
    if (err instanceof UsageError) process.stderr.write(`${usage(BENCHMARKS)}\n`);
    return err instanceof InputError ? 2 : 1;
  } finally {
    await group.cleanup();
  }
}

process.exitCode = await main(process.argv.slice(2));
