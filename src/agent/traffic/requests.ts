/**
 * An operator's traffic request, served by whichever agent it reached: read the controls, judge
 * the request (planTrafficChange: the safety rules, over this agent's health snapshot), write
 * with compare-and-put on the revision read, and on a lost race read and judge again on top of
 * the other change. Every request that was judged is audited in etcd, with who asked.
 */
import type { CoordinationStore } from '../../coord/index.ts';
import { planTrafficChange, type ChangePlan, type TrafficRequest, type Violation } from '../../gslb/index.ts';
import { NO_LOADS, type LoadReadings } from '../../capacity/index.ts';
import type { HealthSnapshot } from '../../health/index.ts';
import type { Topology } from '../../spec/index.ts';
import { auditRequest, readControls, writeControls } from './etcd-controls.ts';

/** A write that keeps losing races means operators are fighting: say so rather than loop. */
const MAX_ATTEMPTS = 5;

export type TrafficOutcome =
  | { readonly outcome: 'applied'; readonly detail: string; readonly revision: string; readonly forced: boolean; readonly overridden: readonly Violation[] }
  | { readonly outcome: 'unchanged'; readonly detail: string }
  | { readonly outcome: 'refused'; readonly detail: string; readonly violations: readonly Violation[] }
  | { readonly outcome: 'invalid' | 'blocked' | 'conflict' | 'unavailable'; readonly detail: string };

export interface TrafficAnswer {
  readonly status: number;
  readonly body: TrafficOutcome & { readonly handledBy: string; readonly auditProblem?: string };
}

export interface RequestContext {
  readonly coord: CoordinationStore;
  readonly topology: Topology;
  readonly region: string;
  readonly health: () => HealthSnapshot;
  /** The measured load (the capacity rule). @default none: that rule refuses nothing */
  readonly loads?: () => LoadReadings;
  readonly now?: () => Date;
}

export async function serveTrafficRequest(ctx: RequestContext, request: TrafficRequest): Promise<TrafficAnswer> {
  const startedAt = (ctx.now ?? (() => new Date()))().toISOString();
  const outcome = await judgeAndWrite(ctx, request, startedAt);
  // Bad names and an etcd out of reach are not operator actions on the controls: the rest are.
  const judged = outcome.outcome !== 'invalid' && outcome.outcome !== 'unavailable';
  const auditProblem = judged ? await audit(ctx, request, outcome, startedAt) : undefined;
  const body = { ...outcome, handledBy: ctx.region, ...(auditProblem ? { auditProblem } : {}) };
  return { status: STATUS[outcome.outcome], body };
}

const STATUS: Record<TrafficOutcome['outcome'], number> = {
  applied: 200, unchanged: 200, refused: 409, blocked: 409, conflict: 409, invalid: 400, unavailable: 503,
};

async function judgeAndWrite(ctx: RequestContext, request: TrafficRequest, at: string): Promise<TrafficOutcome> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const read = await readControls(ctx.coord);
    if (read.kind === 'unavailable') return { outcome: 'unavailable', detail: `${read.reason}; nothing changed` };
    if (read.kind === 'unreadable') {
      return { outcome: 'blocked', detail: `the stored traffic controls (etcd key meridian/traffic/controls, revision ${read.revision}) do not parse; nothing changed (fix or delete the key with etcdctl)` };
    }
    const plan: ChangePlan = planTrafficChange(ctx.topology, ctx.health(), read.controls, request, at, ctx.loads?.() ?? NO_LOADS);
    if (plan.kind === 'invalid' || plan.kind === 'blocked' || plan.kind === 'unchanged') return { outcome: plan.kind, detail: plan.detail };
    if (plan.kind === 'refused') return { outcome: 'refused', detail: plan.detail, violations: plan.violations };
    const written = await writeControls(ctx.coord, read.revision, plan.next);
    if (written.kind === 'unavailable') return { outcome: 'unavailable', detail: `${written.reason}; the change may or may not have been stored: see meridian traffic status` };
    if (written.kind === 'written') {
      return { outcome: 'applied', detail: plan.detail, revision: written.revision.toString(), forced: plan.overridden.length > 0, overridden: plan.overridden };
    }
  }
  return { outcome: 'conflict', detail: `the traffic controls changed under this request ${MAX_ATTEMPTS} times in a row (other operators at work); nothing changed, ask again` };
}

async function audit(ctx: RequestContext, request: TrafficRequest, outcome: TrafficOutcome, startedAt: string): Promise<string | undefined> {
  const { kind, by, ...fields } = request;
  return auditRequest(ctx.coord, {
    actor: by,
    action: `traffic.${kind}`,
    result: outcome.outcome === 'applied' ? 'ok' : outcome.outcome === 'unchanged' ? 'skipped' : 'failed',
    startedAt,
    endedAt: new Date().toISOString(),
    reason: outcome.detail,
    details: { ...fields, outcome: outcome.outcome, handledBy: ctx.region, ...('revision' in outcome ? { revision: outcome.revision, forced: outcome.forced } : {}) },
  });
}
