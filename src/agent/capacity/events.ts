/**
 * Timeline events of the capacity check: an overload hold starts or ends, and the check recorded
 * when an automatic failover starts. Pure.
 */
import { describeCapacity, holdOverride, type CapacityCheck } from '../../capacity/index.ts';
import type { OverloadHold } from '../../gslb/index.ts';
import type { NewEvent } from '../../observe/index.ts';

export function holdEvent(vantage: string, h: OverloadHold): NewEvent {
  const override = holdOverride(h.service, h.region);
  return {
    kind: 'capacity.hold',
    summary: `${h.service}: ${h.region} is down by majority but held in the answers at ${vantage} (capacity.onOverload hold): ${describeCapacity(h.check)}; to move its traffic anyway: ${override}`,
    details: { vantage, service: h.service, region: h.region, why: 'capacity', shortfallRps: h.check.shortfallRps, check: h.check, override },
  };
}

/** `now`: what the region is now, e.g. `routed up again`, `dead: no vantage point gets an answer`. */
export function releaseEvent(vantage: string, service: string, region: string, now: string): NewEvent {
  return {
    kind: 'capacity.release',
    summary: `${service}: ${region} no longer held in the answers at ${vantage}: ${now}`,
    details: { vantage, service, region, now },
  };
}

export function failoverCheckEvent(vantage: string, e: { store: string; lost: string; runbookId: string }, checks: readonly CapacityCheck[]): NewEvent {
  const lines = checks.map(describeCapacity);
  return {
    kind: 'capacity.check',
    summary: `failover of ${e.store} away from ${e.lost} (runbook ${e.runbookId}) starts; capacity if ${e.lost} is lost: ${lines.join('; ') || 'no services'}`,
    details: { vantage, store: e.store, lost: e.lost, runbookId: e.runbookId, checks },
  };
}
