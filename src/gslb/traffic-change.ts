/**
 * An operator's traffic request (drain, undrain, weight) against the controls in force: what it
 * would change, and whether the safety rules let it. Pure: the agent reads the controls, calls
 * this, and writes `next` with a compare-and-put on the revision it read (a lost race plans again
 * on top of the other operator's change, so neither overwrites the other unseen).
 */
import { NO_LOADS, type LoadReadings } from '../capacity/index.ts';
import type { HealthSnapshot } from '../health/types.ts';
import type { Service, Topology } from '../spec/index.ts';
import {
  describeDrain, overrideOf, withDrain, withoutDrain, withoutWeight, withWeight, type TrafficControls,
} from './traffic-controls.ts';
import { checkSafety, describeViolation, type Violation } from './traffic-safety.ts';

export type TrafficRequest =
  | { readonly kind: 'drain'; readonly region: string; readonly service?: string; readonly reason?: string; readonly by: string; readonly force?: boolean }
  | { readonly kind: 'undrain'; readonly region: string; readonly service?: string; readonly by: string }
  /** `weight: null` drops the override: the topology's weight applies again. */
  | { readonly kind: 'weight'; readonly service: string; readonly region: string; readonly weight: number | null; readonly reason?: string; readonly by: string; readonly force?: boolean };

export type ChangePlan =
  /** Names the topology does not have, or a weight for a service that is not weighted. */
  | { readonly kind: 'invalid'; readonly detail: string }
  /** The state does not allow it, whatever the rules (e.g. undrain one service of a region drained for all). */
  | { readonly kind: 'blocked'; readonly detail: string }
  | { readonly kind: 'unchanged'; readonly detail: string }
  | { readonly kind: 'refused'; readonly violations: readonly Violation[]; readonly detail: string }
  /** `overridden`: the rules that refused it and `force` overrode (empty when none did). */
  | { readonly kind: 'apply'; readonly next: TrafficControls; readonly overridden: readonly Violation[]; readonly detail: string };

export function planTrafficChange(
  topology: Topology,
  health: HealthSnapshot,
  current: TrafficControls,
  request: TrafficRequest,
  atIso: string,
  /** The measured load, for the capacity rule (traffic-safety.ts); none: that rule refuses nothing. */
  loads: LoadReadings = NO_LOADS,
): ChangePlan {
  const invalid = invalidNames(topology, request);
  if (invalid) return { kind: 'invalid', detail: invalid };
  const change = proposed(topology, current, request, atIso);
  if (change.kind !== 'change') return change;
  const verdict = checkSafety(topology, health, current, change.next({ forced: false }), loads, Date.parse(atIso));
  if (verdict.kind === 'safe') return { kind: 'apply', next: change.next({ forced: false }), overridden: [], detail: change.detail };
  const rules = verdict.violations.map(describeViolation).join('; ');
  if (!('force' in request) || !request.force) {
    return { kind: 'refused', violations: verdict.violations, detail: `refused by ${rules}; nothing changed (--force overrides the rule)` };
  }
  return { kind: 'apply', next: change.next({ forced: true }), overridden: verdict.violations, detail: `${change.detail}; FORCED past ${rules}` };
}

type Proposal =
  | Extract<ChangePlan, { kind: 'unchanged' | 'blocked' | 'invalid' }>
  | { readonly kind: 'change'; readonly next: (o: { forced: boolean }) => TrafficControls; readonly detail: string };

