/** `meridian failback` as text for a person: the ramp's steps, where it stopped and what to do next. Pure. */
import type { TrafficRequest } from '../gslb/traffic-change.ts';
import type { TrafficControls } from '../gslb/traffic-controls.ts';
import { formatTable } from './output.ts';
import { reachedStep, stepRequests, type RampPlan } from './failback-ramp.ts';

export function describeRequest(r: TrafficRequest): string {
  if (r.kind === 'weight') return r.weight === null ? `${r.service}: weight back to the topology's` : `${r.service}: weight ${r.weight}`;
  if (r.kind === 'undrain') return `undrain ${r.service ?? 'every service'}`;
  return `drain ${r.service ?? 'every service'}`;
}

/**
 * Each step and the changes it makes from the controls in force, as the runner would send them
 * (a step's changes assume the steps before it are in force).
 */
export function renderRamp(plan: RampPlan, controls: TrafficControls): string {
  const reached = reachedStep(plan, controls);
  const n = plan.percents.length;
  const lines: string[] = [`traffic ramp of ${plan.region} (${n} step${n === 1 ? '' : 's'}; a health gate before each and after the last):`];
  for (const s of plan.services) {
    const how = s.admission === 'weighted'
      ? `weighted: weight ${s.weights.join(' → ')} (declared ${s.declared})`
      : s.admission === 'all-or-nothing'
        ? `${s.policy}: all of ${plan.region}'s share at once, when its drain is lifted (no weights in this policy)`
        : `${s.policy}: ${plan.region} is not one of its answers; not gated`;
    lines.push(`  ${s.service}: ${how}`);
  }
  for (const note of plan.notes) lines.push(`note: ${note}`);
  if (reached >= n) {
    lines.push(`every step is already in force: ${plan.region} takes its declared share of every service`);
    return `${lines.join('\n')}\n`;
  }
  if (reached > 0) lines.push(`steps 1 to ${reached} are already in force; it continues at step ${reached + 1}`);
  let assumed = controls;
  const rows: string[][] = [];
  for (let step = reached + 1; step <= n; step++) {
    const requests = stepRequests(plan, assumed, step, 'plan');
    rows.push([String(step), `${plan.percents[step - 1]} %`, requests.map(describeRequest).join('; ') || '(no change: held and gated)']);
    assumed = applied(assumed, requests);
  }
  return `${lines.join('\n')}\n${formatTable(['step', 'share', 'changes'], rows)}`;
}

/** The controls after `requests`, as the agents would store them (for the dry run's later steps). */
function applied(controls: TrafficControls, requests: readonly TrafficRequest[]): TrafficControls {
  let drains = [...controls.drains];
  let weights = [...controls.weights];
  for (const r of requests) {
    if (r.kind === 'undrain') drains = drains.filter((d) => d.region !== r.region || (r.service !== undefined && d.service !== r.service));
    if (r.kind === 'weight') {
      weights = weights.filter((w) => !(w.service === r.service && w.region === r.region));
      if (r.weight !== null) weights.push({ service: r.service, region: r.region, weight: r.weight, by: r.by, at: '', reason: '', forced: false });
    }
  }
  return { drains, weights };
}

/** Where to go from a stop: continue (the same command resumes at the next step) or undo. */
export function nextActions(store: string, region: string, file: string | undefined): string[] {
  const f = file ? ` -f ${file}` : '';
  return [
    `continue: once it passes, run the same command again (meridian failback --store ${store} --region ${region}${f}): it resumes at the next step`,
    `undo the traffic: meridian traffic drain --region ${region}${f} --reason "failback stopped" (the primary stays in ${region}; move it with meridian switchover --store ${store} --to <region>)`,
  ];
}
