/**
 * Which database server committed a write, from facts the committing statement itself returns
 * (pure). The region comes, in order of trust, from a `meridian.region` setting on the server,
 * from the address the client reached (inet_server_addr:port) mapped through the store's member
 * list, or from `cluster_name`. The timeline comes from the WAL file the primary is writing, the
 * system identifier from pg_control: together they tell two incarnations of a primary apart.
 */
import type { ServerIdentity } from '../history/index.ts';

/** Columns the write statement returns next to the insert (see WRITE_SQL in sql-transport.ts). */
export interface ServerFacts {
  readonly region_setting: string | null;
  readonly cluster_name: string | null;
  readonly server_addr: string | null;
  readonly server_port: number | null;
  readonly system_id: string | null;
  readonly walfile: string | null;
}

export const UNKNOWN_REGION = 'unknown';

export function identityFrom(facts: ServerFacts, memberRegions: Readonly<Record<string, string>>): ServerIdentity {
  const timeline = timelineOfWalFile(facts.walfile);
  return {
    region: regionFrom(facts, memberRegions),
    ...(timeline === undefined ? {} : { timeline }),
    ...(facts.system_id ? { systemId: facts.system_id } : {}),
  };
}

export function regionFrom(facts: ServerFacts, memberRegions: Readonly<Record<string, string>>): string {
  if (facts.region_setting) return facts.region_setting;
  if (facts.server_addr) {
    const exact = memberRegions[hostPortKey(facts.server_addr, facts.server_port)];
    if (exact) return exact;
    // Same address, other port: only trust it when the address belongs to one region.
    const byAddress = new Set(Object.entries(memberRegions).filter(([k]) => hostOf(k) === facts.server_addr).map(([, r]) => r));
    if (byAddress.size === 1) return [...byAddress][0]!;
  }
  return facts.cluster_name || UNKNOWN_REGION;
}

/** `00000002000000000000000A` → 2. */
export function timelineOfWalFile(walfile: string | null): number | undefined {
  if (!walfile || !/^[0-9A-F]{24}$/i.test(walfile)) return undefined;
  const timeline = Number.parseInt(walfile.slice(0, 8), 16);
  return timeline > 0 ? timeline : undefined;
}

export function hostPortKey(host: string, port: number | null): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === null ? h : `${h}:${port}`;
}

function hostOf(key: string): string {
  const match = /^\[?([^\]]+?)\]?(?::\d+)?$/.exec(key);
  return match?.[1] ?? key;
}
