/**
 * The write throughput a store's primary sustains: a closed loop of `connections` clients, each
 * on its own connection straight to the primary, inserting one row per autocommit transaction as
 * fast as the commits come back. Run on the sync and the async store alike, the ratio is the
 * cost of waiting for a standby at commit. Unmeasured warm-up first, then commits counted over
 * the measured window only.
 */
import pg from 'pg';
import { InfraError } from '../../src/common/errors.ts';

export const THROUGHPUT_TABLE = 'meridian_bench_throughput';
export const THROUGHPUT_CONNECTIONS = 8;

export interface ThroughputTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export interface ThroughputResult {
  readonly connections: number;
  readonly seconds: number;
  readonly commits: number;
  readonly commitsPerSecond: number;
}

export async function measureWriteThroughput(target: ThroughputTarget, opts: { seconds: number; warmupSeconds: number; connections?: number }): Promise<ThroughputResult> {
  const n = opts.connections ?? THROUGHPUT_CONNECTIONS;
  const clients = Array.from({ length: n }, () => new pg.Client({ ...target, connectionTimeoutMillis: 5000, application_name: 'meridian-bench-throughput' }));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    await clients[0]!.query(`CREATE TABLE IF NOT EXISTS ${THROUGHPUT_TABLE} (id bigserial PRIMARY KEY, client int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    const start = Date.now();
    const measureFrom = start + opts.warmupSeconds * 1000;
    const end = measureFrom + opts.seconds * 1000;
    const counts = await Promise.all(clients.map((c, i) => loop(c, i, measureFrom, end)));
    const commits = counts.reduce((a, b) => a + b, 0);
    return { connections: n, seconds: opts.seconds, commits, commitsPerSecond: Math.round(commits / opts.seconds) };
  } catch (err) {
    throw new InfraError(`write throughput on ${target.host}:${target.port}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

/** Commits acknowledged inside [from, end): a commit that straddles `from` counts if it came back after. */
async function loop(client: pg.Client, index: number, from: number, end: number): Promise<number> {
  let commits = 0;
  while (Date.now() < end) {
    await client.query(`INSERT INTO ${THROUGHPUT_TABLE} (client) VALUES ($1)`, [index]);
    const at = Date.now();
    if (at >= from && at < end) commits += 1;
  }
  return commits;
}
