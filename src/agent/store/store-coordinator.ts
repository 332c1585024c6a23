/**
 * The coordinator's reconciler for ONE store, one tick at a time (never two at once): rebuild
 * the open runbook from the audit, snapshot the store, plan (coordinator-policy.ts), and execute
 * through the real ports. A tick that made progress asks for the next one at once (a failover
 * freezes the standbys, then chooses from a new look); otherwise the store's own loop waits for
 * its period. Operators' requests (switchover, rejoin, pause, resume, abort) are served in
 * place of a tick. Nothing is ever resumed: every round plans afresh.
 */
import { systemClock, type Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import type { CoordinationStore, FencingToken, HeldLease } from '../../coord/index.ts';
import {
  executePlan, planRejoin, planSwitchover, runbookProgress,
  type AuditSink, type Plan, type RunOutcome, type RunPlan, type StepRecord, type StoreState,
} from '../../failover/index.ts';
import { leaseHeldFor, readStepRecords, type RealPorts, type RejoinJobReport, type StoreSnapshots } from '../../failover/adapters/index.ts';
import { startsFailover, type ApprovalMode } from '../../failover/index.ts';
import type { CapacityCheck } from '../../capacity/index.ts';
import { ApprovalKeeper } from './approval-records.ts';
import { choosePlan, promotesAway, shouldExecute, type PolicySettings } from './coordinator-policy.ts';
import { applyPause, abortRunbook } from './operator-records.ts';
import { storePlanPreview } from './plan-preview.ts';
import type { OperatorRequest, RouteAnswer } from './routes.ts';
import { planStatus, runbookStatus, type PlanStatus, type RunbookStatus } from './status.ts';

export interface StoreCoordinatorOptions {
  readonly store: string;
  readonly coord: CoordinationStore;
  readonly ports: RealPorts;
  /** How the store is observed: StoreObserver (real PostgreSQL and etcd), or a fake in unit tests. */
  readonly snapshots: StoreSnapshots;
  /** etcd audit stream teed with the local JSON-lines file. */
  readonly audit: AuditSink;
  readonly settings: PolicySettings;
  readonly leaseTtlMs: number;
  /** The store's primary lease key. */
  readonly leaseKey: string;
  /** The coordinator's election lease while held: operator records are fenced by it. */
  readonly coordinatorLease: () => HeldLease | undefined;
  readonly regions: readonly string[];
  readonly log: Logger;
  readonly clock?: Clock;
  readonly onStepRecord?: (record: StepRecord) => void;
  /** pg_stat_replication.replay_lag (seconds) per standby of `primary`, where its last answer had one; for plan previews. */
  readonly lagSeconds?: (primary: string) => ReadonlyMap<string, number | null>;
  /** stores[].failover: who decides the automatic failover (approval-records.ts). @default automatic, 10 min */
  readonly approval?: { readonly mode: ApprovalMode; readonly expiryMs: number };
  /** This agent's region: the actor of the approval records it writes. @default 'coordinator' */
  readonly self?: string;
  /** Each service's capacity check if `region` were lost now (src/capacity): for failover plans. */
  readonly capacityIfLost?: (region: string) => readonly CapacityCheck[];
  /** A failover starts (a run plan away from `lost`): the agent records the capacity check with it. */
  readonly onFailoverStart?: (event: { readonly store: string; readonly lost: string; readonly runbookId: string }) => void;
}

const OPERATOR_ROUNDS = 3;
const LEASE_POLL_MS = 100;
/** etcd extends leases by about an election timeout when its leader changes. */
const LEASE_WATCH_MARGIN_MS = 3000;
/** Beyond the lease wait: the snapshot that started it. */
const QUICK_SLACK_MS = 3000;
/** The samples of the look before a freeze serve as the first ones after it. */
const AFTER_FREEZE_QUICK_MS = 10_000;

/** What a tick asks of the store's loop. `retry`: a runbook failed; the next look comes soon (coordinator.ts). */
export type TickResult = 'again' | 'again-quick' | 'retry' | 'wait';

export class StoreCoordinator {
  private records: StepRecord[] | undefined;
  private running: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Rebuilds running on members' agents, from their `pending` answers. */
  private readonly jobs = new Map<string, RejoinJobReport>();
  lastPlan: PlanStatus | null = null;
  lastRunbook: RunbookStatus | null = null;
  /** The runbook being executed now, with the steps recorded so far. */
  runningRunbook: RunbookStatus | null = null;
  /** The pause as last read (null: not paused). */
  paused: StoreState['paused'] = null;

  private readonly approvals: ApprovalKeeper;

  constructor(private readonly o: StoreCoordinatorOptions) {
    this.approvals = new ApprovalKeeper({
      store: o.store, mode: o.approval?.mode ?? 'automatic', expiryMs: o.approval?.expiryMs ?? 10 * 60_000, coord: o.coord,
      coordinatorLease: o.coordinatorLease, self: o.self ?? 'coordinator', log: o.log,
    });
  }

  private get clock(): Clock {
    return this.o.clock ?? systemClock;
  }

  /** After losing the election: another coordinator may write the audit now. */
  forget(): void {
    this.records = undefined;
    this.jobs.clear();
    this.approvals.forget();
  }

  tick(token: FencingToken, quick = false): Promise<TickResult> {
    return this.exclusive(() => this.automatic(token, quick));
  }

  serve(token: FencingToken, request: OperatorRequest): Promise<RouteAnswer> {
    return this.exclusive(() => this.operator(token, request));
  }

  /**
   * A dry run from a fresh snapshot, taken between ticks like any other (a snapshot is not
   * re-entrant); nothing is executed or recorded, and lastPlan is left as the last tick's.
   */
  preview(token: FencingToken, to: string | undefined): Promise<RouteAnswer> {
    return this.exclusive(async () => {
      const last = this.lastPlan;
      const state = await this.snapshot(token);
      const problem = this.lastPlan;
      this.lastPlan = last;
      if (!state) return { status: 503, body: { error: `no snapshot of ${this.o.store}: ${problem?.reason ?? 'unavailable'}` } };
      if (to !== undefined && !state.members.some((m) => m.region === to)) {
        return { status: 404, body: { error: `region '${to}' is not a member of store '${this.o.store}' (members: ${state.members.map((m) => m.region).join(', ')})` } };
      }
      const lagSeconds = this.o.lagSeconds?.(state.primary.region);
      const preview = storePlanPreview({ state, nowMs: this.clock.nowMs(), settings: this.o.settings, approval: this.approvals.mode, ...(to !== undefined ? { to } : {}), ...(lagSeconds ? { lagSeconds } : {}) });
      const capacity = to === undefined && this.o.capacityIfLost ? { region: state.primary.region, checks: this.o.capacityIfLost(state.primary.region) } : undefined;
      return { status: 200, body: capacity ? { ...preview, capacity } : preview };
    });
  }

  /**
   * The tick's plan, logged when a wait changes: a store that waits (blocked, not executed)
   * left no line in the agent's log, and a demo that had no primary for a minute could not say why.
   */
  private notePlan(next: PlanStatus): void {
    const prev = this.lastPlan;
    this.lastPlan = next;
    const said = (p: PlanStatus | null) => p && `${p.kind}|${p.reason}|${p.waiting ?? ''}|${p.notExecuted ?? ''}`;
    // A noop names positions that move every tick, and an executed run logs its runbook already.
    if (next.kind === 'noop' || (next.kind === 'run' && next.executed) || said(prev) === said(next)) return;
    const why = next.notExecuted ? `; not executed: ${next.notExecuted}` : '';
    this.o.log.info({ event: 'store.plan', store: this.o.store, kind: next.kind, waiting: next.waiting }, `${this.o.store}: ${next.kind}: ${next.reason}${why}`);
  }

  /** No tick, operator request or runbook is running or queued. */
  idle(): boolean {
    return this.pending === 0;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.running.then(work).finally(() => this.pending--);
    this.running = result.then(() => undefined, () => undefined);
    return result;
  }

  private async automatic(token: FencingToken, quick: boolean, retry = true): Promise<TickResult> {
    const quickWithinMs = !retry ? this.o.leaseTtlMs + LEASE_WATCH_MARGIN_MS + QUICK_SLACK_MS : quick ? AFTER_FREEZE_QUICK_MS : undefined;
    const state = await this.snapshot(token, quickWithinMs);
    if (!state) return 'wait';
    const now = this.clock.nowMs();
    const plan = choosePlan(state, now, this.o.settings);
    if (plan.kind !== 'run') {
      await this.approvals.gate(plan, state, now, undefined, () => []);
      this.notePlan(planStatus(plan));
      return 'wait';
    }
    // Approval (stores[].failover.approval) may hold the start of a failover the other rules let run.
    const ruled = shouldExecute(plan, state, { ...this.o.settings, operator: false });
    const decision = (await this.approvals.gate(plan, state, now, ruled, () => this.plannedSteps(state, now))) ?? ruled;
    this.notePlan(planStatus(plan, decision.execute ? { executed: true } : { executed: false, why: decision.why, code: decision.code }));
    if (decision.execute) {
      if (startsFailover(plan, state)) this.o.onFailoverStart?.({ store: this.o.store, lost: state.primary.region, runbookId: plan.runbookId });
      const outcome = await this.execute(plan);
      if (outcome.kind === 'failed') return 'retry';
      if (outcome.kind !== 'completed' || plan.steps.length === 0) return 'wait';
      return plan.continues ? 'again-quick' : 'again';
    }
    // Only the old primary's lease stands between this plan and a failover: watch that one key
    // closely instead of waiting for the next tick (up to TTL/2 later), then plan again from a
    // fresh snapshot, since the standbys may have moved while the old primary still streamed.
    // Only when the quorum says its region is down: when just its database did not answer this
    // coordinator (a slow connection on a loaded machine), its own agent judges it, and watching
    // held this store's loop, and every rebuild, for TTL + 3 s per tick in chaos rounds.
    if (retry && this.o.settings.automatic && this.approvals.mode !== 'off' && !state.paused && promotesAway(plan, state) && state.lease.kind === 'held' && regionDownByQuorum(state)) {
      const region = state.primary.region;
      this.o.log.info({ event: 'store.awaitLease', store: this.o.store, region, token: String(state.lease.token) }, `failover of ${this.o.store} waits for ${region}'s primary lease to end`);
      const ended = await this.leaseEnds(region, this.o.leaseTtlMs + LEASE_WATCH_MARGIN_MS);
      this.o.log.info({ event: 'store.leaseEnded', store: this.o.store, region, ended }, ended ? `${region}'s primary lease ended: planning the failover again` : `${region}'s primary lease is still held`);
      if (ended) return this.automatic(token, false, false);
    }
    return 'wait';
  }

  /** The failover's steps as the dry run shows them (the choice after the freezes included), for a pending run. */
  private plannedSteps(state: StoreState, nowMs: number): { id: string; kind: string; reason: string }[] {
    return storePlanPreview({ state, nowMs, settings: this.o.settings }).steps.map((s) => ({ id: s.id, kind: s.kind, reason: s.reason }));
  }

  /** Polls the primary lease key until it is free or held for another region; false on timeout. */
  private async leaseEnds(region: string, withinMs: number): Promise<boolean> {
    const deadline = this.clock.nowMs() + withinMs;
    while (this.clock.nowMs() < deadline) {
      await this.clock.sleep(LEASE_POLL_MS);
      const holder = await this.o.coord.currentHolder(this.o.leaseKey);
      if (holder.kind !== 'unavailable' && !leaseHeldFor(holder.kind === 'held' ? holder : null, region)) return true;
    }
    return false;
  }

  /** Every round's outcome is in the answer: a retried step shows as failed, then ok. */
  private async operator(token: FencingToken, request: OperatorRequest): Promise<RouteAnswer> {
    if (request.kind === 'pause' || request.kind === 'resume') return this.pauseOrResume(request);
    if (request.kind === 'abort') return this.abort(token, request.by);
    if (request.kind === 'approve' || request.kind === 'reject') return this.approvals.answer(request, this.clock.nowMs());
    const runs: RunOutcome[] = [];
    let summary = '';
    for (let round = 1; round <= OPERATOR_ROUNDS; round++) {
      const state = await this.snapshot(token);
      if (!state) return { status: 503, body: { outcome: 'unavailable', reason: this.lastPlan?.reason ?? 'no snapshot' } };
      const now = this.clock.nowMs();
      const plan: Plan = request.kind === 'switchover'
        ? planSwitchover(state, request.to, now, this.o.settings)
        : planRejoin(state, request.region, now, { ...(request.method ? { method: request.method } : {}), ...(request.force ? { force: true } : {}) });
      this.lastPlan = planStatus(plan, { executed: plan.kind === 'run' });
      if (plan.kind === 'noop') return answer(runs.length > 0 ? 'completed' : 'noop', runs.length > 0 ? summary : plan.reason, runs);
      if (plan.kind === 'blocked') return answer(runs.length > 0 ? 'failed' : 'blocked', plan.reason, runs);
      summary ||= plan.summary;
      const ran = await this.execute(plan);
      runs.push(ran);
      if (ran.kind === 'completed') return answer('completed', summary, runs);
    }
    const last = runs.at(-1);
    if (last?.kind === 'pending') return answer('pending', `${summary}: ${last.stepId} is still under way (${last.detail}); the reconciler finishes it — follow with meridian db status`, runs);
    return answer('failed', `the runbook did not complete in ${OPERATOR_ROUNDS} rounds`, runs);
  }

  private async pauseOrResume(request: Extract<OperatorRequest, { kind: 'pause' | 'resume' }>): Promise<RouteAnswer> {
    const lease = this.o.coordinatorLease();
    if (!lease) return { status: 409, body: { error: 'this agent is not the coordinator any more' } };
    const outcome = await applyPause(this.o.coord, lease, this.o.store, request.kind === 'pause' ? { by: request.by, reason: request.reason ?? '', at: new Date().toISOString() } : null);
    this.o.log.info({ event: `store.${request.kind}`, store: this.o.store, by: request.by, outcome }, `${this.o.store} ${request.kind} by ${request.by}: ${outcome}`);
    return { status: outcome.startsWith('failed') ? 503 : 200, body: { outcome: outcome.startsWith('failed') ? 'unavailable' : 'completed', reason: outcome } };
  }

  private async abort(token: FencingToken, by: string): Promise<RouteAnswer> {
    const lease = this.o.coordinatorLease();
    if (!lease) return { status: 409, body: { error: 'this agent is not the coordinator any more' } };
    if (!(await this.loadRecords())) return { status: 503, body: { outcome: 'unavailable', reason: this.lastPlan?.reason ?? 'audit not readable' } };
    const open = runbookProgress(this.records ?? []);
    if (!open) return answer('noop', 'no runbook is open', []);
    const closed = await abortRunbook({ coord: this.o.coord, lease, store: this.o.store, regions: this.o.regions, audit: this.appendingAudit(), token, open, by, nowMs: this.clock.nowMs() });
    this.o.log.warn({ event: 'store.runbookAborted', store: this.o.store, runbookId: open.runbookId, by }, closed);
    return answer('completed', closed, []);
  }

  private async loadRecords(): Promise<boolean> {
    if (this.records) return true;
    const read = await readStepRecords(this.o.coord, this.o.store);
    if (read.kind === 'unavailable') {
      this.lastPlan = planStatus({ kind: 'unavailable', reason: `audit not readable: etcd ${read.reason}` });
      return false;
    }
    if (read.unreadable > 0) this.o.log.warn({ store: this.o.store, unreadable: read.unreadable }, 'audit records that do not parse were skipped');
    this.records = [...read.records];
    return true;
  }

  private async snapshot(token: FencingToken, quickWithinMs?: number): Promise<StoreState | undefined> {
    if (!(await this.loadRecords())) return undefined;
    const snap = await this.o.snapshots.snapshot({
      coordinatorToken: token, runbook: runbookProgress(this.records ?? []), graceMs: 2 * this.o.leaseTtlMs, jobs: this.jobs,
      ...(quickWithinMs === undefined ? {} : { quickWithinMs }),
    });
    if (snap.kind === 'unavailable') {
      this.lastPlan = planStatus({ kind: 'unavailable', reason: snap.reason });
      return undefined;
    }
    this.paused = snap.state.paused ?? null;
    return snap.state;
  }

  /** The audit sink of this store, keeping the in-memory records and the rebuild jobs current. */
  private appendingAudit(onRecord?: (record: StepRecord) => void): AuditSink {
    return {
      append: async (record) => {
        await this.o.audit.append(record);
        this.records?.push(record);
        this.noteJob(record);
        onRecord?.(record);
        this.o.onStepRecord?.(record);
      },
    };
  }

  /** A rebuild answered `pending` runs on the member's agent: ask again later, not every tick. */
  private noteJob(record: StepRecord): void {
    if (record.kind !== 'rejoin' || record.result === 'started') return;
    const region = record.stepId.slice('rejoin:'.length).split('<-')[0] ?? '';
    if (record.result !== 'pending') {
      this.jobs.delete(region);
      return;
    }
    const now = this.clock.nowMs();
    this.jobs.set(region, { sinceMs: this.jobs.get(region)?.sinceMs ?? now, askedAtMs: now, detail: record.detail });
  }

  private async execute(plan: RunPlan): Promise<RunOutcome> {
    const done: StepRecord[] = [];
    this.runningRunbook = runbookStatus(plan, { kind: 'running', records: done });
    const audit = this.appendingAudit((record) => {
      done.push(record);
      this.runningRunbook = runbookStatus(plan, { kind: 'running', records: done });
    });
    this.o.log.info({ event: 'store.runbook', store: this.o.store, runbookId: plan.runbookId, summary: plan.summary, steps: plan.steps.map((s) => s.id) }, plan.summary);
    const outcome = await executePlan(plan, {
      ...this.o.ports,
      audit,
      clock: this.clock,
      timing: { pollMs: 200, fenceTimeoutMs: 3 * this.o.leaseTtlMs + 5000, catchupTimeoutMs: 60_000 },
      log: this.o.log,
    });
    // A record may be in one sink and not the other: read the audit again before planning.
    if (outcome.kind === 'unrecorded') this.records = undefined;
    this.lastRunbook = runbookStatus(plan, outcome);
    this.runningRunbook = null;
    this.o.log.info({ event: 'store.runbook.end', store: this.o.store, runbookId: plan.runbookId, outcome: outcome.kind }, `runbook ${outcome.kind}`);
    return outcome;
  }
}

type AnswerOutcome = 'completed' | 'noop' | 'blocked' | 'failed' | 'pending';

function answer(outcome: AnswerOutcome, reason: string, runs: readonly RunOutcome[]): RouteAnswer {
  const last = runs.at(-1);
  return {
    status: 200,
    body: {
      outcome,
      reason,
      ...(last ? {
        runbookId: last.runbookId,
        result: last.kind,
        rounds: runs.length,
        steps: runs.flatMap((r) => r.records.map((s) => ({ stepId: s.stepId, result: s.result, detail: s.detail, token: s.token.toString() }))),
      } : {}),
      ...(last && last.kind !== 'completed' ? { failedAt: last.stepId, detail: last.detail } : {}),
    },
  };
}

/** The quorum of vantage points says the recorded primary's region is down (not just its database silent). */
function regionDownByQuorum(state: StoreState): boolean {
  return state.members.some((m) => m.region === state.primary.region && m.regionDownByQuorum);
}
