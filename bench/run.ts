/**
 * `npm run bench [-- --only dns] [--seconds N] [--rounds N] [--warmup N]`
 *
 * Runs the registered benchmarks one after another. Every process they start is stopped by PID
 * and every temp dir removed when they finish, fail, or on Ctrl-C / SIGTERM.
 * Not part of the test suite: figures depend on the machine, so results are ratios between
 * systems measured in the same run, written to bench/results/.
 */
import { parseArgs } from 'node:util';
import { describeError, InputError, UsageError } from '../src/common/errors.ts';
import { dnsBenchmark } from './dns.ts';
import { ProcessGroup } from './lib/processes.ts';
import type { BenchContext, Benchmark } from './types.ts';

/** Parts (b) `shift` and (c) `failover` are added here as bench/shift.ts and bench/failover.ts. */
const BENCHMARKS: readonly Benchmark[] = [dnsBenchmark];

const USAGE = `usage: npm run bench -- [--only NAME[,NAME]] [--seconds N] [--rounds N] [--warmup N]
  --only     benchmarks to run (default: all): ${BENCHMARKS.map((b) => b.name).join(', ')}
  --seconds  length of one measurement (default 5)
  --rounds   alternating rounds over the systems compared (default 3)
  --warmup   unmeasured seconds before each measurement (default 1, 0 for none)
${BENCHMARKS.map((b) => `\n  ${b.name}: ${b.description}`).join('')}`;

interface Options {
  readonly only: readonly Benchmark[];
  readonly seconds: number;
  readonly rounds: number;
  readonly warmupSeconds: number;
}

export function parseOptions(argv: readonly string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        only: { type: 'string', multiple: true },
        seconds: { type: 'string', default: '5' },
        rounds: { type: 'string', default: '3' },
        warmup: { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(describeError(err));
  }
  if (values.help) return 'help';
  const names = (values.only ?? BENCHMARKS.map((b) => b.name)).flatMap((v) => v.split(',')).filter(Boolean);
  const only = names.map((name) => {
    const found = BENCHMARKS.find((b) => b.name === name);
    if (!found) throw new UsageError(`unknown benchmark '${name}'; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    return found;
  });
  return {
    only,
    seconds: positiveInteger('--seconds', values.seconds, 1),
    rounds: positiveInteger('--rounds', values.rounds, 1),
    warmupSeconds: positiveInteger('--warmup', values.warmup, 0),
  };
}

function positiveInteger(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, got '${text}'`);
  return n;
}

async function main(argv: readonly string[]): Promise<number> {
  const group = new ProcessGroup();
  const interrupted = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${signal}, stopping every process started\n`);
    void group.cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  process.once('exit', () => group.cleanupSync());
  try {
    const options = parseOptions(argv);
    if (options === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const print = (line: string) => process.stdout.write(`${line}\n`);
    for (const benchmark of options.only) {
      print(`== ${benchmark.name}: ${benchmark.description}`);
      const ctx: BenchContext = { group, seconds: options.seconds, rounds: options.rounds, warmupSeconds: options.warmupSeconds, print };
      await benchmark.run(ctx);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`bench: ${describeError(err)}\n`);
    if (err instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    return err instanceof InputError ? 2 : 1;
  } finally {
    await group.cleanup();
  }
}

process.exitCode = await main(process.argv.slice(2));
