/**
 * The write client that runs inside a region (`meridian drill write-client`, started by the lab
 * adapter with `ip netns exec`): writes straight to one address, prints every op as one JSON line
 * on stdout as it finishes, and stops (waiting for writes in flight) on SIGTERM or when stdin
 * closes. Its clock is this process's epoch-anchored monotonic clock: on the same machine, its
 * times line up with the drill's to within a few milliseconds.
 */
import { APP_LOGIN_ENV } from '../../demo/index.ts';
import { SqlWriteTransport } from './sql-transport.ts';
import type { StatementDeadlines } from './single-statement.ts';
import type { DbCredentials, WriteOp } from './types.ts';
import { WriteClient } from './write-client.ts';

/** Where the writer finds the application login (the same variables the lab gives its apps). */
export const WRITER_CREDENTIAL_ENV = APP_LOGIN_ENV;

export interface LocalWriterConfig {
  readonly host: string;
  readonly credentials: DbCredentials;
  readonly runId: string;
  readonly client: string;
  readonly rate: number;
  readonly deadlines: StatementDeadlines;
  readonly memberRegions: Readonly<Record<string, string>>;
  /** Stops on its own after this long. */
  readonly maxDurationMs: number;
}

export async function runLocalWriter(config: LocalWriterConfig, out: (line: string) => void, stopped: Promise<void>): Promise<number> {
  const transport = new SqlWriteTransport({
    endpoint: { kind: 'fixed', host: config.host },
    credentials: config.credentials,
    runId: config.runId,
    memberRegions: config.memberRegions,
    deadlines: config.deadlines,
  });
  const client = new WriteClient({
    transport, idPrefix: `${config.runId}-${config.client.slice(0, 1)}`, client: config.client, rate: config.rate,
    maxDurationMs: config.maxDurationMs, onOp: (op) => out(`${JSON.stringify(op)}\n`),
  });
  client.start();
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, config.maxDurationMs).unref());
  await Promise.race([stopped, timeout]);
  await client.stop();
  return client.ops.length;
}

/** One line of the writer's output → its op; undefined for anything else (a log line, a torn line). */
export function parseWriterLine(line: string): WriteOp | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const op = JSON.parse(line) as Partial<WriteOp>;
    const valid = typeof op.id === 'string' && op.kind === 'write' && typeof op.client === 'string' && typeof op.sentAtMs === 'number'
      && (op.outcome === 'ok' ? typeof op.ackedAtMs === 'number' : op.outcome === 'fail' || op.outcome === 'unknown');
    return valid ? (op as WriteOp) : undefined;
  } catch {
    return undefined;
  }
}
