/**
 * The health gate before each step of a failback's traffic ramp, pure: every agent's GET /status
 * in, "go" or the list of what blocks out. A region passes when, on every agent that answers,
 * every endpoint it has for each gated service is routed up — `routed` is that agent's majority
 * verdict over the vantage points (src/health), so a single agent's flaky probe does not stop a
 * ramp, and an endpoint the majority sees down does. A majority of the agents must answer: a
 * minority could be the cut-off side. And the store's primary record, as each agent reads it,
 * must still name the region: a failover away from it mid-ramp means the region is not the one
 * to send traffic back to.
 */
import type { AgentReading } from '../agent/status-client.ts';

export type GateVerdict = { readonly ok: true } | { readonly ok: false; readonly blockers: readonly string[] };

export interface GateInput {
  readonly readings: readonly AgentReading[];
  readonly region: string;
  /** The services whose traffic the ramp admits (R can answer them). */
  readonly services: readonly string[];
  /** The store whose primary must still be in `region`. */
  readonly store: string;
}

export function healthGate(input: GateInput): GateVerdict {
  const { readings, region, store } = input;
  const blockers: string[] = [];
  const ok = readings.filter((r): r is Extract<AgentReading, { kind: 'ok' }> => r.kind === 'ok');
  if (ok.length * 2 <= readings.length) {
    const missing = readings.flatMap((r) => (r.kind === 'ok' ? [] : [`${r.region}: ${r.reason}`]));
    blockers.push(`only ${ok.length} of ${readings.length} agents answered, not a majority (${missing.join('; ')})`);
  }
  for (const service of input.services) {
    for (const reading of ok) {
      const endpoints = reading.status.services.find((s) => s.service === service)?.regions.find((r) => r.region === region)?.endpoints;
      if (!endpoints || endpoints.length === 0) {
        blockers.push(`${service}/${region}: the agent in ${reading.region} reports no endpoint of it`);
        continue;
      }
      const down = endpoints.filter((e) => e.routed !== 'up');
      if (down.length > 0) {
        const which = down.map((e) => `${e.address}${e.downVotes.length > 0 ? ` (down for ${e.downVotes.join(', ')})` : ''}`).join(', ');
        blockers.push(`${service}/${region}: ${down.length} of ${endpoints.length} endpoints routed down by the majority view of the agent in ${reading.region}: ${which}`);
      }
    }
  }
  for (const reading of ok) {
    const primary = reading.status.stores?.stores.find((s) => s.store === store)?.primary;
    if (primary && primary.region !== region) {
      blockers.push(`store ${store}: the agent in ${reading.region} reads the primary record naming ${primary.region}, not ${region} (the primary moved away again)`);
    }
  }
  return blockers.length === 0 ? { ok: true } : { ok: false, blockers };
}
