/**
 * The lab's state file, `<state dir>/state.json`: what was built and every process started, so
 * `down`, `status` and fault injection work from any later command. Written atomically (write a
 * temporary file, then rename) and synchronously, so a read-modify-write inside this process
 * never interleaves with another one.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError } from '../common/errors.ts';
import type { LabLayout } from './layout.ts';

export const DEFAULT_LAB_DIR = '/run/meridian/lab';

/** What a supervised process is; later layers add their own kinds (`postgres`, `etcd`, …). */
export type ProcessKind = 'agent' | 'app' | (string & {});

export interface ProcessRecord {
  readonly pid: number;
  /** Kernel start time (clock ticks since boot): tells our process from a later one reusing the PID. */
  readonly startTicks: number | null;
  readonly region: string;
  readonly kind: ProcessKind;
  /** Unique in the lab, also the log file name: `app-eu-west-web-1`. */
  readonly name: string;
  readonly command: readonly string[];
  readonly log: string;
  readonly startedAt: string;
  /** Set when the lab stopped it on purpose (`lab kill`). */
  readonly stoppedAt?: string;
}

export interface LabState {
  readonly version: 1;
  /** `building` until every process is ready; a lab found `building` later is a crashed `up`. */
  readonly phase: 'building' | 'up';
  readonly createdAt: string;
  /** Digest of the source topology and options: the same `up` twice finds the same digest. */
  readonly digest: string;
  readonly agents: boolean;
  readonly topologyFile: string;
  readonly layout: LabLayout;
  readonly namespaces: readonly string[];
  readonly links: readonly string[];
  readonly resolvConfDirs: readonly string[];
  readonly cut: readonly string[];
  readonly processes: readonly ProcessRecord[];
}

export function labDir(): string {
  return process.env.MERIDIAN_LAB_DIR || DEFAULT_LAB_DIR;
}

export const statePath = (dir = labDir()) => join(dir, 'state.json');
export const logsDir = (dir = labDir()) => join(dir, 'logs');
export const topologyPath = (dir = labDir()) => join(dir, 'topology.yaml');

/**
 * The materialized topology file agents and drills load (exists while a lab is up). Here, not in
 * index.ts, so the CLI finds it without loading the whole lab.
 */
export function labTopologyFile(): string {
  return topologyPath(labDir());
}

export function readState(dir = labDir()): LabState | undefined {
  let text: string;
  try {
    text = readFileSync(statePath(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InfraError(`cannot read lab state ${statePath(dir)}`, { cause: err });
  }
  try {
    const state = JSON.parse(text) as LabState;
    return state.version === 1 ? state : undefined;
  } catch {
    return undefined; // A torn or foreign file: treated as no state; `down` still sweeps by prefix.
  }
}

export function writeState(state: LabState, dir = labDir()): void {
  mkdirSync(dir, { recursive: true });
  const tmp = `${statePath(dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, statePath(dir));
}

/** Read, change, write, with no await in between. Returns the new state. */
export function updateState(change: (state: LabState) => LabState, dir = labDir()): LabState {
  const current = readState(dir);
  if (!current) throw new InfraError(`no lab state in ${dir} (is a lab up?)`);
  const next = change(current);
  writeState(next, dir);
  return next;
}

export function removeState(dir = labDir()): void {
  rmSync(statePath(dir), { force: true });
}
