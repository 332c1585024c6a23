/**
 * Supervised processes: started detached inside a lab namespace (own process group, output to
 * `<state dir>/logs/<name>.log`), recorded in the state file the moment they exist, so a crash
 * halfway through `up` still leaves every PID for `down`. Readiness is an HTTP health URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError, InputError } from '../common/errors.ts';
import { httpGet, type ClientTls } from './http.ts';
import { CLIENT_REGION, type LabLayout } from './layout.ts';
import { isAlive, processStartTicks, stopProcesses } from './procs.ts';
import { labDir, logsDir, readState, updateState, type ProcessKind, type ProcessRecord } from './state.ts';

export interface Supervised {
  readonly record: ProcessRecord;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<string>;
}

/**
 * Starts `argv` inside region `region`'s namespace (or the client namespace for `'client'`) and
 * records it. `name` is unique in the lab; a dead process of the same name is replaced.
 */
export function startInRegion(
  region: string,
  kind: ProcessKind,
  name: string,
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Supervised {
  const dir = labDir();
  const state = readState(dir);
  if (!state) throw new InputError('no lab is running (start one with: meridian lab up)');
  const namespace = namespaceOf(state.layout, region);
  const existing = state.processes.find((p) => p.name === name);
  if (existing && !existing.stoppedAt && isAlive(existing)) {
    throw new InputError(`a process named '${name}' is already running (pid ${existing.pid})`);
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new InputError(`process name '${name}' must be letters, digits, '.', '_' or '-'`);

  mkdirSync(logsDir(dir), { recursive: true });
  const log = join(logsDir(dir), `${name}.log`);
  const fd = openSync(log, 'a');
  writeSync(fd, `--- ${new Date().toISOString()} starting in ${namespace}: ${argv.join(' ')}\n`);
  let child: ChildProcess;
  try {
    child = spawn('ip', ['netns', 'exec', namespace, ...argv], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, MERIDIAN_LAB_DIR: dir, ...env },
    });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, sig) => resolve(sig ?? `exit code ${code}`));
    child.once('error', (err) => resolve(err.message));
  });
  if (child.pid === undefined) throw new InfraError(`cannot start ${name} (${argv[0]}) in ${namespace}`);
  child.unref();
  const record: ProcessRecord = {
    pid: child.pid,
    startTicks: processStartTicks(child.pid),
    region,
    kind,
    name,
    command: argv,
    log,
    startedAt: new Date().toISOString(),
  };
  updateState((s) => ({ ...s, processes: [...s.processes.filter((p) => p.name !== name), record] }), dir);
  return { record, exited };
}

/**
 * Records a process something else started in the lab (a postmaster that `pg_ctl` detached), so
 * `down`, `status` and `kill` treat it like the others. Its PID must already exist.
 */
export function adoptProcess(region: string, kind: ProcessKind, name: string, pid: number, command: readonly string[], log: string): ProcessRecord {
  const startTicks = processStartTicks(pid);
  if (startTicks === null) throw new InfraError(`cannot adopt ${name}: no process ${pid}`);
  const record: ProcessRecord = { pid, startTicks, region, kind, name, command, log, startedAt: new Date().toISOString() };
  updateState((s) => ({ ...s, processes: [...s.processes.filter((p) => p.name !== name), record] }));
  return record;
}

function namespaceOf(layout: LabLayout, region: string): string {
  if (region === CLIENT_REGION && layout.clients[0]) return layout.clients[0].namespace;
  const found = layout.regions.find((r) => r.name === region);
  if (!found) {
    throw new InputError(`unknown region '${region}' (regions: ${layout.regions.map((r) => r.name).join(', ')})`);
  }
  return found.namespace;
}

/**
 * Polls every URL until each answers 200, the process exits (InfraError with its log tail), the
 * deadline passes (InfraError) or `signal` aborts (stops quietly: someone else already failed).
 */
export async function waitHealthy(proc: Supervised, urls: readonly string[], deadlineMs: number, signal?: AbortSignal, tls?: ClientTls): Promise<void> {
  let exitedWith: string | undefined;
  void proc.exited.then((why) => (exitedWith = why));
  const pending = new Set(urls);
  while (pending.size > 0 && !signal?.aborted) {
    if (exitedWith !== undefined) {
      throw new InfraError(`${proc.record.name} exited (${exitedWith}) before it was ready; its log says:\n${logTail(proc.record.log)}`);
    }
    if (Date.now() > deadlineMs) {
      throw new InfraError(`${proc.record.name} was not ready in time (no 200 from ${[...pending].join(', ')}); see ${proc.record.log}`);
    }
    for (const url of [...pending]) {
      const ok = await httpGet(url, 500, {}, tls).then((r) => r.status === 200, () => false);
      if (ok) pending.delete(url);
    }
    if (pending.size > 0) await sleep(100);
  }
}

/** The last lines this start wrote (the log is appended to across starts; each begins with `--- `). */
function logTail(file: string, lines = 15): string {
  try {
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    const start = all.map((l) => l.startsWith('--- ')).lastIndexOf(true);
    return all.slice(Math.max(start, all.length - lines)).map((l) => `  ${l}`).join('\n');
  } catch {
    return '  (no log)';
  }
}

/** Stops the recorded processes matching `select` by PID and marks them stopped. */
export async function stopRecorded(select: (p: ProcessRecord) => boolean, graceMs = 2000): Promise<ProcessRecord[]> {
  const state = readState();
  if (!state) return [];
  const chosen = state.processes.filter((p) => !p.stoppedAt && select(p));
  await stopProcesses(chosen, graceMs);
  const names = new Set(chosen.map((p) => p.name));
  const at = new Date().toISOString();
  updateState((s) => ({ ...s, processes: s.processes.map((p) => (names.has(p.name) && !p.stoppedAt ? { ...p, stoppedAt: at } : p)) }));
  return chosen;
}
