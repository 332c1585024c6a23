/**
 * A benchmark is a module registered in run.ts: part (a) `dns` (qps vs bind9 and Knot), later
 * part (b) `shift` (cut-to-shift vs PowerDNS) and part (c) `failover` (RTO vs Patroni).
 * Each starts its processes through `ctx.group`, so run.ts can stop them all on any exit.
 */
import type { ProcessGroup } from './lib/processes.ts';

export interface BenchContext {
  readonly group: ProcessGroup;
  /** Length of one measurement, in seconds (--seconds). */
  readonly seconds: number;
  /** Alternating rounds over all systems under test (--rounds). */
  readonly rounds: number;
  /** Unmeasured load before each measurement, in seconds (--warmup). */
  readonly warmupSeconds: number;
  /** Progress and results for the person running the benchmark. */
  readonly print: (line: string) => void;
}

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<void>;
}
