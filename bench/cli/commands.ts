/**
 * The ways `meridian` is run that the CLI benchmark compares, and timing one run of a command.
 *   compiled  bin/meridian.js, as published: dist/ after the freshness check
 *   tsx       the sources through tsx (`node --import tsx src/cli/main.ts`), what bin falls back to
 *   before    the same through tsx at the last commit before the CLI loaded commands lazily: every
 *             command imported everything, the etcd gRPC stack included (the figures)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InfraError } from '../../src/common/errors.ts';
import type { Managed, ProcessGroup } from '../lib/processes.ts';
import { REPO_ROOT } from '../lib/paths.ts';

/** The parent of fb6557c ("cli: commands load what they use…"): the CLI as the issue measured it. */
export const BEFORE_COMMIT = 'fdc7bbf';

export interface Way {
  readonly name: 'compiled' | 'tsx' | 'before';
  readonly description: string;
  /** The full argv (node first) that runs `meridian …args`. */
  argv(args: readonly string[]): string[];
}

function sources(root: string): (args: readonly string[]) => string[] {
  return (args) => [process.execPath, '--import', 'tsx', join(root, 'src/cli/main.ts'), ...args];
}

export const COMPILED: Way = {
  name: 'compiled',
  description: 'bin/meridian.js running dist/ (npm run build)',
  argv: (args) => [process.execPath, join(REPO_ROOT, 'bin/meridian.js'), ...args],
};

export const TSX: Way = { name: 'tsx', description: 'node --import tsx src/cli/main.ts (the sources)', argv: sources(REPO_ROOT) };

/**
 * `before`: BEFORE_COMMIT's tree in a scratch directory (git archive), using this checkout's
 * node_modules. Undefined, with why, when git cannot give it (no git, a shallow clone).
 */
export function beforeWay(group: ProcessGroup): Way | { unavailable: string } {
  const dir = group.tempDir('cli-before');
  try {
    execFileSync('sh', ['-c', `git -C "$1" archive "$2" src package.json | tar -x -C "$3"`, 'sh', REPO_ROOT, BEFORE_COMMIT, dir], { stdio: 'pipe' });
  } catch (err) {
    return { unavailable: `git archive ${BEFORE_COMMIT} failed: ${String((err as { stderr?: unknown }).stderr ?? err).trim()}` };
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return { name: 'before', description: `node --import tsx src/cli/main.ts at ${BEFORE_COMMIT}, before commands loaded lazily`, argv: sources(dir) };
}

export interface Timed {
  /** Start of the spawn to the process's exit. */
  readonly ms: number;
  /** User + system CPU time and peak resident size, from GNU time: the same on a busy machine. */
  readonly cpuMs: number;
  readonly peakMiB: number;
}

export interface Started {
  readonly proc: Managed;
  /** performance.now() just before the spawn. */
  readonly started: number;
  /** Once it has exited: its wall time to the exit and GNU time's figures; a non-zero exit is an InfraError with its output. */
  finished(): Promise<Timed>;
}

/** Starts `way`'s `meridian …args` under GNU time. */
export function startTimed(group: ProcessGroup, way: Way, args: readonly string[], scratch: string): Started {
  const usage = join(scratch, 'usage');
  const [command, ...rest] = ['/usr/bin/time', '-o', usage, '-f', '%U %S %M', ...way.argv(args)];
  const started = performance.now();
  const proc = group.spawn(`meridian ${args.join(' ')} (${way.name})`, command!, rest, { cwd: REPO_ROOT });
  const finished = async (): Promise<Timed> => {
    const status = await proc.exited;
    const ms = performance.now() - started;
    if (status !== 0) throw new InfraError(`${proc.name} exited with ${status}:\n${proc.output().trim()}`);
    const [user, sys, kb] = readFileSync(usage, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    return { ms, cpuMs: ((user ?? 0) + (sys ?? 0)) * 1000, peakMiB: (kb ?? 0) / 1024 };
  };
  return { proc, started, finished };
}

/** Runs `way`'s `meridian …args` to its end under GNU time. */
export function timeRun(group: ProcessGroup, way: Way, args: readonly string[], scratch: string): Promise<Timed> {
  return startTimed(group, way, args, scratch).finished();
}

/** `runs` rounds, each running every way once in turn (A B C A B C …): the ways see the same machine. */
export async function alternate<T>(ways: readonly Way[], runs: number, measure: (way: Way) => Promise<T>): Promise<Map<Way['name'], T[]>> {
  const results = new Map<Way['name'], T[]>(ways.map((w) => [w.name, []]));
  for (let round = 0; round < runs; round += 1) {
    for (const way of ways) results.get(way.name)!.push(await measure(way));
  }
  return results;
}
