/**
 * The traffic half of `meridian failback`, pure: which traffic controls re-admit a region in
 * steps (10 → 25 → 50 → 100 % of its declared weight by default), and, from what the agents
 * report now, the next move: apply a step, hold, wait for the agents to apply it, stop, or done.
 * The runner (failback-runner.ts) reads the agents, calls `decideRamp`, and sends what it says.
 *
 * Level-triggered, like the reconciler: the step reached is computed from the controls in force
 * (`reachedStep`), never remembered, so a failback stopped half-way is continued by running the
 * same command again, and a step whose write was lost is simply planned again.
 *
 * Per service, by policy:
 * - `weighted`: R's weight goes up in steps, a `traffic weight` override of ceil(declared × p %)
 *   (at least 1); the last step resets the override, so the topology's weight applies again. The
 *   step's weight is set before R's drain is lifted, so R never takes its full weight at once.
 *   A weight is never lowered: an override already above a step's weight is left alone.
 * - `failover`, `geo`, `latency`, `all-healthy`: DNS answers R for all of the service's traffic
 *   that R would take, or none (a failover order puts R first or not; geo sends all of R's
 *   clients). There is no share to ramp, so the drain is lifted once, at the last step, after the
 *   weighted services' ramp and its health gates. If R is drained for every service by ONE drain,
 *   that drain can only be lifted whole (the controls have no "all but one" undrain), so it goes at
 *   the first step and every service is admitted there; the plan says so (notes).
 * - A service R cannot answer (no endpoints there, weight 0 in the topology, not in its policy's
 *   regions) is not gated; a drain of it alone is lifted at the last step.
 */
import { policyRegions } from '../gslb/policy.ts';
import { drainOf, NO_CONTROLS, overrideOf, type TrafficControls } from '../gslb/traffic-controls.ts';
import type { TrafficRequest } from '../gslb/traffic-change.ts';
import type { GateVerdict } from './failback-gate.ts';
import type { Service, Topology } from '../spec/index.ts';

export const DEFAULT_STEPS: readonly number[] = [10, 25, 50, 100];

/** How R takes a service's traffic. */
export type Admission =
  /** A weighted service where R has a declared weight above 0: ramped. */
  | 'weighted'
  /** Any other policy that can answer R: all of R's share at once. */
  | 'all-or-nothing'
  /** R cannot be answered for this service: nothing to admit, not gated. */
  | 'none';

export interface ServiceRamp {
  readonly service: string;
  readonly policy: Service['policy']['type'];
  readonly admission: Admission;
  /** weighted: the topology's weight of R. */
  readonly declared: number;
  /** weighted: R's weight at each step (index 0 = step 1); the last is `declared` (the override reset). */
  readonly weights: readonly number[];
}

export interface RampPlan {
  readonly region: string;
  readonly percents: readonly number[];
  readonly services: readonly ServiceRamp[];
  /** Step (1-based) at which each drain scope of R is lifted: a service name, or '*' for every service. */
  readonly undrainAt: Readonly<Record<string, number>>;
  /** What a person must know before it runs (e.g. a drain of every service lifted at step 1). */
  readonly notes: readonly string[];
}

/** `--steps` as typed: ascending whole percents from 1 to 100, ending at 100. Undefined: why not. */
export function parseSteps(text: string): { readonly percents: readonly number[] } | { readonly error: string } {
  const parts = text.split(',').map((p) => p.trim().replace(/%$/, ''));
  if (parts.some((p) => !/^\d{1,3}$/.test(p))) return { error: `--steps must be whole percents separated by commas, e.g. 10,25,50,100, not '${text}'` };
  const percents = parts.map(Number);
  if (percents.some((p) => p < 1 || p > 100)) return { error: `--steps must be percents from 1 to 100, not '${text}'` };
  if (percents.some((p, i) => i > 0 && p <= (percents[i - 1] ?? 0))) return { error: `--steps must go up, each step above the one before, not '${text}'` };
  if (percents.at(-1) !== 100) return { error: `--steps must end at 100 (the ramp ends at the region's declared weight), not '${text}'` };
  return { percents };
}

export function planRamp(topology: Topology, region: string, controls: TrafficControls, asked: readonly number[]): RampPlan {
  const notes: string[] = [];
  // Without a weighted service there is no share to raise: the steps before 100 % would change
  // nothing, so the ramp is one step (still gated before, and held and gated after).
  const anyWeighted = topology.services.some((s) => serviceRamp(s, topology, region, asked).admission === 'weighted');
  const percents = anyWeighted ? asked : [100];
  if (!anyWeighted && asked.length > 1) notes.push(`no weighted service answers ${region}: nothing to raise in steps, so the ramp is one step (100 %)`);
  const last = percents.length;
  const services = topology.services.map((s) => serviceRamp(s, topology, region, percents));
  const undrainAt: Record<string, number> = {};
  for (const drain of controls.drains.filter((d) => d.region === region)) {
    if (drain.service === undefined) {
      undrainAt['*'] = anyWeighted ? 1 : last;
      const whole = services.filter((s) => s.admission === 'all-or-nothing').map((s) => s.service);
      if (anyWeighted && whole.length > 0 && last > 1) {
        notes.push(
          `${region} is drained for every service by one drain, which can only be lifted whole: ${whole.join(', ')} (all-or-nothing) take all of ${region}'s share at step 1 with the weighted services' first weight; ` +
          `to admit them last instead, drain ${region} per service (meridian traffic drain --region ${region} --service S) before the failback`,
        );
      }
    } else {
      const ramp = services.find((s) => s.service === drain.service);
      undrainAt[drain.service] = ramp?.admission === 'weighted' ? 1 : last;
    }
  }
  return { region, percents, services, undrainAt, notes };
}

