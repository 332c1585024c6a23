/**
 * Knot DNS (knotd) as a reference authoritative server: its own config, rundir and database in a
 * temp dir, foreground, only 127.0.0.1@PORT, one UDP and one TCP worker (the single core it is
 * pinned to). Its control socket is a unix socket inside the temp dir.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessGroup } from '../../lib/processes.ts';
import { renderZoneFile, type BenchZone } from '../zone.ts';
import { waitForDns, type ServerUnderTest, type StartOptions } from './types.ts';

export function knotConf(dir: string, port: number, zone: BenchZone): string {
  return `server:
    rundir: "${dir}"
    listen: 127.0.0.1@${port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "${join(dir, 'db')}"
template:
  - id: default
    storage: "${dir}"
    journal-content: none
    zonefile-sync: -1
zone:
  - domain: ${zone.origin}
    file: "${join(dir, 'zone.db')}"
`;
}

export async function knotVersion(group: ProcessGroup): Promise<string> {
  return (await group.run('knotd -V', 'knotd', ['-V'])).trim();
}

export async function startKnot(group: ProcessGroup, zone: BenchZone, options: StartOptions): Promise<ServerUnderTest> {
  const dir = group.tempDir('knot');
  mkdirSync(join(dir, 'db'));
  writeFileSync(join(dir, 'zone.db'), renderZoneFile(zone));
  writeFileSync(join(dir, 'knot.conf'), knotConf(dir, options.port, zone));
  const version = await knotVersion(group);
  const proc = group.spawn('knotd', '/usr/sbin/knotd', ['-c', join(dir, 'knot.conf')], { cpu: options.cpu, cwd: dir });
  await waitForDns(proc, options.port, zone.origin);
  return { name: 'knot', version, port: options.port, process: proc };
}
