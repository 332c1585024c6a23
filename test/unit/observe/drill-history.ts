/**
 * A synthetic region-outage history for report rendering: three regions, eu-west cut at +5 s and
 * healed at +15 s; survivors drop it from DNS 700 ms after the cut, the client (TTL 2 s) keeps
 * failing on it until +2.6 s, then goes to us-east and ap-south; everything returns after the heal.
 */
import type { LoadOp, Nameserver, OutageHistory, RegionEndpoints, WatcherSample } from '../../../src/drill/index.ts';

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
export const CUT = T0 + 5_000;
export const HEAL = T0 + 15_000;
export const END = T0 + 20_000;

const ENDPOINTS: RegionEndpoints[] = [
  { region: 'eu-west', addresses: ['10.0.1.11', '10.0.1.12'] },
  { region: 'us-east', addresses: ['10.0.2.11'] },
  { region: 'ap-south', addresses: ['10.0.3.11'] },
];
const NAMESERVERS: Nameserver[] = [
  { region: 'eu-west', address: '10.0.1.1', port: 53 },
  { region: 'us-east', address: '10.0.2.1', port: 53 },
  { region: 'ap-south', address: '10.0.3.1', port: 53 },
];
const ALL = ENDPOINTS.flatMap((e) => e.addresses);
const SURVIVORS = ['10.0.2.11', '10.0.3.11'];

/** Deterministic jitter in [0, 1). */
const jitter = (i: number) => ((i * 2654435761) % 1000) / 1000;

export function syntheticHistory(): OutageHistory {
  const watcherLog: WatcherSample[] = [];
  for (let t = T0; t < END; t += 100) {
    for (const ns of NAMESERVERS) {
      const server = `${ns.address}:${ns.port}`;
      if (ns.region === 'eu-west' && t >= CUT && t < HEAL) {
        watcherLog.push({ sentAtMs: t, atMs: t + 300, server, region: ns.region, error: 'timeout' });
        continue;
      }
      const shifted = t >= CUT + 700 && t < HEAL + 900;
      watcherLog.push({ sentAtMs: t, atMs: t + 1, server, region: ns.region, addresses: shifted ? SURVIVORS : ALL });
    }
  }
  const ops: LoadOp[] = [];
  for (let t = T0, id = 1; t < END; t += 50, id++) {
    const onCut = t >= CUT && t < CUT + 2_600;
    const away = t >= CUT + 2_600 && t < HEAL + 1_200;
    const address = away ? (SURVIVORS[id % 2] as string) : (ALL[id % ALL.length] as string);
    const region = ENDPOINTS.find((e) => e.addresses.includes(address))?.region as string;
    const failing = onCut && region === 'eu-west';
    const latency = failing ? 1_000 : 4 + Math.round(jitter(id) * 12) + (away ? 20 : 0);
    ops.push({ id, startMs: t, endMs: t + latency, ok: !failing, address, ...(failing ? { error: 'timeout after 1000 ms' } : { status: 200, region }) });
  }
  return {
    region: 'eu-west',
    fqdn: 'web.global.test',
    nameservers: NAMESERVERS,
    endpoints: ENDPOINTS,
    timeline: { startMs: T0, cutAtMs: CUT, healAtMs: HEAL, restoredAtMs: HEAL + 900, endMs: END },
    ops,
    resolverLog: [],
    watcherLog: watcherLog.sort((a, b) => a.atMs - b.atMs),
  };
}
