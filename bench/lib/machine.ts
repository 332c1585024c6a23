/** The machine a figure was measured on, recorded next to every result. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release } from 'node:os';
import { REPO_ROOT } from './paths.ts';

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly kernel: string;
  readonly node: string;
  /** Commit of the checkout that was measured (with `+dirty` when it had local changes). */
  readonly gitCommit: string;
  /** 1, 5 and 15 minute load averages when this was read: above ~1 other work competed for the cores. */
  readonly loadAverage: readonly number[];
}

export function machineInfo(): MachineInfo {
  return { nproc: availableParallelism(), cpuModel: cpuModel(), kernel: release(), node: process.version, gitCommit: gitCommit(), loadAverage: loadavg().map((l) => Math.round(l * 100) / 100) };
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function gitCommit(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? commit : `${commit}+dirty`;
  } catch {
    return 'unknown';
  }
}
