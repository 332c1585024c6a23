/** How a service's health check maps onto AWS's coarser checkers (Route 53, Global Accelerator). */
import type { Service } from '../../spec/index.ts';

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * AWS checkers probe every 10 or 30 seconds, never faster: a region is found down in tens of
 * seconds, where Meridian's agents take about a second (a reason to move to `delegate` later).
 */
export function healthInterval(s: Service): 10 | 30 {
  return s.health.interval >= 30_000 ? 30 : 10;
}
