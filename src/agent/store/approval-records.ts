/**
 * The approval of a store's failover in etcd (decisions in failover/approval.ts): the store's
 * current run at `storeKeys.approval(store)`, written by the coordinator only, fenced by its
 * election lease like the pause; and every transition (raised, approved, rejected, expired, not
 * needed, running) appended to the audit stream `approvals-<store>`, with who decided.
 *
 * The coordinator is the only writer while it holds the lease, and operators' answers are served
 * by it between ticks, so the record is read once per term and kept; it is read again after the
 * election changes hands (forget).
 */
import { z } from 'zod';
import { describeError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type { CoordinationStore, HeldLease } from '../../coord/index.ts';
import {
  answerRun, gateApproval, runbookHistory,
  type ApprovalMode, type ApprovalRun, type GateDecision, type Plan, type PlannedStep, type RunbookHistory, type StoreState,
} from '../../failover/index.ts';
import { readStepRecords, storeKeys } from '../../failover/adapters/index.ts';
import type { RouteAnswer } from './routes.ts';

export function approvalStream(store: string): string {
  return `approvals-${store}`;
}

const RunSchema = z.object({
  id: z.string().min(1),
  store: z.string().min(1),
  situation: z.string(),
  subject: z.string(),
  summary: z.string(),
  why: z.string(),
  steps: z.array(z.object({ id: z.string(), kind: z.string(), reason: z.string() })),
  detectedAtMs: z.number(),
  expiresAtMs: z.number(),
  state: z.enum(['pending', 'approved', 'running', 'rejected', 'expired', 'not-needed']),
  decidedBy: z.string().optional(),
  decidedAtMs: z.number().optional(),
  note: z.string().optional(),
  runbookId: z.string().optional(),
});

export function decodeRun(value: unknown): ApprovalRun | undefined {
  const checked = RunSchema.safeParse(value);
  return checked.success ? checked.data : undefined;
}

export type RunRead = { readonly kind: 'read'; readonly run: ApprovalRun | null } | { readonly kind: 'unavailable'; readonly reason: string };

/** The store's current run. A value that does not parse reads as none: it gates nothing by itself, and the log says so. */
export async function readCurrentRun(coord: CoordinationStore, store: string): Promise<RunRead> {
  const read = await coord.read(storeKeys.approval(store));
  if (read.kind === 'unavailable') return read;
  if (read.kind === 'absent') return { kind: 'read', run: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.value);
  } catch {
    parsed = undefined;
  }
  return { kind: 'read', run: decodeRun(parsed) ?? null };
}

/** The audit stream's result for each state (src/coord's one vocabulary). */
const RESULT = { pending: 'pending', approved: 'ok', running: 'started', rejected: 'aborted', expired: 'skipped', 'not-needed': 'skipped' } as const;

export interface ApprovalKeeperOptions {
  readonly store: string;
  readonly mode: ApprovalMode;
  readonly expiryMs: number;
  readonly coord: CoordinationStore;
  readonly coordinatorLease: () => HeldLease | undefined;
  /** This agent's region: the actor of the records the coordinator writes by itself. */
  readonly self: string;
  readonly log: Logger;
}

export class ApprovalKeeper {
  private current: ApprovalRun | null | undefined;

  constructor(private readonly o: ApprovalKeeperOptions) {}

  get mode(): ApprovalMode {
    return this.o.mode;
  }

  /** After losing the election: another coordinator may write the record now. */
  forget(): void {
    this.current = undefined;
  }

  /**
   * The tick's decision for `plan`, after the other rules (`decision`, absent for plans that are
   * not runs): approval, and the records that go with it. A record that cannot be written never
   * lets a failover start.
   */
  async gate(plan: Plan, state: StoreState, nowMs: number, decision: GateDecision | undefined, plannedSteps: () => readonly PlannedStep[]): Promise<GateDecision | undefined> {
    // The default mode does no I/O beyond one read per term (a run left by an earlier manual mode is closed).
    if (this.current === undefined) {
      const read = await readCurrentRun(this.o.coord, this.o.store);
      if (read.kind === 'unavailable') return this.o.mode === 'automatic' ? decision : decision && unavailable(`approval record not readable: etcd ${read.reason}`);
      this.current = read.run;
    }
    const outcome = gateApproval({ mode: this.o.mode, expiryMs: this.o.expiryMs, nowMs, plan, state, current: this.current, plannedSteps, ...(decision ? { decision } : {}) });
    for (const run of outcome.writes) {
      const problem = await this.write(run, this.o.self);
      // Another rule's wait stands; otherwise nothing starts on a record that is not written
      // (automatic only closes a leftover run: that never holds a failover back).
      if (problem && this.o.mode === 'automatic') return decision;
      if (problem) return decision && !decision.execute ? decision : decision && unavailable(`approval record of ${run.id} not written (${problem}): no failover starts without it`);
    }
    return outcome.decision;
  }

