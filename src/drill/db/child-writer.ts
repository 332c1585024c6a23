/**
 * Runs a write client in a child process (`meridian drill write-client …`, possibly behind
 * `ip netns exec`) and collects the ops it prints, one JSON line each. Stopping sends SIGTERM to
 * that child by PID and waits for it to flush; after a grace period it is SIGKILLed, and the ops
 * printed so far are kept.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { InfraError } from '../../common/errors.ts';
import { parseWriterLine } from './local-writer.ts';
import type { RemoteWriter, WriteOp } from './types.ts';

export interface ChildWriterOptions {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** How long the child may take to finish its writes after SIGTERM. @default 10000 */
  readonly stopGraceMs?: number;
  /** Resolves once the child printed this many ops (the drill waits for it to run). @default 1 */
  readonly readyAfterOps?: number;
  /** Bound on becoming ready. @default 15000 */
  readonly readyTimeoutMs?: number;
}

export async function startChildWriter(o: ChildWriterOptions): Promise<RemoteWriter> {
  const [command, ...args] = o.argv;
  if (!command) throw new Error('startChildWriter needs a command');
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
  const ops: WriteOp[] = [];
  const stderr: string[] = [];
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`));
    child.once('error', (err) => resolve(err.message));
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const op = parseWriterLine(line);
    if (op) ops.push(op);
  });
  createInterface({ input: child.stderr }).on('line', (line) => void (stderr.length < 50 && stderr.push(line)));
  const stop = async (): Promise<readonly WriteOp[]> => {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
    const grace = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), o.stopGraceMs ?? 10_000).unref());
    if ((await Promise.race([exited, grace])) === 'late' && child.pid) {
      process.kill(child.pid, 'SIGKILL');
      await exited;
    }
    return [...ops];
  };

  const deadline = Date.now() + (o.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (ops.length >= (o.readyAfterOps ?? 1)) return { stop };
    const gone = child.exitCode !== null || child.signalCode !== null;
    if (gone || Date.now() > deadline) {
      await stop();
      const why = gone ? `exited (${await exited})` : `printed no write within ${o.readyTimeoutMs ?? 15_000} ms`;
      throw new InfraError(`the write client ${o.argv.slice(0, 6).join(' ')} … ${why}${stderr.length ? `: ${stderr.slice(-3).join(' | ')}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
