/**
 * The query mix dnsperf replays (it loops over the file): mostly the service's A record, as
 * resolvers would ask, plus AAAA, SOA at the apex and names that do not exist. Pure.
 */
import type { QueryType } from '../lib/dns-probe.ts';

export interface QueryKind {
  readonly label: string;
  /** Share of the mix, in percent. */
  readonly percent: number;
  readonly type: QueryType;
  /** Name to ask; `i` numbers the query within its kind (NXDOMAIN names are all different). */
  readonly name: (zone: string, i: number) => string;
}

export const QUERY_MIX: readonly QueryKind[] = [
  { label: 'web A', percent: 80, type: 'A', name: (zone) => `web.${zone}` },
  { label: 'web AAAA', percent: 10, type: 'AAAA', name: (zone) => `web.${zone}` },
  { label: 'apex SOA', percent: 5, type: 'SOA', name: (zone) => zone },
  { label: 'NXDOMAIN A', percent: 5, type: 'A', name: (zone, i) => `nx-${i}.${zone}` },
];

export interface Query {
  readonly kind: string;
  readonly name: string;
  readonly type: QueryType;
}

/** `lines` queries in the mix's proportions, shuffled with a fixed seed so every run sends the same file. */
export function buildQueries(zone: string, lines = 1000, mix: readonly QueryKind[] = QUERY_MIX): Query[] {
  const total = mix.reduce((sum, k) => sum + k.percent, 0);
  if (total !== 100) throw new Error(`query mix adds up to ${total}%, not 100%`);
  const queries = mix.flatMap((kind) =>
    Array.from({ length: Math.round((lines * kind.percent) / 100) }, (_, i) => ({ kind: kind.label, name: kind.name(zone, i), type: kind.type })),
  );
  return shuffle(queries, 0x6d657269);
}

/** dnsperf's input format: `name type` per line. */
export function renderQueryFile(queries: readonly Query[]): string {
  return queries.map((q) => `${q.name} ${q.type}\n`).join('');
}

/** One query of each kind, for the cross-server answer check. */
export function sampleOfEachKind(zone: string, mix: readonly QueryKind[] = QUERY_MIX): Query[] {
  return mix.map((kind) => ({ kind: kind.label, name: kind.name(zone, 0), type: kind.type }));
}

/** Fisher–Yates with mulberry32: a seeded shuffle in a few lines, not worth a dependency. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