function proposed(topology: Topology, current: TrafficControls, request: TrafficRequest, at: string): Proposal {
  const scope = (service: string | undefined) => (service ? `for ${service}` : 'for every service');
  switch (request.kind) {
    case 'drain': {
      const { region, service } = request;
      const existing = current.drains.find((d) => d.region === region && (d.service === service || d.service === undefined));
      if (existing) return { kind: 'unchanged', detail: `${region} is already ${describeDrain(existing)} ${scope(existing.service)} since ${existing.at}` };
      const undo = `meridian traffic undrain --region ${region}${service ? ` --service ${service}` : ''}`;
      return {
        kind: 'change',
        next: ({ forced }) => withDrain(current, { region, ...(service ? { service } : {}), by: request.by, at, reason: request.reason ?? '', forced }),
        detail: `${region} drained ${scope(service)} by ${request.by}: left out of every answer, fail-open included; undo: ${undo}`,
      };
    }
    case 'undrain': {
      const { region, service } = request;
      const all = current.drains.find((d) => d.region === region && d.service === undefined);
      if (service && all) {
        return { kind: 'blocked', detail: `${region} is ${describeDrain(all)} for every service; undrain it for every service with: meridian traffic undrain --region ${region}` };
      }
      const removed = current.drains.filter((d) => d.region === region && (service === undefined || d.service === service));
      if (removed.length === 0) return { kind: 'unchanged', detail: `${region} is not drained ${scope(service)}` };
      return { kind: 'change', next: () => withoutDrain(current, region, service), detail: `${region} undrained ${scope(service)} by ${request.by}: back in the answers while healthy` };
    }
    case 'weight':
      return proposedWeight(topology, current, request, at);
  }
}

function proposedWeight(topology: Topology, current: TrafficControls, request: Extract<TrafficRequest, { kind: 'weight' }>, at: string): Proposal {
  const service = topology.services.find((s) => s.name === request.service) as Service;
  const configured = service.policy.type === 'weighted' ? (service.policy.weights[request.region] ?? 0) : 0;
  const existing = overrideOf(current, request.service, request.region);
  const was = existing ? `${existing.weight}, set by ${existing.by}` : `${configured}, from the topology`;
  if (request.weight === null) {
    if (!existing) return { kind: 'unchanged', detail: `${request.service}/${request.region} has no weight override (weight ${configured}, from the topology)` };
    return { kind: 'change', next: () => withoutWeight(current, request.service, request.region), detail: `${request.service}/${request.region} weight back to ${configured} from the topology (was ${was})` };
  }
  const weight = request.weight;
  if ((existing?.weight ?? configured) === weight) {
    return { kind: 'unchanged', detail: `${request.service}/${request.region} already has weight ${weight} (${existing ? `set by ${existing.by}` : 'from the topology'})` };
  }
  return {
    kind: 'change',
    next: ({ forced }) => withWeight(current, { service: request.service, region: request.region, weight, by: request.by, at, reason: request.reason ?? '', forced }),
    detail: `${request.service}/${request.region} weight ${weight} (was ${was}); undo: meridian traffic weight --service ${request.service} --region ${request.region} --reset`,
  };
}

/** One line naming what the topology does not have; undefined when every name is known. */
export function invalidNames(topology: Topology, request: TrafficRequest): string | undefined {
  const regions = topology.regions.map((r) => r.name);
  if (!regions.includes(request.region)) return `unknown region '${request.region}' (regions: ${regions.join(', ')})`;
  if (request.service === undefined) return undefined;
  const service = topology.services.find((s) => s.name === request.service);
  if (!service) return `unknown service '${request.service}' (services: ${topology.services.map((s) => s.name).join(', ') || 'none'})`;
  if (request.kind !== 'weight') return undefined;
  if (service.policy.type !== 'weighted') {
    return `service '${service.name}' has policy ${service.policy.type}: weights apply only to weighted services (policy.type weighted); use meridian traffic drain to take a region out`;
  }
  if (request.weight !== null && (!Number.isInteger(request.weight) || request.weight < 0 || request.weight > 1000)) return `weight must be an integer from 0 to 1000, not ${request.weight}`;
  if (service.endpoints && (service.endpoints[request.region] ?? []).length === 0) return `service '${service.name}' has no endpoints in region '${request.region}': a weight would answer nothing`;
  return undefined;
}
