/**
 * bind9 (named) as a reference authoritative server: its own config in a temp dir, foreground
 * (-g), one worker thread (-n 1, the single core it is pinned to), only 127.0.0.1:PORT, no
 * recursion, no control channel. `minimal-responses yes` so it sends what Meridian and Knot send
 * (no NS records in the authority section of positive answers).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessGroup } from '../../lib/processes.ts';
import { renderZoneFile, type BenchZone } from '../zone.ts';
import { waitForDns, type ServerUnderTest, type StartOptions } from './types.ts';

export function namedConf(dir: string, port: number, zone: BenchZone): string {
  return `options {
  directory "${dir}";
  pid-file "${join(dir, 'named.pid')}";
  session-keyfile "${join(dir, 'session.key')}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  minimal-responses yes;
  notify no;
  dnssec-validation no;
};
controls { };
zone "${zone.origin}" { type primary; file "${join(dir, 'zone.db')}"; };
`;
}

export async function bindVersion(group: ProcessGroup): Promise<string> {
  return (await group.run('named -v', 'named', ['-v'])).trim();
}

export async function startBind(group: ProcessGroup, zone: BenchZone, options: StartOptions): Promise<ServerUnderTest> {
  const dir = group.tempDir('bind');
  writeFileSync(join(dir, 'zone.db'), renderZoneFile(zone));
  writeFileSync(join(dir, 'named.conf'), namedConf(dir, options.port, zone));
  const version = await bindVersion(group);
  const proc = group.spawn('named', '/usr/sbin/named', ['-g', '-n', '1', '-c', join(dir, 'named.conf')], { cpu: options.cpu, cwd: dir });
  await waitForDns(proc, options.port, zone.origin);
  return { name: 'bind9', version, port: options.port, process: proc };
}
