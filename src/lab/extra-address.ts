/**
 * Extra addresses for what later layers add to a region (a database, an etcd member): hosts
 * .2–.9 of the region's block are reserved for them (layout.ts). The namespace owns the address,
 * so `down` needs nothing more to remove it.
 */
import { InputError } from '../common/errors.ts';
import { runIp } from './ip.ts';
import { findRegion, labAddress, type AddressPair } from './layout.ts';
import { requireLabHost } from './preflight.ts';
import { readState } from './state.ts';

export const RESERVED_HOSTS = { first: 2, last: 9 } as const;

/** Adds 10.231.<i>.<host> and fd77:231::<i>:<host> to the region's eth0 (idempotent). */
export function addRegionAddress(region: string, host: number): AddressPair {
  requireLabHost();
  if (!Number.isInteger(host) || host < RESERVED_HOSTS.first || host > RESERVED_HOSTS.last) {
    throw new InputError(`host ${host} is not in the reserved range .${RESERVED_HOSTS.first}–.${RESERVED_HOSTS.last}`);
  }
  const state = readState();
  if (!state) throw new InputError('no lab is running (start one with: meridian lab up)');
  const r = findRegion(state.layout, region);
  const address = labAddress(r.index, host);
  const has = runIp(['-n', r.namespace, '-o', 'addr', 'show', 'dev', 'eth0']);
  if (!has.includes(` ${address.ipv4}/`)) runIp(['-n', r.namespace, 'addr', 'add', `${address.ipv4}/${state.layout.prefix4}`, 'dev', 'eth0']);
  if (!has.includes(` ${address.ipv6}/`)) {
    runIp(['-n', r.namespace, '-6', 'addr', 'add', `${address.ipv6}/${state.layout.prefix6}`, 'dev', 'eth0', 'nodad']);
  }
  return address;
}