  /** An operator's approve or reject, served by the coordinator between ticks. */
  async answer(request: { readonly kind: 'approve' | 'reject'; readonly id: string; readonly by: string; readonly reason?: string }, nowMs: number): Promise<RouteAnswer> {
    if (this.current === undefined) {
      const read = await readCurrentRun(this.o.coord, this.o.store);
      if (read.kind === 'unavailable') return { status: 503, body: { outcome: 'unavailable', reason: `approval record not readable: etcd ${read.reason}` } };
      this.current = read.run;
    }
    const outcome = answerRun(this.current, request, nowMs, this.o.expiryMs);
    if (outcome.kind === 'refused') {
      this.o.log.info({ event: `store.${request.kind}`, store: this.o.store, id: request.id, by: request.by }, `${request.kind} of ${request.id} by ${request.by} refused: ${outcome.says}`);
      return { status: outcome.status, body: { error: outcome.says } };
    }
    const problem = await this.write(outcome.run, request.by);
    if (problem) return { status: 503, body: { outcome: 'unavailable', reason: `${problem}; nothing changed, ask again` } };
    return { status: 200, body: { outcome: 'completed', reason: outcome.says, run: outcome.run } };
  }

  /** Puts the record (fenced), then appends the transition; undefined when the record is written. */
  private async write(run: ApprovalRun, actor: string): Promise<string | undefined> {
    const lease = this.o.coordinatorLease();
    if (!lease) return 'this agent is not the coordinator any more';
    const put = await this.o.coord.fencedTxn(lease.fence, [{ kind: 'put', key: storeKeys.approval(this.o.store), value: JSON.stringify(run) }])
      .catch((err: unknown) => ({ kind: 'unavailable' as const, reason: describeError(err) }));
    if (put.kind === 'fenced') return 'the coordinator lease was superseded';
    if (put.kind === 'unavailable') return `etcd ${put.reason}`;
    this.current = run;
    const said = describe(run);
    const level = run.state === 'pending' || run.state === 'rejected' || run.state === 'expired' ? 'warn' : 'info';
    this.o.log[level]({ event: 'store.approval', store: this.o.store, id: run.id, state: run.state, by: actor }, said);
    const appended = await this.o.coord.appendAudit(approvalStream(this.o.store), {
      actor, action: `approval:${run.state}`, result: RESULT[run.state], runbookId: run.runbookId ?? run.id,
      startedAt: new Date(run.detectedAtMs).toISOString(), ...(run.decidedAtMs !== undefined ? { endedAt: new Date(run.decidedAtMs).toISOString() } : {}),
      reason: said, details: { run },
    }).catch((err: unknown) => ({ kind: 'unavailable' as const, reason: describeError(err) }));
    if (appended.kind === 'unavailable') this.o.log.warn({ event: 'store.approval.audit', store: this.o.store, id: run.id, reason: appended.reason }, `approval transition of ${run.id} not in the audit stream: ${appended.reason}`);
    return undefined;
  }
}

function unavailable(why: string): GateDecision {
  return { execute: false, code: 'unavailable', why };
}

/** One line per transition, for the log and the audit. */
export function describe(run: ApprovalRun): string {
  const by = run.decidedBy ? ` by ${run.decidedBy}` : '';
  const note = run.note ? ` (${run.note})` : '';
  switch (run.state) {
    case 'pending': return `${run.store}: failover run ${run.id} waits for approval until ${new Date(run.expiresAtMs).toISOString()}: ${run.summary}; ${run.steps.length} planned step(s)`;
    case 'running': return `${run.store}: approved run ${run.id} starts as runbook ${run.runbookId ?? '?'}`;
    default: return `${run.store}: run ${run.id} ${run.state}${by}${note}`;
  }
}

/** What `meridian runs` shows of one store: the current run, past approval runs (newest first) and runbooks. */
export interface StoreRuns {
  readonly store: string;
  readonly current: ApprovalRun | null;
  /** Each run's last state, with every transition. */
  readonly runs: readonly (ApprovalRun & { readonly transitions: readonly { readonly state: string; readonly by: string; readonly at: string }[] })[];
  readonly runbooks: readonly RunbookHistory[];
}

const RUNS_SHOWN = 20;

/** Reads the store's current run, its approval stream and its runbook audit (any agent can: etcd has them all). */
export async function readStoreRuns(coord: CoordinationStore, store: string): Promise<{ kind: 'read'; runs: StoreRuns } | { kind: 'unavailable'; reason: string }> {
  const [current, stream, steps] = await Promise.all([readCurrentRun(coord, store), coord.readAudit(approvalStream(store)), readStepRecords(coord, store)]);
  for (const r of [current, stream, steps]) if (r.kind === 'unavailable') return r;
  if (current.kind !== 'read' || stream.kind !== 'read' || steps.kind !== 'read') throw new Error('unreachable');
  const byId = new Map<string, { run: ApprovalRun; transitions: { state: string; by: string; at: string }[] }>();
  for (const entry of stream.entries) {
    const run = decodeRun(entry.record.details?.run);
    if (!run) continue;
    const seen = byId.get(run.id) ?? { run, transitions: [] };
    seen.run = run;
    seen.transitions.push({ state: run.state, by: entry.record.actor, at: entry.record.endedAt ?? entry.record.startedAt });
    byId.set(run.id, seen);
  }
  // The record is the truth when the stream missed a transition.
  if (current.run) {
    const seen = byId.get(current.run.id);
    if (seen) seen.run = current.run;
    else byId.set(current.run.id, { run: current.run, transitions: [] });
  }
  const runs = [...byId.values()].map((v) => ({ ...v.run, transitions: v.transitions })).sort((a, b) => b.detectedAtMs - a.detectedAtMs).slice(0, RUNS_SHOWN);
  const runbooks = runbookHistory(steps.records).sort((a, b) => b.startedAtMs - a.startedAtMs).slice(0, RUNS_SHOWN);
  return { kind: 'read', runs: { store, current: current.run, runs, runbooks } };
}
