/** Runs the real `meridian` command (bin/meridian.js) as a child process. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MERIDIAN_BIN = fileURLToPath(new URL('../../bin/meridian.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runMeridian(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [MERIDIAN_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', ...options.env },
    timeout: options.timeoutMs ?? 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Whether bin/meridian.js runs the compiled build (dist/ built and newer than src/): it is asked
 * to fail with MERIDIAN_DEBUG, and its stack trace names the file that threw.
 */
export function binRunsBuild(): boolean {
  const r = runMeridian(['validate', '-f', '/nonexistent/meridian.yaml'], { env: { MERIDIAN_DEBUG: '1' } });
  return /\/dist\/spec\/load\.js/.test(r.stderr);
}
