/**
 * Crash and restart a recorded lab process, by its PID record in the lab state: a drill kills an
 * agent mid-failover (SIGKILL, so it gets no chance to release a lease) and brings it back exactly
 * as `lab up` started it (the recorded command line, in its region's namespace), so the restarted
 * agent has its state directory and data directories like the others.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError, InputError } from '../common/errors.ts';
import { isAlive } from './procs.ts';
import { readState, type ProcessRecord } from './state.ts';
import { startInRegion, waitHealthy } from './supervise.ts';

function recorded(name: string): ProcessRecord {
  const state = readState();
  if (!state) throw new InputError('no lab is running (start one with: meridian lab up)');
  const record = state.processes.find((p) => p.name === name);
  if (!record) throw new InfraError(`the lab has no process named ${name}`);
  return record;
}

/** SIGKILL to the recorded PID (only while it is still the process recorded), then waits until it is gone. */
export async function crashRecorded(name: string, boundMs = 3000): Promise<ProcessRecord> {
  const record = recorded(name);
  if (!isAlive(record)) throw new InfraError(`${name} (pid ${record.pid}) is not running`);
  process.kill(record.pid, 'SIGKILL');
  const deadline = Date.now() + boundMs;
  while (isAlive(record)) {
    if (Date.now() > deadline) throw new InfraError(`${name} (pid ${record.pid}) still runs ${boundMs} ms after SIGKILL`);
    await sleep(20);
  }
  return record;
}

/**
 * Starts the recorded command again (nothing happens when it still runs) and waits until every
 * `readyUrls` answers 200. `env` adds what the original start put in the environment (secrets
 * are never recorded).
 */
export async function restartRecorded(name: string, env: Readonly<Record<string, string>>, readyUrls: readonly string[], deadlineMs: number): Promise<ProcessRecord> {
  const record = recorded(name);
  if (isAlive(record)) return record;
  const proc = startInRegion(record.region, record.kind, record.name, record.command, env);
  await waitHealthy(proc, readyUrls, deadlineMs);
  return proc.record;
}
