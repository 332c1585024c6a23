/**
 * Which listed client network a DNS client belongs to: the query's source address, or the EDNS
 * Client Subnet address when the resolver sent one, against `clientNetworks[].cidr`.
 * The longest prefix wins, so a /24 carved out of a /8 can have its own location.
 */
import type { ClientNetwork, Topology } from '../spec/index.ts';
import { parseCidr, parseIp, prefixMatches } from './ip.ts';

export interface ClientNetworkMatcher {
  /** The matching network, or undefined for a client in no listed network (or an unparsable address). */
  match(address: string): ClientNetwork | undefined;
  /** Same, for an address already in bytes (4 or 16). */
  matchBytes(address: Uint8Array): ClientNetwork | undefined;
}

interface Entry {
  readonly network: ClientNetwork;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

export function clientNetworkMatcher(topology: Topology): ClientNetworkMatcher {
  const entries: Entry[] = [];
  for (const network of topology.clientNetworks) {
    const cidr = parseCidr(network.cidr);
    if (cidr) entries.push({ network, ...cidr });
  }
  // Longest prefix first; the sort is stable, so equal prefixes keep file order.
  entries.sort((a, b) => b.prefix - a.prefix);
  const v4 = entries.filter((e) => e.bytes.length === 4);
  const v6 = entries.filter((e) => e.bytes.length === 16);

  const matchBytes = (address: Uint8Array): ClientNetwork | undefined => {
    const list = address.length === 4 ? v4 : v6;
    for (const e of list) if (prefixMatches(address, e.bytes, e.prefix)) return e.network;
    return undefined;
  };
  return {
    matchBytes,
    match(address) {
      if (entries.length === 0) return undefined;
      const bytes = parseIp(address);
      return bytes ? matchBytes(bytes) : undefined;
    },
  };
}
