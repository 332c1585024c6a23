/**
 * CIDRs of the VPCs created for Aurora clusters. Each is a /16 that overlaps none of the
 * topology's networks (regions[].cloud.networks: where the clusters already run) nor another
 * region's database VPC, so it can be peered with them or joined to a transit gateway later.
 */
import { isIPv4 } from 'node:net';
import { InputError } from '../../common/errors.ts';
import type { Topology } from '../../spec/index.ts';

interface Range {
  readonly start: number;
  readonly end: number;
}

/** Private /16s tried in this order: 10.100-255, then 172.16-31, then 192.168. */
const CANDIDATES: readonly string[] = [
  ...Array.from({ length: 156 }, (_, i) => `10.${100 + i}.0.0/16`),
  ...Array.from({ length: 16 }, (_, i) => `172.${16 + i}.0.0/16`),
  '192.168.0.0/16',
];

export function databaseCidrs(topology: Topology, regions: readonly string[]): Map<string, string> {
  const taken = topology.regions.flatMap((r) => r.cloud?.networks ?? []).map(ipv4Range).filter((r): r is Range => r !== null);
  const free = CANDIDATES.filter((c) => !taken.some((t) => overlaps(t, ipv4Range(c) as Range)));
  if (free.length < regions.length) {
    throw new InputError(`export aws-cdk: the topology's networks leave no free private /16 for the database VPCs of ${regions.join(', ')}`);
  }
  return new Map(regions.map((region, i) => [region, free[i] as string]));
}

function ipv4Range(cidr: string): Range | null {
  const [address = '', prefixText = ''] = cidr.split('/');
  if (!isIPv4(address)) return null;
  const value = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(prefixText));
  const start = Math.floor(value / size) * size;
  return { start, end: start + size - 1 };
}

function overlaps(a: Range, b: Range): boolean {
  return a.start <= b.end && b.start <= a.end;
}
