/**
 * Every process and temp dir a benchmark creates is registered here, so one `cleanup()` stops
 * them all by PID and removes the dirs: at the end, on an error, and on Ctrl-C (see run.ts).
 * A synchronous last resort (`cleanupSync`) runs from process 'exit' if anything is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError } from '../../src/common/errors.ts';

const OUTPUT_TAIL_CHARS = 4000;

export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout+stderr so far (the last few KB), for error messages. */
  output(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
}

export interface SpawnOptions {
  /** CPU list for `taskset -c`, e.g. '0'. Omitted: not pinned. */
  readonly cpu?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export class ProcessGroup {
  private readonly running = new Map<number, Managed>();
  private readonly dirs = new Set<string>();

  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `meridian-bench-${prefix}-`));
    this.dirs.add(dir);
    return dir;
  }

  /** Starts `command args…`, pinned with taskset when `cpu` is given (taskset execs, so the PID is the command's). */
  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Managed {
    const [file, argv] = options.cpu === undefined ? [command, [...args]] : ['taskset', ['-c', options.cpu, command, ...args]];
    const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', () => undefined); // ENOENT and friends: reported below or through `exited`
    if (child.pid === undefined) throw new InfraError(`cannot start ${name}: ${command} not found or not executable`);
    const pid = child.pid;
    let tail = '';
    const append = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    let done = false;
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        this.running.delete(pid);
        resolve(code ?? signal ?? 'unknown');
      });
      child.once('error', () => {
        done = true;
        this.running.delete(pid);
        resolve('spawn-error');
      });
    });
    const managed: Managed = { name, child, pid, output: () => tail, exited, hasExited: () => done };
    this.running.set(pid, managed);
    return managed;
  }

  /** Runs a command to completion and returns its output; a non-zero exit is an InfraError. */
  async run(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Promise<string> {
    const proc = this.spawn(name, command, args, options);
    const status = await proc.exited;
    if (status !== 0) throw new InfraError(`${name} exited with ${status}:\n${proc.output().trim()}`);
    return proc.output();
  }

  /** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
  async stop(proc: Managed, graceMs = 3000): Promise<void> {
    if (proc.hasExited()) return;
    signal(proc.pid, 'SIGTERM');
    const timer = setTimeout(() => signal(proc.pid, 'SIGKILL'), graceMs);
    await proc.exited;
    clearTimeout(timer);
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.running.values()].map((p) => this.stop(p)));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.clear();
  }

  /** For process 'exit', where nothing async runs any more. */
  cleanupSync(): void {
    for (const pid of this.running.keys()) signal(pid, 'SIGKILL');
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone: nothing to stop.
  }
}

/** Waits until `predicate` resolves true, polling; throws with `what` on timeout or when `proc` dies. */
export async function waitUntil(what: string, predicate: () => Promise<boolean>, proc: Managed, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new InfraError(`${proc.name} exited before ${what}:\n${proc.output().trim()}`);
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new InfraError(`${proc.name}: timed out after ${timeoutMs} ms waiting for ${what}:\n${proc.output().trim()}`);
}
