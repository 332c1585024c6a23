/**
 * Adapter over iproute2's `ip`: run plan commands, list what the lab owns (by prefix), run a
 * command inside a namespace. Subprocesses rather than netlink from Node: `ip` is what a person
 * would type to inspect the lab, and there is no maintained netlink library for Node.
 */
import { execFile, execFileSync } from 'node:child_process';
import { InfraError, InputError } from '../common/errors.ts';
import { LAB_PREFIX } from './layout.ts';
import type { IpCommand } from './netplan.ts';

export function runIp(args: IpCommand): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new InfraError(`ip ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`, { cause: err });
  }
}

/** Like runIp, for teardown: a failure (already gone) is expected and ignored. */
export function tryIp(args: IpCommand): boolean {
  try {
    runIp(args);
    return true;
  } catch {
    return false;
  }
}

/** Every network namespace whose name starts with `mrd-`, ours or left by a crashed run. */
export function listLabNamespaces(): string[] {
  return runIp(['netns', 'list'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.startsWith(LAB_PREFIX));
}

/** Every link in the root namespace whose name starts with `mrd-` (the bridge and veth ends). */
export function listLabLinks(): string[] {
  return runIp(['-o', 'link', 'show'])
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith(LAB_PREFIX));
}

/** PIDs of every process whose network namespace is `ns`, as the kernel reports them. */
export function netnsPids(ns: string): number[] {
  try {
    return runIp(['netns', 'pids', ns])
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid > 1);
  } catch {
    return [];
  }
}

export function linkIsUp(link: string): boolean {
  try {
    return /[<,]UP[,>]/.test(runIp(['-o', 'link', 'show', 'dev', link]));
  } catch {
    return false;
  }
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `argv` inside the lab namespace `ns` (with its /etc/netns resolv.conf) and collects its
 * output. A non-zero exit is a result, not an error; failing to start `ip` is an InfraError.
 */
export function netnsExec(ns: string, argv: readonly string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
  if (!ns.startsWith(LAB_PREFIX)) throw new InputError(`'${ns}' is not a lab namespace (they start with ${LAB_PREFIX})`);
  if (argv.length === 0) throw new InputError('netnsExec needs a command');
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', ns, ...argv],
      { encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        if (err && typeof code !== 'number') {
          const why = err.killed ? `no exit within ${opts.timeoutMs ?? 30_000}ms` : err.message;
          return reject(new InfraError(`ip netns exec ${ns} ${argv.join(' ')}: ${why}`, { cause: err }));
        }
        resolve({ exitCode: typeof code === 'number' ? code : 0, stdout, stderr });
      },
    );
  });
}
