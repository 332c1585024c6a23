/**
 * A capacity check as one line for people: plans, refusals, timeline events, /status. Pure.
 * Requests per second are rounded to whole numbers and shares to whole percents: the readings are
 * rates over a window, and more digits would only suggest a precision they do not have.
 */
import type { CapacityCheck, CheckedCapacity } from './check.ts';

export function describeCapacity(check: CapacityCheck): string {
  switch (check.kind) {
    case 'undeclared':
      return `${check.service}: no capacity declared (services[].capacity)`;
    case 'unaffected':
      return `${check.service}: does not answer from ${check.lost.join(', ')}: no load moves`;
    case 'unmeasured':
      return `${check.service}: no load measured yet: ${check.why}`;
    case 'checked':
      return `${check.service}: ${verdict(check)} (${detail(check)})`;
  }
}

/** `survivors absorb 1200 of 1500 req/s: short by 300 req/s (20%)` or `fits, 40% headroom`. */
export function verdict(c: CheckedCapacity): string {
  if (c.survivors.length === 0) return `no region left to absorb ${rps(c.totalRps)} req/s: short by ${rps(c.shortfallRps)} req/s (100%)`;
  if (!c.fits) return `survivors absorb ${rps(c.survivorsCapacityRps)} of ${rps(c.totalRps)} req/s: short by ${rps(c.shortfallRps)} req/s (${pct(c.shortRatio)}%)`;
  return `fits, ${pct(c.headroomRatio)}% headroom`;
}

function detail(c: CheckedCapacity): string {
  const lost = `${c.lost.join(', ')} ${rps(c.loadToAbsorbRps)} req/s`;
  const survivors = c.survivors.map((s) => `${s.region} ${rps(s.loadRps ?? 0)} of ${rps(s.capacityRps)} req/s, ${s.healthyInstances}/${s.instances} instances`).join('; ');
  const age = c.oldestReadingMs >= 1000 ? `; oldest reading ${Math.round(c.oldestReadingMs / 1000)} s old` : '';
  return `load to absorb: ${lost}; survivors: ${survivors || 'none'}${age}`;
}

const rps = (n: number) => String(Math.round(n));
const pct = (ratio: number) => String(Math.round(ratio * 100));
