/**
 * The coordinator's work for ONE store, one tick at a time (never two at once): rebuild the open
 * runbook from the audit, snapshot the store, plan (coordinator-policy.ts), and execute through
 * the real ports. An operator's switchover or rejoin is served in place of a tick, re-planned up
 * to three times if a run stops half-way. Nothing is ever resumed: every round plans afresh.
 */
import type { Logger } from '../../common/log.ts';
import type { FencingToken } from '../../coord/index.ts';
import {
  executePlan, planRejoin, planSwitchover, runbookProgress, systemClock,
  type AuditSink, type Plan, type RunOutcome, type RunPlan, type StepRecord, type StoreState,
} from '../../failover/index.ts';
import { holderRegion, readStepRecords, type RealPorts, type StoreObserver } from '../../failover/adapters/index.ts';
import type { CoordinationStore } from '../../coord/index.ts';
import { choosePlan, promotesAway, shouldExecute, type PolicySettings } from './coordinator-policy.ts';
import type { OperatorRequest, RouteAnswer } from './routes.ts';
import { planStatus, runbookStatus, type PlanStatus, type RunbookStatus } from './status.ts';

export interface StoreCoordinatorOptions {
  readonly store: string;
  readonly coord: CoordinationStore;
  readonly ports: RealPorts;
  readonly observer: StoreObserver;
  /** etcd audit stream teed with the local JSON-lines file. */
  readonly audit: AuditSink;
  readonly settings: PolicySettings;
  readonly leaseTtlMs: number;
  /** The store's primary lease key. */
  readonly leaseKey: string;
  readonly log: Logger;
  readonly onStepRecord?: (record: StepRecord) => void;
}

const OPERATOR_ROUNDS = 3;
const LEASE_POLL_MS = 100;
/** etcd extends leases by about an election timeout when its leader changes. */
const LEASE_WATCH_MARGIN_MS = 3000;
/** Beyond the lease wait: the snapshot that started it. */
const QUICK_SLACK_MS = 3000;

export class StoreCoordinator {
  private records: StepRecord[] | undefined;
  private running: Promise<void> = Promise.resolve();
  private pending = 0;
  lastPlan: PlanStatus | null = null;
  lastRunbook: RunbookStatus | null = null;
  /** The runbook being executed now, with the steps recorded so far. */
  runningRunbook: RunbookStatus | null = null;

  constructor(private readonly o: StoreCoordinatorOptions) {}

  /** After losing the election: another coordinator may write the audit now. */
  forget(): void {
    this.records = undefined;
  }

  tick(token: FencingToken): Promise<void> {
    return this.exclusive(() => this.automatic(token));
  }

