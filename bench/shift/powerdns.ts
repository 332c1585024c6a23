/**
 * The PowerDNS side of part (b): one pdns_server per health-check setting, in the root namespace
 * on the lab bridge address, serving the same zone apex as Meridian's agents and one LUA
 * `ifurlup` A record for the service over the same lab instances, in failover order.
 */
import { InfraError } from '../../src/common/errors.ts';
import { freePort } from '../../test/support/ports.ts';
import { inZoneTargets } from '../dns/apex.ts';
import type { ServerUnderTest } from '../dns/servers/types.ts';
import type { ZoneLine } from '../dns/zone.ts';
import { queryUdp } from '../lib/dns-probe.ts';
import type { ProcessGroup } from '../lib/processes.ts';
import { startPdns, type PdnsZone } from '../pdns.ts';
import type { ShiftTarget } from './target.ts';

export interface PdnsSetting {
  /** System name in tables and JSON. */
  readonly name: string;
  readonly description: string;
  /** lua-health-checks-interval, whole seconds. */
  readonly intervalSeconds: number;
  /** ifurlup `timeout` option, whole seconds; undefined: PowerDNS's default (2 s). */
  readonly timeoutSeconds?: number;
}

/**
 * PowerDNS's defaults (5 s interval, 2 s timeout) and the most aggressive it accepts (both are
 * whole seconds, and an interval of 0 would be a busy loop): 1 s interval, 1 s timeout.
 */
export const PDNS_SETTINGS: readonly PdnsSetting[] = [
  { name: 'pdns-default', description: 'PowerDNS defaults: check every 5 s, 2 s timeout', intervalSeconds: 5 },
  { name: 'pdns-1s', description: 'PowerDNS most aggressive: check every 1 s, 1 s timeout', intervalSeconds: 1, timeoutSeconds: 1 },
];

/** The zone for one setting: Meridian's apex and the service as `ifurlup` over the failover sets. */
export function shiftPdnsZone(target: ShiftTarget, apex: readonly ZoneLine[], setting: PdnsSetting): PdnsZone {
  const sets = target.failoverSets.filter((s) => s.addresses.length > 0).map((s) => s.addresses);
  // ifurlup connects to each candidate on the URL's port and path; the URL's host is only the
  // Host header (and an address literal, so nothing is ever resolved).
  const healthUrl = `http://${sets[0]![0]}:${target.port}${target.health.path}`;
  return {
    origin: target.zone,
    staticLines: apex,
    lua: [{ name: target.fqdn, type: 'A', ttl: target.ttl, healthUrl, addressSets: sets, ...(setting.timeoutSeconds === undefined ? {} : { timeoutSeconds: setting.timeoutSeconds }) }],
  };
}

/** SOA, NS and in-zone NS addresses as one agent answers them, so PowerDNS serves the same apex. */
export async function readAgentApex(host: string, port: number, zone: string): Promise<ZoneLine[]> {
  const soa = await queryUdp(host, port, zone, 'SOA', 1000);
  if (soa?.rcode !== 'NOERROR' || soa.answer.length !== 1) throw new InfraError(`the agent at ${host}:${port} did not answer one SOA for ${zone}: ${JSON.stringify(soa)}`);
  const ns = (await queryUdp(host, port, zone, 'NS', 1000))?.answer ?? [];
  const lines = [...soa.answer, ...ns];
  for (const name of inZoneTargets(ns, zone)) {
    for (const type of ['A', 'AAAA'] as const) lines.push(...((await queryUdp(host, port, name, type, 1000))?.answer ?? []));
  }
  // A master file needs an NS record; PowerDNS is only asked for the service's A record here.
  if (ns.length === 0) lines.push(`${zone}. 3600 IN NS ns1.${zone}.`, `ns1.${zone}. 3600 IN A ${host}`);
  return lines;
}

export interface RunningPdns {
  readonly setting: PdnsSetting;
  readonly server: ServerUnderTest;
  readonly address: string;
}

/** Starts one pdns_server per setting on `address` (free ports), each ready once it answers the SOA. */
export async function startPdnsSettings(group: ProcessGroup, target: ShiftTarget, apex: readonly ZoneLine[], address: string): Promise<RunningPdns[]> {
  const running: RunningPdns[] = [];
  for (const setting of PDNS_SETTINGS) {
    const port = await freePort(address);
    const server = await startPdns(group, shiftPdnsZone(target, apex, setting), { listenAddress: address, port, healthCheckIntervalSeconds: setting.intervalSeconds });
    running.push({ setting, server: { ...server, name: setting.name }, address });
  }
  return running;
}
