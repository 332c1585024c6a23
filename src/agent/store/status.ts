/**
 * The `stores` part of the agent's GET /status: per store, the primary record, the lease holder,
 * the marks, what DNS answers, who coordinates, this region's own database, the lag of each
 * standby behind the primary (replication.ts), and (on the
 * coordinator) the last plan and the last runbook with every step. Plain JSON: tokens and LSNs
 * as strings.
 */
import type { ApprovalMode, ApprovalRun, RunOutcome, RunPlan, StepRecord, WaitCode } from '../../failover/index.ts';
import type { StoreView } from '../../failover/adapters/index.ts';
import type { LocalStatus } from './local-guard.ts';
import type { ReplicationStatus } from './replication.ts';

export interface StoresStatus {
  readonly supervised: boolean;
  /** Why stores are not supervised (no etcd, no credentials, no stores). */
  readonly reason?: string;
  readonly stores: readonly StoreStatus[];
}

export interface StoreStatus {
  readonly store: string;
  readonly supervised: boolean;
  readonly reason?: string;
  readonly etcd: { readonly ok: boolean; readonly reason?: string };
  readonly primary: { readonly region: string; readonly token: string; readonly timeline?: number; readonly writtenBy: string; readonly at: string } | null;
  readonly lease: { readonly holder: string; readonly token: string } | null;
  readonly marks: { readonly rejoin: readonly string[]; readonly blocked: readonly string[] };
  /** Maintenance mode: who paused the store, why, when (null: not paused). Absent in older agents. */
  readonly paused?: { readonly by: string; readonly reason: string; readonly at: string } | null;
  /** The synchronous set recorded under the primary's lease (sync stores; null: none recorded). */
  readonly syncSet?: { readonly count: number; readonly members: readonly string[] } | null;
  readonly dns: Readonly<Record<string, readonly string[]>>;
  readonly coordinator: { readonly holder: string | null; readonly token: string | null; readonly self: boolean };
  readonly local: LocalStatus | null;
  /** Lag per standby from the primary's last observation (empty when it did not answer as primary). Absent only in older agents. */
  readonly replication?: readonly ReplicationStatus[];
  readonly lastPlan: PlanStatus | null;
  /** The last runbook this agent executed to its end (completed, failed, stopped, unrecorded). */
  readonly lastRunbook: RunbookStatus | null;
  /** The runbook this agent is executing right now, with the steps recorded so far. */
  readonly runningRunbook?: RunbookStatus | null;
  /**
   * stores[].failover.approval, and (manual, off) the store's current failover run as every agent
   * last read it from etcd: a pending run shows on every agent. Absent in older agents.
   */
  readonly approval?: { readonly mode: ApprovalMode; readonly run: ApprovalRun | null };
}

export interface PlanStatus {
  readonly at: string;
  readonly kind: 'noop' | 'blocked' | 'run' | 'unavailable';
  readonly reason: string;
  readonly executed: boolean;
  /** Why a `run` plan was not executed. */
  readonly notExecuted?: string;
  /** What the reconciler waits for, as a short code (also a metric label); absent when it acts or has nothing to do. */
  readonly waiting?: WaitCode;
  readonly runbookId?: string;
  readonly steps?: readonly string[];
}

export interface RunbookStatus {
  readonly runbookId: string;
  readonly kind: string;
  readonly summary: string;
  /** `running` only in `runningRunbook`. */
  readonly outcome: RunOutcome['kind'] | 'running';
  readonly detail?: string;
  readonly steps: readonly { readonly stepId: string; readonly kind: string; readonly result: string; readonly detail: string; readonly token: string; readonly startedAt: string; readonly endedAt?: string }[];
}

export function viewStatus(view: StoreView | undefined): Pick<StoreStatus, 'primary' | 'lease' | 'marks' | 'paused' | 'syncSet'> {
  const record = view && typeof view.record === 'object' ? view.record : undefined;
  const sync = view && typeof view.sync === 'object' ? view.sync : undefined;
  return {
    paused: view?.paused ?? null,
    syncSet: sync ? { count: sync.count, members: sync.members } : null,
    primary: record
      ? { region: record.region, token: record.token.toString(), ...(record.timeline ? { timeline: record.timeline } : {}), writtenBy: record.writtenBy, at: record.at }
      : null,
    lease: view?.lease ? { holder: view.lease.holder, token: view.lease.token.toString() } : null,
    marks: { rejoin: [...(view?.rejoin.keys() ?? [])], blocked: [...(view?.blocked.keys() ?? [])] },
  };
}

export function planStatus(
  plan: { kind: 'noop' | 'blocked' | 'unavailable'; reason: string; code?: WaitCode } | RunPlan,
  execution?: { executed: boolean; why?: string; code?: WaitCode },
): PlanStatus {
  const at = new Date().toISOString();
  if (plan.kind !== 'run') {
    const waiting: WaitCode | undefined = plan.kind === 'unavailable' ? 'unavailable' : plan.kind === 'blocked' ? plan.code : undefined;
    return { at, kind: plan.kind, reason: plan.reason, executed: false, ...(waiting ? { waiting } : {}) };
  }
  return {
    at,
    kind: 'run',
    reason: plan.summary,
    executed: execution?.executed ?? false,
    ...(execution?.why ? { notExecuted: execution.why } : {}),
    ...(execution?.code ? { waiting: execution.code } : {}),
    runbookId: plan.runbookId,
    steps: plan.steps.map((s) => s.id),
  };
}

export function runbookStatus(plan: RunPlan, outcome: RunOutcome | { kind: 'running'; records: readonly StepRecord[] }): RunbookStatus {
  return {
    runbookId: plan.runbookId,
    kind: plan.runbook,
    summary: plan.summary,
    outcome: outcome.kind,
    ...(outcome.kind !== 'completed' && outcome.kind !== 'running' ? { detail: `${outcome.stepId}: ${outcome.detail}` } : {}),
    steps: outcome.records.map(stepStatus),
  };
}

function stepStatus(r: StepRecord): RunbookStatus['steps'][number] {
  return {
    stepId: r.stepId,
    kind: r.kind,
    result: r.result,
    detail: r.detail,
    token: r.token.toString(),
    startedAt: new Date(r.startedAtMs).toISOString(),
    ...(r.endedAtMs !== undefined ? { endedAt: new Date(r.endedAtMs).toISOString() } : {}),
  };
}
