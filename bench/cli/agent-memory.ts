/**
 * The agent's memory: one lab region's agent is restarted under each way of running `meridian`
 * (the command line `lab up` recorded, with only the way in front changed), left to run, then its
 * peak resident size is read: VmHWM in /proc/<pid>/status (`ip netns exec` execs, so the recorded
 * PID is node's). The recorded agent is started again at the end, whatever happened.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from '../../src/common/errors.ts';
import { credentialsEnv, readCredentials } from '../../src/lab/credentials.ts';
import { labDir, readState, type ProcessRecord } from '../../src/lab/state.ts';
import { startInRegion, stopRecorded, waitHealthy } from '../../src/lab/supervise.ts';
import type { Way } from './commands.ts';

/** Probing, peer exchange and the failover loop all run within this; the peak settles by then. */
export const AGENT_RUN_MS = 20_000;
const READY_MS = 30_000;

export interface AgentMemory {
  /** VmHWM after AGENT_RUN_MS, in MiB. */
  readonly peakMiB: number;
  /** Start → /healthz answering 200 (polled every 100 ms). */
  readonly readyMs: number;
}

export interface AgentTarget {
  readonly region: string;
  readonly healthz: string;
}

function recordOf(region: string): ProcessRecord {
  const record = readState()?.processes.find((p) => p.name === `agent-${region}`);
  if (!record) throw new InfraError(`the lab has no agent in ${region}`);
  return record;
}

/** The recorded argv is [node, bin/meridian.js, 'agent', …]: keep what follows the entry point. */
function agentArgs(record: ProcessRecord): string[] {
  const at = record.command.indexOf('agent');
  if (at < 0) throw new InfraError(`unexpected agent command line: ${record.command.join(' ')}`);
  return record.command.slice(at);
}

async function restart(target: AgentTarget, argv: readonly string[]): Promise<{ pid: number; readyMs: number }> {
  const record = recordOf(target.region);
  await stopRecorded((p) => p.name === record.name);
  const secrets = readCredentials(labDir());
  const started = performance.now();
  const proc = startInRegion(record.region, 'agent', record.name, argv, secrets ? credentialsEnv(secrets) : {});
  await waitHealthy(proc, [target.healthz], Date.now() + READY_MS);
  return { pid: proc.record.pid, readyMs: performance.now() - started };
}

export function peakMiB(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new InfraError(`no VmHWM for pid ${pid}`);
  return Math.round((Number(kb) / 1024) * 10) / 10;
}

export async function measureAgent(target: AgentTarget, way: Way): Promise<AgentMemory> {
  const { pid, readyMs } = await restart(target, way.argv(agentArgs(recordOf(target.region))));
  await sleep(AGENT_RUN_MS);
  return { peakMiB: peakMiB(pid), readyMs };
}

/** Puts back the agent as `lab up` started it. */
export async function restoreAgent(target: AgentTarget, original: readonly string[]): Promise<void> {
  await restart(target, original);
}

export function recordedCommand(region: string): readonly string[] {
  return recordOf(region).command;
}
