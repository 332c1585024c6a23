/** Command-line options of `npm run bench`, parsed with node:util parseArgs. */
import { parseArgs } from 'node:util';
import { describeError, UsageError } from '../src/common/errors.ts';
import type { Benchmark } from './types.ts';

export interface Options {
  readonly only: readonly Benchmark[];
  readonly seconds: number;
  readonly rounds: number;
  readonly warmupSeconds: number;
}

export function usage(benchmarks: readonly Benchmark[]): string {
  return `usage: npm run bench -- [--only NAME[,NAME]] [--seconds N] [--rounds N] [--warmup N]
  --only     benchmarks to run (default: all): ${benchmarks.map((b) => b.name).join(', ')}
  --seconds  length of one measurement (default 5)
  --rounds   alternating rounds over the systems compared (default 3)
  --warmup   unmeasured seconds before each measurement (default 1, 0 for none)
${benchmarks.map((b) => `\n  ${b.name}: ${b.description}`).join('')}`;
}

export function parseOptions(argv: readonly string[], benchmarks: readonly Benchmark[]): Options | 'help' {
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
  const names = (values.only ?? benchmarks.map((b) => b.name)).flatMap((v) => v.split(',')).filter(Boolean);
  const only = names.map((name) => {
    const found = benchmarks.find((b) => b.name === name);
    if (!found) throw new UsageError(`unknown benchmark '${name}'; known: ${benchmarks.map((b) => b.name).join(', ')}`);
    return found;
  });
  return {
    only,
    seconds: wholeNumber('--seconds', values.seconds, 1),
    rounds: wholeNumber('--rounds', values.rounds, 1),
    warmupSeconds: wholeNumber('--warmup', values.warmup, 0),
  };
}

function wholeNumber(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, got '${text}'`);
  return n;
}
