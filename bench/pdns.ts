/**
 * PowerDNS Authoritative (pdns_server, bind backend) with LUA records, as the reference for the
 * cut-to-shift benchmark (part b): `ifurlup(url, {{region 1 addresses}, {region 2 …}})` answers
 * the first set whose health URL answers, which is Meridian's failover policy.
 *
 * ifurlup connects to each candidate address on the URL's port and path (the URL's host is sent
 * only as Host header), so the health server must listen on the candidate addresses themselves.
 * Checked by hand and by bench/pdns-check.ts: an address whose URL stops answering is dropped
 * after about one check interval.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessGroup } from './lib/processes.ts';
import { waitForDns, type ServerUnderTest } from './dns/servers/types.ts';
import type { ZoneLine } from './dns/zone.ts';

export interface LuaFailoverRecord {
  /** Absolute owner name without the trailing dot, e.g. `web.global.meridian.test`. */
  readonly name: string;
  readonly type: 'A' | 'AAAA';
  readonly ttl: number;
  /** e.g. `http://127.0.0.1:8080/healthz`: scheme, port and path are used, the host is not. */
  readonly healthUrl: string;
  /** In preference order: the first set with an address up is answered (all its up addresses). */
  readonly addressSets: readonly (readonly string[])[];
  /** Seconds ifurlup waits for the health URL (PowerDNS default 2). */
  readonly timeoutSeconds?: number;
}

export interface PdnsZone {
  readonly origin: string;
  /** SOA, NS and any static records, in master-file syntax with absolute names. */
  readonly staticLines: readonly ZoneLine[];
  readonly lua: readonly LuaFailoverRecord[];
}

export interface PdnsOptions {
  /** Default 127.0.0.1. In the lab (part b): an address of the region's namespace. */
  readonly listenAddress?: string;
  readonly port: number;
  /** How often PowerDNS re-checks every health URL (lua-health-checks-interval), seconds. */
  readonly healthCheckIntervalSeconds: number;
  readonly cpu?: string;
}

/** `ifurlup('url', {{'a','b'},{'c'}}, {selector='all', timeout=2})` */
export function ifurlupExpression(record: LuaFailoverRecord): string {
  const sets = record.addressSets.map((set) => `{${set.map((a) => `'${a}'`).join(',')}}`).join(',');
  // selector 'all': answer every up address of the chosen set, as Meridian does (default picks one at random).
  const options = [`selector='all'`, ...(record.timeoutSeconds === undefined ? [] : [`timeout=${record.timeoutSeconds}`])];
  return `ifurlup('${record.healthUrl}', {${sets}}, {${options.join(', ')}})`;
}

export function pdnsZoneFile(zone: PdnsZone): string {
  const lua = zone.lua.map((r) => `${r.name}. ${r.ttl} IN LUA ${r.type} "${ifurlupExpression(r)}"`);
  return [`$ORIGIN ${zone.origin}.`, ...zone.staticLines, ...lua, ''].join('\n');
}

export function pdnsConf(dir: string, options: PdnsOptions): string {
  return [
    'launch=bind',
    `bind-config=${join(dir, 'named.conf')}`,
    `local-address=${options.listenAddress ?? '127.0.0.1'}`,
    `local-port=${options.port}`,
    'enable-lua-records=yes',
    `lua-health-checks-interval=${options.healthCheckIntervalSeconds}`,
    `socket-dir=${dir}`,
    'guardian=no',
    'daemon=no',
    'disable-syslog=yes',
    'write-pid=no',
    'api=no',
    'webserver=no',
    // Never ask the outside world anything: no security status poll over the system resolver.
    'security-poll-suffix=',
    'loglevel=4',
    '',
  ].join('\n');
}

export function bindBackendConf(dir: string, origin: string): string {
  return `zone "${origin}" { type master; file "${join(dir, 'zone.db')}"; };\n`;
}

export async function pdnsVersion(group: ProcessGroup): Promise<string> {
  const out = await group.run('pdns_server --version', 'pdns_server', ['--version']).catch((err: Error) => err.message);
  return /PowerDNS Authoritative Server [\d.]+/.exec(out)?.[0] ?? 'PowerDNS Authoritative Server (unknown version)';
}

/** Writes pdns.conf, the bind-backend config and the zone into `dir`. */
export function writePdnsConfig(dir: string, zone: PdnsZone, options: PdnsOptions): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'zone.db'), pdnsZoneFile(zone));
  writeFileSync(join(dir, 'named.conf'), bindBackendConf(dir, zone.origin));
  writeFileSync(join(dir, 'pdns.conf'), pdnsConf(dir, options));
}

/** The foreground command for a config dir; part (b) runs it in a region namespace (lab startInRegion). */
export function pdnsCommand(dir: string): { command: string; args: string[] } {
  return { command: '/usr/sbin/pdns_server', args: [`--config-dir=${dir}`] };
}

/** Starts pdns_server on loopback with its own config dir; ready once it answers the SOA. */
export async function startPdns(group: ProcessGroup, zone: PdnsZone, options: PdnsOptions): Promise<ServerUnderTest> {
  const dir = group.tempDir('pdns');
  writePdnsConfig(dir, zone, options);
  const version = await pdnsVersion(group);
  const { command, args } = pdnsCommand(dir);
  const proc = group.spawn('pdns_server', command, args, options.cpu === undefined ? { cwd: dir } : { cwd: dir, cpu: options.cpu });
  await waitForDns(proc, options.port, zone.origin, options.listenAddress);
  return { name: 'pdns', version, port: options.port, process: proc };
}
