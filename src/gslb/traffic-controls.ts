/**
 * Operators' traffic controls: drains (a region out of a service's answers while it stays healthy,
 * for maintenance) and weight overrides of weighted services. Plain data, and pure functions to
 * read and change it; the answer table takes them as an input of `decide` (policy.ts), the safety
 * rules judge a change (traffic-safety.ts), etcd stores them (traffic-records.ts).
 */

/** Who changed a control, when and why: shown on /status, the dashboard and `traffic status`. */
export interface ControlOrigin {
  /** The operator (MERIDIAN_OPERATOR, else user@host; the dashboard sends its own). */
  readonly by: string;
  /** ISO-8601 wall clock, for people. */
  readonly at: string;
  readonly reason: string;
  /** Set with --force: a safety rule refused it and the operator overrode the rule. */
  readonly forced: boolean;
}

export interface Drain extends ControlOrigin {
  readonly region: string;
  /** Absent: every service, including services added to the topology later. */
  readonly service?: string;
}

export interface WeightOverride extends ControlOrigin {
  readonly service: string;
  readonly region: string;
  readonly weight: number;
}

export interface TrafficControls {
  readonly drains: readonly Drain[];
  readonly weights: readonly WeightOverride[];
}

export const NO_CONTROLS: TrafficControls = Object.freeze({ drains: [], weights: [] });

/** The drain that keeps `region` out of `service`: the service's own first, else the all-services one. */
export function drainOf(controls: TrafficControls, service: string, region: string): Drain | undefined {
  const mine = controls.drains.filter((d) => d.region === region);
  return mine.find((d) => d.service === service) ?? mine.find((d) => d.service === undefined);
}

/** The weight `region` has for a weighted `service`: the override, else the topology's. */
export function weightOf(controls: TrafficControls, service: string, region: string, configured: number): number {
  return overrideOf(controls, service, region)?.weight ?? configured;
}

export function overrideOf(controls: TrafficControls, service: string, region: string): WeightOverride | undefined {
  return controls.weights.find((w) => w.service === service && w.region === region);
}

/** Adds `drain`, replacing a drain of the same scope (same region, same service or both all). */
export function withDrain(controls: TrafficControls, drain: Drain): TrafficControls {
  const others = controls.drains.filter((d) => !sameScope(d, drain.region, drain.service));
  return { ...controls, drains: sortDrains([...others, drain]) };
}

/** Removes the drain of exactly that scope; without `service`, every drain of the region. */
export function withoutDrain(controls: TrafficControls, region: string, service?: string): TrafficControls {
  const kept = controls.drains.filter((d) => d.region !== region || (service !== undefined && d.service !== service));
  return { ...controls, drains: kept };
}

export function withWeight(controls: TrafficControls, override: WeightOverride): TrafficControls {
  const others = controls.weights.filter((w) => !(w.service === override.service && w.region === override.region));
  return { ...controls, weights: [...others, override].sort((a, b) => a.service.localeCompare(b.service) || a.region.localeCompare(b.region)) };
}

export function withoutWeight(controls: TrafficControls, service: string, region: string): TrafficControls {
  return { ...controls, weights: controls.weights.filter((w) => !(w.service === service && w.region === region)) };
}

/** A short phrase for reasons and events: `drained by alice (kernel upgrade)`. */
export function describeDrain(d: Drain): string {
  return `drained by ${d.by}${d.reason ? ` (${d.reason})` : ''}${d.forced ? ', forced' : ''}`;
}

function sameScope(d: Drain, region: string, service: string | undefined): boolean {
  return d.region === region && d.service === service;
}

/** Deterministic order: the stored document and /status do not depend on the order of changes. */
function sortDrains(drains: readonly Drain[]): Drain[] {
  return [...drains].sort((a, b) => a.region.localeCompare(b.region) || (a.service ?? '').localeCompare(b.service ?? ''));
}
