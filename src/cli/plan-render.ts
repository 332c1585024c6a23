/**
 * `meridian plan …` as text: the agents' dry-run answers (GET /v1/stores/<store>/plan and
 * /v1/traffic/plan/drain) rendered for a person. Pure: a document in, lines out; nothing is
 * computed here that the agent did not compute (the steps, the choice, the rules are theirs).
 */
import type { StorePlanPreview } from '../agent/store/plan-preview.ts';
import { describeCapacity, type CapacityCheck } from '../capacity/index.ts';
import type { DrainPreview } from '../gslb/index.ts';
import { formatTable } from './output.ts';

/** The drain route's answer: the preview plus where it was judged. */
export type DrainPlanAnswer = DrainPreview & { readonly region: string; readonly service?: string; readonly revision: string; readonly judgedBy: string };

export function renderStorePlan(p: StorePlanPreview): string {
  const lines: string[] = [];
  const pos = `${p.primary.lsn} on timeline ${p.primary.timeline}${p.primary.reachable ? '' : ', not answering'}`;
  lines.push(p.kind === 'failover'
    ? `dry run: failover of ${p.store} if its primary ${p.subject} (${pos}) were lost now; nothing was changed`
    : `dry run: switchover of ${p.store} from ${p.primary.region} (${pos}) to ${p.subject}; nothing was changed`);
  lines.push(`verdict: ${VERDICT[p.kind][p.outcome]}`);
  if (p.promote) lines.push(`promote: ${p.promote.region} at ${p.promote.lsn} on timeline ${p.promote.timeline}: ${p.promote.reason}`);
  if (p.syncProof) lines.push(`sync proof: ${p.syncProof}`);
  for (const w of p.waits) lines.push(`waits${w.code ? ` (${w.code})` : ''}: ${w.reason}`);
  p.plans.forEach((plan, i) => {
    const head = p.plans.length > 1 ? `plan ${i + 1} of ${p.plans.length}` : 'plan';
    lines.push(`${head} (${plan.kind}): ${plan.summary}${plan.continues ? ' (then a new look at the frozen positions)' : ''}`);
  });
  let out = `${lines.join('\n')}\n`;
  if (p.steps.length > 0) out += formatTable(['#', 'step', 'kind', 'reason'], p.steps.map((s, i) => [String(i + 1), s.id, s.kind, s.reason]));
  out += 'data at risk now (each standby behind the primary):\n';
  out += p.lag.length > 0
    ? formatTable(['standby', 'lag bytes', 'lag seconds'], p.lag.map((l) => [l.region, l.bytes ?? 'unknown', l.seconds === null ? '-' : String(l.seconds)]))
    : '  no standby\n';
  if (p.capacity) out += capacityLines(`capacity if ${p.capacity.region} were lost with the primary (its services' load moves to the other regions)`, p.capacity.checks);
  return out;
}

/** The capacity check of each service, one line each (src/capacity/describe.ts). */
function capacityLines(head: string, checks: readonly CapacityCheck[]): string {
  if (checks.length === 0) return `${head}: no services\n`;
  return `${head}:\n${checks.map((c) => `  ${describeCapacity(c)}\n`).join('')}`;
}

const VERDICT: Record<StorePlanPreview['kind'], Record<StorePlanPreview['outcome'], string>> = {
  failover: {
    runs: 'the reconciler would run these steps by itself once the primary\'s lease has expired',
    waits: 'the reconciler would wait (below): the store would stay without a writable primary until that changes',
    blocked: 'blocked',
    noop: 'nothing to do',
  },
  switchover: {
    runs: 'meridian switchover would run these steps (zero acknowledged writes lost)',
    waits: 'meridian switchover would wait',
    blocked: 'meridian switchover would be refused: this region cannot be chosen now',
    noop: 'nothing to do: it is already the primary',
  },
};

export function renderDrainPlan(p: DrainPlanAnswer): string {
  const scope = p.service ? `service ${p.service}` : 'every service';
  const head = `dry run: drain ${p.region} from ${scope}, judged by the agent of ${p.judgedBy} at etcd revision ${p.revision}; nothing was changed`;
  if (p.kind !== 'drain') return `${head}\n${p.kind}: ${p.detail}\n`;
  const verdict = p.refusals.length === 0
    ? 'verdict: meridian traffic drain would apply it'
    : `verdict: meridian traffic drain would be REFUSED; only --force (role admin) would apply it:\n${p.refusals.map((r) => `  ${r}`).join('\n')}`;
  const rows = p.services.map((s) => [
    s.service,
    s.loses ? `loses ${p.region}` : 'unchanged',
    s.now,
    s.remaining.join(', ') || 'none',
    String(s.minHealthyRegions),
  ]);
  const table = formatTable(['service', 'answers', `${p.region} now`, 'healthy, undrained after', 'min'], rows);
  // An agent from before the capacity check sends none.
  const capacity = p.services.every((s) => s.capacity) ? capacityLines(`capacity if ${p.region} is drained`, p.services.map((s) => s.capacity)) : '';
  return `${head}\n${verdict}\n${table}${capacity}`;
}
