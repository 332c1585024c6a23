/**
 * Meridian's authoritative server (src/gslb) in its own process, as bind9 and Knot run in theirs:
 * bench/meridian-dns-server.ts loads the bench topology, builds the answer table with every
 * endpoint healthy, serves it on 127.0.0.1:PORT and prints "ready". Two of them take part: the
 * agent's default UDP transport (`meridian`, native recvmmsg/sendmmsg) and node:dgram (`meridian-dgram`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil, type ProcessGroup } from '../../lib/processes.ts';
import { REPO_ROOT } from '../../lib/paths.ts';
import { waitForDns, type ServerUnderTest, type StartOptions } from './types.ts';

const SERVER_SCRIPT = join(REPO_ROOT, 'bench', 'meridian-dns-server.ts');

/** Meridian takes part once src/gslb exists (it was written alongside this benchmark). */
export function meridianAvailable(): boolean {
  return existsSync(join(REPO_ROOT, 'src', 'gslb', 'index.ts')) && existsSync(SERVER_SCRIPT);
}

export function meridianVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return `meridian ${pkg.version} (node ${process.version})`;
}

export type MeridianTransport = 'native' | 'dgram';

export async function startMeridian(
  group: ProcessGroup,
  topologyYaml: string,
  zone: string,
  options: StartOptions & { readonly transport: MeridianTransport },
): Promise<ServerUnderTest> {
  const name = options.transport === 'native' ? 'meridian' : `meridian-${options.transport}`;
  const dir = group.tempDir(name);
  const topologyFile = join(dir, 'meridian.yaml');
  writeFileSync(topologyFile, topologyYaml);
  const proc = group.spawn(
    name,
    process.execPath,
    ['--import', 'tsx', SERVER_SCRIPT, '--topology', topologyFile, '--port', String(options.port), '--transport', options.transport],
    { cpu: options.cpu, cwd: REPO_ROOT, env: { ...process.env, MERIDIAN_LOG_LEVEL: 'warn' } },
  );
  await waitUntil('"ready"', async () => /^ready\b/m.test(proc.output()), proc);
  await waitForDns(proc, options.port, zone);
  return { name, version: `${meridianVersion()}, udp ${options.transport}`, port: options.port, process: proc };
}