  serve(token: FencingToken, request: OperatorRequest): Promise<RouteAnswer> {
    return this.exclusive(() => this.operator(token, request));
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

  private async automatic(token: FencingToken, retry = true): Promise<void> {
    // The re-plan after the lease wait reuses that wait's samples as the first look (quick).
    const state = await this.snapshot(token, retry ? undefined : this.o.leaseTtlMs + LEASE_WATCH_MARGIN_MS + QUICK_SLACK_MS);
    if (!state) return;
    const plan = choosePlan(state, Date.now(), this.o.settings);
    if (plan.kind !== 'run') {
      this.lastPlan = planStatus(plan);
      return;
    }
    const decision = shouldExecute(plan, state, { ...this.o.settings, operator: false });
    this.lastPlan = planStatus(plan, decision.execute ? { executed: true } : { executed: false, why: decision.why });
    if (decision.execute) {
      await this.execute(plan);
      return;
    }
    // Only the old primary's lease stands between this plan and a failover: watch that one key
    // closely instead of waiting for the next tick (up to TTL/2 later), then plan again from a
    // fresh snapshot, since the standbys may have moved while the old primary still streamed.
    if (retry && this.o.settings.automatic && promotesAway(plan, state) && state.lease.kind === 'held') {
      const region = state.primary.region;
      this.o.log.info({ event: 'store.awaitLease', store: this.o.store, region, token: String(state.lease.token) }, `failover of ${this.o.store} waits for ${region}'s primary lease to end`);
      const ended = await this.leaseEnds(region, this.o.leaseTtlMs + LEASE_WATCH_MARGIN_MS);
      this.o.log.info({ event: 'store.leaseEnded', store: this.o.store, region, ended }, ended ? `${region}'s primary lease ended: planning the failover again` : `${region}'s primary lease is still held`);
      if (ended) await this.automatic(token, false);
    }
  }

  /** Polls the primary lease key until it is free or held for another region; false on timeout. */
  private async leaseEnds(region: string, withinMs: number): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, LEASE_POLL_MS));
      const holder = await this.o.coord.currentHolder(this.o.leaseKey);
      if (holder.kind === 'free' || (holder.kind === 'held' && holderRegion(holder.holder) !== region)) return true;
    }
    return false;
  }

  /** Every round's outcome is in the answer: a retried step shows as failed, then ok. */
  private async operator(token: FencingToken, request: OperatorRequest): Promise<RouteAnswer> {
    const runs: RunOutcome[] = [];
    let summary = '';
    for (let round = 1; round <= OPERATOR_ROUNDS; round++) {
      const state = await this.snapshot(token);
      if (!state) return { status: 503, body: { outcome: 'unavailable', reason: this.lastPlan?.reason ?? 'no snapshot' } };
      const plan: Plan = request.kind === 'switchover'
        ? planSwitchover(state, request.to, Date.now())
        : planRejoin(state, request.region, Date.now(), request.method ? { method: request.method } : {});
      this.lastPlan = planStatus(plan, { executed: plan.kind === 'run' });
      if (plan.kind === 'noop') return answer(runs.length > 0 ? 'completed' : 'noop', runs.length > 0 ? summary : plan.reason, runs);
      if (plan.kind === 'blocked') return answer(runs.length > 0 ? 'failed' : 'blocked', plan.reason, runs);
      summary ||= plan.summary;
      const ran = await this.execute(plan);
      runs.push(ran);
      if (ran.kind === 'completed') return answer('completed', summary, runs);
    }
    return answer('failed', `the runbook did not complete in ${OPERATOR_ROUNDS} rounds`, runs);
  }

  private async snapshot(token: FencingToken, quickWithinMs?: number): Promise<StoreState | undefined> {
    if (!this.records) {
      const read = await readStepRecords(this.o.coord, this.o.store);
      if (read.kind === 'unavailable') {
        this.lastPlan = planStatus({ kind: 'unavailable', reason: `audit not readable: etcd ${read.reason}` });
        return undefined;
      }
      if (read.unreadable > 0) this.o.log.warn({ store: this.o.store, unreadable: read.unreadable }, 'audit records that do not parse were skipped');
      this.records = [...read.records];
    }
    const snap = await this.o.observer.snapshot({
      coordinatorToken: token, runbook: runbookProgress(this.records), graceMs: 2 * this.o.leaseTtlMs,
      ...(quickWithinMs === undefined ? {} : { quickWithinMs }),
    });
    if (snap.kind === 'unavailable') {
      this.lastPlan = planStatus({ kind: 'unavailable', reason: snap.reason });
      return undefined;
    }
    return snap.state;
  }

  private async execute(plan: RunPlan): Promise<RunOutcome> {
    const records = this.records ?? [];
    const done: StepRecord[] = [];
    this.runningRunbook = runbookStatus(plan, { kind: 'running', records: done });
    const audit: AuditSink = {
      append: async (record) => {
        await this.o.audit.append(record);
        records.push(record);
        done.push(record);
        this.runningRunbook = runbookStatus(plan, { kind: 'running', records: done });
        this.o.onStepRecord?.(record);
      },
    };
    this.o.log.info({ event: 'store.runbook', store: this.o.store, runbookId: plan.runbookId, summary: plan.summary, steps: plan.steps.map((s) => s.id) }, plan.summary);
    const outcome = await executePlan(plan, {
      ...this.o.ports,
      audit,
      clock: systemClock,
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

function answer(outcome: 'completed' | 'noop' | 'blocked' | 'failed', reason: string, runs: readonly RunOutcome[]): RouteAnswer {
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
