/**
 * Where the demo app sends a write: the store's primary DNS name, resolved on every attempt
 * through the system's resolv.conf (inside a lab region, the GSLB agents), so a failover is
 * followed as soon as the agents answer with the new primary.
 *
 * Until something serves that name (the name does not exist, or no resolver runs at all), the
 * configured endpoints are the fallback, and a candidate is only used if it says it accepts
 * writes. That fallback cannot tell a fenced-off zombie that still accepts writes from the real
 * primary; only the GSLB answer can, which is why a resolver that times out or fails (SERVFAIL:
 * no healthy primary right now) never leads to the fallback.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface Candidates {
  readonly hosts: readonly string[];
  /** `fallback`: taken from the endpoint list, so each host must prove it is a writable primary. */
  readonly via: 'literal' | 'dns' | 'fallback';
}

/** A resolver failure that is worth retrying (not a missing name). */
export class ResolveFailed extends Error {
  override readonly name = 'ResolveFailed';
}

/** c-ares codes meaning "nothing serves this name" rather than "the resolver is in trouble". */
const NAME_NOT_SERVED = new Set(['ENOTFOUND', 'ENODATA', 'EREFUSED', 'ECONNREFUSED', 'ENOTIMP']);

export interface LookupA {
  resolve4(name: string): Promise<string[]>;
}

/** One try per nameserver-round bounded at 500 ms, two rounds: a dead resolver costs seconds, not minutes. */
export function systemResolver(): LookupA {
  return new Resolver({ timeout: 500, tries: 2 });
}

export async function primaryCandidates(host: string, fallback: readonly string[], resolver: LookupA): Promise<Candidates> {
  if (isIP(host) !== 0) return { hosts: [host], via: 'literal' };
  try {
    const hosts = await resolver.resolve4(host);
    if (hosts.length > 0) return { hosts, via: 'dns' };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (!NAME_NOT_SERVED.has(code) || fallback.length === 0) throw new ResolveFailed(`cannot resolve ${host}: ${code || (err as Error).message}`);
  }
  if (fallback.length === 0) throw new ResolveFailed(`${host} has no address`);
  return { hosts: fallback, via: 'fallback' };
}
