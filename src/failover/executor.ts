/**
 * The runbook executor: applies a run Plan's steps in order through the ports and records
 * every step before and after it runs. Before each step it checks that the coordinator still
 * holds its token; a coordinator that lost it stops at once and records that.
 *
 * It never leaves an unrecorded effect behind: a step starts only after its `started` record is
 * stored. A failed step ends the run only when later steps depend on it (GATING: the fence
 * before a promotion, the freeze before a choice, the promotion itself, a switchover's ordered
 * steps); a failed or pending repoint, rejoin, mark or write check does not keep the other
 * members from being brought in line. The runbook then closes `failed` or `pending`, stays open,
 * and the next tick plans again from a fresh snapshot: see reconcile.ts.
 */
import { describeError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import { RUNBOOK_STEP_ID, type AuditSink, type RecordResult, type StepRecord } from './audit.ts';
import type { Clock, LeaseCheck, ReplicaControl, TrafficControl } from './ports.ts';
import { coordinatorStatus, runStep, type ActionContext, type ExecutorTiming } from './step-actions.ts';
import type { Plan, Step } from './types.ts';

export type RunPlan = Extract<Plan, { kind: 'run' }>;

export interface ExecutorDeps {
  readonly replica: ReplicaControl;
  readonly traffic: TrafficControl;
  readonly lease: LeaseCheck;
  /** Use teeAudit(coordination store sink, jsonlAuditSink(path)) to keep both. */
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly timing?: Partial<ExecutorTiming>;
  readonly log?: Logger;
}

export type RunOutcome =
  | { readonly kind: 'completed'; readonly runbookId: string; readonly records: readonly StepRecord[] }
  /** Every step ran; some effects are not observed yet (a rebuild running): the runbook stays open. */
  | { readonly kind: 'pending'; readonly runbookId: string; readonly stepId: string; readonly detail: string; readonly records: readonly StepRecord[] }
  /** A step failed; the runbook stays open for the next plan. */
  | { readonly kind: 'failed'; readonly runbookId: string; readonly stepId: string; readonly detail: string; readonly records: readonly StepRecord[] }
  /** The coordinator lost its lease: nothing more was done. */
  | { readonly kind: 'stopped'; readonly runbookId: string; readonly stepId: string; readonly detail: string; readonly records: readonly StepRecord[] }
  /** A record could not be stored, so the executor stopped (the step's effect may or may not have happened). */
  | { readonly kind: 'unrecorded'; readonly runbookId: string; readonly stepId: string; readonly detail: string; readonly records: readonly StepRecord[] };

const DEFAULT_TIMING: ExecutorTiming = { pollMs: 200, fenceTimeoutMs: 60_000, catchupTimeoutMs: 60_000 };

/** Steps later steps depend on: when one fails, the rest of the plan is not run. */
const GATING: ReadonlySet<Step['kind']> = new Set([
  'await-fence', 'freeze', 'promote', 'await-catchup', 'block-writes', 'demote', 'resume-writes',
]);

class AuditFailed extends Error {}

export async function executePlan(plan: RunPlan, deps: ExecutorDeps): Promise<RunOutcome> {
  const ctx: ActionContext = {
    replica: deps.replica,
    traffic: deps.traffic,
    lease: deps.lease,
    clock: deps.clock,
    timing: { ...DEFAULT_TIMING, ...deps.timing },
    token: plan.token,
  };
  const records: StepRecord[] = [];
  const { runbookId } = plan;
  const record = async (r: Omit<StepRecord, 'runbookId' | 'token'>): Promise<void> => {
    const full: StepRecord = { runbookId, token: plan.token, ...r };
    try {
      await deps.audit.append(full);
    } catch (err) {
      throw new AuditFailed(describeError(err));
    }
    records.push(full);
    deps.log?.info({ runbookId, stepId: full.stepId, result: full.result, detail: full.detail }, 'failover step');
  };
  const closeRunbook = (result: RecordResult, detail: string, startedAtMs: number) =>
    record({ stepId: RUNBOOK_STEP_ID, kind: 'runbook', startedAtMs, endedAtMs: deps.clock.nowMs(), result, detail });

  const openedAt = deps.clock.nowMs();
  let current: Step | undefined;
  /** The first step that failed or is pending without stopping the run. */
  let unfinished: { stepId: string; detail: string; result: 'failed' | 'pending' } | undefined;
  try {
    await record({
      stepId: RUNBOOK_STEP_ID, kind: 'runbook', startedAtMs: openedAt, result: 'started',
      detail: `${plan.summary}; ${plan.steps.length} step(s): ${plan.steps.map((s) => s.id).join(', ') || 'none'}`,
      runbook: { kind: plan.runbook, subject: plan.subject },
    });
    for (const s of plan.steps) {
      current = s;
      const lost = await coordinatorStatus(ctx);
      if (lost) {
        const now = deps.clock.nowMs();
        await record({ stepId: s.id, kind: s.kind, startedAtMs: now, endedAtMs: now, result: 'skipped', detail: `not run: ${lost}` });
        await closeRunbook('failed', `stopped before ${s.id}: ${lost}`, openedAt);
        return { kind: 'stopped', runbookId, stepId: s.id, detail: lost, records };
      }
      const startedAtMs = deps.clock.nowMs();
      await record({ stepId: s.id, kind: s.kind, startedAtMs, result: 'started', detail: s.reason });
      const result = await runStep(s, ctx);
      const ended = { stepId: s.id, kind: s.kind, startedAtMs, endedAtMs: deps.clock.nowMs(), detail: result.detail };
      if (result.kind === 'ok') {
        await record({ ...ended, result: 'ok' });
        continue;
      }
      const recorded = result.kind === 'pending' ? 'pending' : 'failed';
      await record({ ...ended, result: recorded });
      if (result.kind === 'lost' || (result.kind === 'failed' && GATING.has(s.kind))) {
        await closeRunbook('failed', `stopped at ${s.id}: ${result.detail}`, openedAt);
        return { kind: result.kind === 'lost' ? 'stopped' : 'failed', runbookId, stepId: s.id, detail: result.detail, records };
      }
      if (!unfinished || (unfinished.result === 'pending' && recorded === 'failed')) unfinished = { stepId: s.id, detail: result.detail, result: recorded };
    }
    if (unfinished) {
      await closeRunbook(unfinished.result, `${unfinished.stepId} ${unfinished.result}: ${unfinished.detail}; the next tick looks again`, openedAt);
      return { kind: unfinished.result, runbookId, stepId: unfinished.stepId, detail: unfinished.detail, records };
    }
    if (plan.continues) await closeRunbook('pending', `all ${plan.steps.length} step(s) done; the runbook continues after a new look`, openedAt);
    else await closeRunbook('ok', `all ${plan.steps.length} step(s) done`, openedAt);
    return { kind: 'completed', runbookId, records };
  } catch (err) {
    if (!(err instanceof AuditFailed)) throw err;
    deps.log?.error({ runbookId, stepId: current?.id, err: err.message }, 'failover audit record not stored: stopping');
    return { kind: 'unrecorded', runbookId, stepId: current?.id ?? RUNBOOK_STEP_ID, detail: err.message, records };
  }
}
