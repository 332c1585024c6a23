/**
 * Copies Meridian's apex (SOA, NS, addresses of in-zone name servers) so the static zone of
 * bind9 and Knot answers SOA and negative queries with the same records Meridian does.
 */
import { InfraError } from '../../src/common/errors.ts';
import { queryUdp } from '../lib/dns-probe.ts';
import type { ZoneLine } from './zone.ts';

export async function readApex(port: number, zone: string): Promise<ZoneLine[]> {
  const soa = await queryUdp('127.0.0.1', port, zone, 'SOA', 1000);
  if (soa?.rcode !== 'NOERROR' || soa.answer.length !== 1) throw new InfraError(`meridian did not answer one SOA for ${zone}: ${JSON.stringify(soa)}`);
  const ns = (await queryUdp('127.0.0.1', port, zone, 'NS', 1000))?.answer ?? [];
  const lines = [...soa.answer, ...ns];
  for (const target of inZoneTargets(ns, zone)) {
    for (const type of ['A', 'AAAA'] as const) lines.push(...((await queryUdp('127.0.0.1', port, target, type, 1000))?.answer ?? []));
  }
  if (ns.length === 0) {
    // A master file needs an NS record; Meridian has none to copy, and NS is not in the query mix.
    lines.push(`${zone}. 3600 IN NS ns1.${zone}.`, `ns1.${zone}. 3600 IN A 127.0.0.1`);
  }
  return lines;
}

/** NS targets under the zone itself need address records in the zone for bind9 to load it. */
export function inZoneTargets(nsLines: readonly ZoneLine[], zone: string): string[] {
  return nsLines
    .map((line) => line.split(/\s+/)[4] ?? '')
    .filter((target) => target === `${zone}.` || target.endsWith(`.${zone}.`))
    .map((target) => target.replace(/\.$/, ''));
}