function serviceRamp(service: Service, topology: Topology, region: string, percents: readonly number[]): ServiceRamp {
  const base = { service: service.name, policy: service.policy.type };
  const answerable = (service.endpoints?.[region] ?? []).length > 0 && policyRegions(service, topology, NO_CONTROLS).includes(region);
  if (!answerable) return { ...base, admission: 'none', declared: 0, weights: [] };
  if (service.policy.type !== 'weighted') return { ...base, admission: 'all-or-nothing', declared: 0, weights: [] };
  const declared = service.policy.weights[region] ?? 0;
  return { ...base, admission: 'weighted', declared, weights: percents.map((p) => (p === 100 ? declared : Math.max(1, Math.ceil((declared * p) / 100)))) };
}

/** The requests that bring the controls to step `step` (1-based): weights first, then undrains. */
export function stepRequests(plan: RampPlan, controls: TrafficControls, step: number, by: string): TrafficRequest[] {
  const { region } = plan;
  const reason = `failback of ${region}: step ${step} of ${plan.percents.length} (${plan.percents[step - 1]} %)`;
  const weights: TrafficRequest[] = plan.services.flatMap((s) => {
    const weight = s.admission === 'weighted' ? weightFor(s, controls, region, step, step === plan.percents.length) : undefined;
    return weight === undefined ? [] : [{ kind: 'weight' as const, service: s.service, region, weight, reason, by }];
  });
  const undrains: TrafficRequest[] = Object.entries(plan.undrainAt)
    .filter(([scope, at]) => at <= step && drainedIn(controls, region, scope))
    .map(([scope]) => ({ kind: 'undrain', region, by, ...(scope === '*' ? {} : { service: scope }) }));
  return [...weights, ...undrains];
}

/** The highest step (0 to n) whose state the controls already hold. */
export function reachedStep(plan: RampPlan, controls: TrafficControls): number {
  let reached = 0;
  for (let step = 1; step <= plan.percents.length; step++) {
    if (stepRequests(plan, controls, step, '').length > 0) break;
    reached = step;
  }
  return reached;
}

/**
 * The weight override step `step` needs for a weighted service (null: drop the override), or
 * undefined when none is needed. While R is drained it takes no traffic at all, so the step's
 * weight is set whatever the override says, before the drain is lifted. Undrained, a weight is
 * only ever raised; the last step drops an override below the declared weight and leaves one above.
 */
function weightFor(s: ServiceRamp, controls: TrafficControls, region: string, step: number, final: boolean): number | null | undefined {
  const override = overrideOf(controls, s.service, region)?.weight;
  if (final) return override !== undefined && override < s.declared ? null : undefined;
  const target = s.weights[step - 1] ?? s.declared;
  if (drainOf(controls, s.service, region) !== undefined) return override === target ? undefined : target;
  return (override ?? s.declared) >= target ? undefined : target;
}

function drainedIn(controls: TrafficControls, region: string, scope: string): boolean {
  return controls.drains.some((d) => d.region === region && (scope === '*' ? d.service === undefined : d.service === scope));
}

/** What the runner observed just now, for `decideRamp`. */
export interface RampObservation {
  /** The newest controls the agents read (highest etcd revision). */
  readonly controls: TrafficControls;
  /** Agents that answered with older controls than those: what was written is not applied everywhere yet. */
  readonly behind: readonly string[];
  readonly gate: GateVerdict;
  readonly nowMs: number;
  /** When this run last changed the controls (or found a ramp half-way); undefined: it has not. */
  readonly lastChangeAtMs: number | undefined;
  readonly stepWaitMs: number;
}

export type RampMove =
  /** Send these requests, in order: the next step. */
  | { readonly kind: 'apply'; readonly step: number; readonly percent: number; readonly requests: readonly TrafficRequest[] }
  /** The last change is younger than --step-wait: watch the region under it until `untilMs`. */
  | { readonly kind: 'hold'; readonly reached: number; readonly untilMs: number }
  /** Some agents still answer with older controls: wait until every one applies the step. */
  | { readonly kind: 'settling'; readonly reached: number; readonly behind: readonly string[] }
  /** The gate failed: stop here, at the last step in force. */
  | { readonly kind: 'blocked'; readonly reached: number; readonly blockers: readonly string[] }
  /** Every step is in force, held for --step-wait, and the gate still passes. */
  | { readonly kind: 'done'; readonly reached: number };

/**
 * The next move of the ramp. Order matters: nothing is judged on controls some agents have not
 * applied; a failing gate stops at once, also during a hold (the region is getting worse under
 * the step in force); a step is held for --step-wait before the next one (or before "done"), so
 * the gate has seen the region carry it.
 */
export function decideRamp(plan: RampPlan, o: RampObservation, by: string): RampMove {
  const n = plan.percents.length;
  const reached = reachedStep(plan, o.controls);
  if (o.behind.length > 0) return { kind: 'settling', reached, behind: o.behind };
  if (!o.gate.ok) return { kind: 'blocked', reached, blockers: o.gate.blockers };
  if (o.lastChangeAtMs !== undefined && o.nowMs < o.lastChangeAtMs + o.stepWaitMs) return { kind: 'hold', reached, untilMs: o.lastChangeAtMs + o.stepWaitMs };
  if (reached >= n) return { kind: 'done', reached };
  const step = reached + 1;
  return { kind: 'apply', step, percent: plan.percents[step - 1] ?? 100, requests: stepRequests(plan, o.controls, step, by) };
}
