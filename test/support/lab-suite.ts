/**
 * What the lab's integration tests share: why a suite must be skipped on this machine, and a lab
 * with the built-in topology (as `meridian init` writes it) brought up before the suite and down
 * (state removed) after it.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before } from 'node:test';
import { labDown, labUp } from '../../src/lab/index.ts';
import { DEFAULT_TOPOLOGY_YAML } from '../../src/spec/index.ts';

export interface LabNeeds {
  /** PostgreSQL 15 and etcd (a topology with a store). */
  readonly store?: boolean;
  /** dig (bind9-dnsutils). */
  readonly dig?: boolean;
  readonly curl?: boolean;
  /** Debian's prometheus package. */
  readonly prometheus?: boolean;
  /** Debian's chromium package. */
  readonly chromium?: boolean;
}

/** The reason to skip a lab suite here, or false: Linux, root, and what the suite needs besides. */
export function labSkipReason(needs: LabNeeds = {}): string | false {
  if (process.platform !== 'linux') return 'the lab needs Linux (network namespaces)';
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces): run the suite as root';
  if (needs.store && (!existsSync('/usr/lib/postgresql/15/bin/postgres') || !existsSync('/usr/bin/etcd'))) return 'needs PostgreSQL 15 and etcd';
  if (needs.dig && spawnSync('dig', ['-v'], { stdio: 'ignore' }).status !== 0) return 'needs dig (bind9-dnsutils)';
  if (needs.curl && spawnSync('curl', ['--version'], { stdio: 'ignore' }).status !== 0) return 'needs curl';
  if (needs.prometheus && !existsSync('/usr/bin/prometheus')) return 'needs the Debian prometheus package';
  if (needs.chromium && !existsSync('/usr/bin/chromium')) return 'needs the Debian chromium package';
  return false;
}

/**
 * Inside a describe: a lab with the built-in topology (or `topologyYaml`, a variant of it) in `<dir>/lab` (MERIDIAN_LAB_DIR for this
 * process), agents at warn unless told otherwise; down and `dir` removed after. Returns the lab's directory.
 */
export function useBuiltInLab(dir: string, topologyYaml: string = DEFAULT_TOPOLOGY_YAML): string {
  const labDir = join(dir, 'lab');
  before(async () => {
    process.env.MERIDIAN_LAB_DIR = labDir;
    process.env.MERIDIAN_LOG_LEVEL ??= 'warn';
    const file = join(dir, 'meridian.yaml');
    writeFileSync(file, topologyYaml);
    await labDown();
    // Generous: on a loaded 2-core machine the agents take well over the default 30 s to answer.
    await labUp({ topologyFile: file, readyTimeoutMs: 120_000 });
  });
  after(async () => {
    await labDown();
    rmSync(dir, { recursive: true, force: true });
  });
  return labDir;
}
