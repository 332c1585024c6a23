/**
 * The answer of GET /v1/stores/<store>/plan: what the coordinator would do, from the snapshot it
 * just took, without doing any of it. Pure: the previews come from failover/hypothetical.ts with
 * this coordinator's own planner (choosePlan) and settings, and "would it run by itself" from
 * shouldExecute, so neither the steps nor the waits can drift from what a tick does.
 *
 * Plain JSON: LSNs and byte counts as strings (64-bit), steps as the runbooks' ids and kinds.
 */
import {
  assumePrimaryLost, formatLsn, previewFailover, previewSwitchover, startsFailover,
  type ApprovalMode, type Plan, type Promotion, type StandbyLag, type StepKind, type StoreState, type WaitCode,
} from '../../failover/index.ts';
import type { CapacityCheck } from '../../capacity/index.ts';
import { choosePlan, shouldExecute, type PolicySettings } from './coordinator-policy.ts';

export interface PreviewStep {
  readonly id: string;
  readonly kind: StepKind;
  readonly reason: string;
}

/** One plan of the preview: its steps, or why it would not run. */
export interface PreviewPlan {
  readonly kind: Plan['kind'];
  /** A run plan's summary, or the reason of a noop or blocked one. */
  readonly summary: string;
  readonly steps: readonly PreviewStep[];
  /** The plan ends at a decision that needs a new look (after the freezes). */
  readonly continues?: boolean;
}

export interface PreviewWait {
  /** Null: a blocked plan without a code (the reason says it all). */
  readonly code: WaitCode | null;
  readonly reason: string;
}

export interface StorePlanPreview {
  readonly store: string;
  readonly kind: 'failover' | 'switchover';
  /** failover: the recorded primary whose loss is assumed; switchover: the target. */
  readonly subject: string;
  readonly primary: { readonly region: string; readonly timeline: number; readonly lsn: string; readonly reachable: boolean };
  /**
   * runs: every plan would run by itself (failover) or when asked (switchover); waits: a plan
   * would wait (the waits say why); blocked: the switchover cannot be done now; noop: nothing to do.
   */
  readonly outcome: 'runs' | 'waits' | 'blocked' | 'noop';
  readonly plans: readonly PreviewPlan[];
  /** Every step of every plan, in the order they would be taken. */
  readonly steps: readonly PreviewStep[];
  readonly promote: { readonly region: string; readonly timeline: number; readonly lsn: string; readonly reason: string } | null;
  /** Sync stores (failover): the proof that the candidate holds every acknowledged write, or why there is none. */
  readonly syncProof: string | null;
  /** The data at risk now: each standby's distance behind the primary. */
  readonly lag: readonly { readonly region: string; readonly bytes: string | null; readonly seconds: number | null }[];
  readonly waits: readonly PreviewWait[];
  /**
   * Failover only: whether the services could absorb the load of the primary's region if it were
   * lost with it (src/capacity), as this coordinator's agent measures it. Absent from an agent
   * without the capacity check.
   */
  readonly capacity?: { readonly region: string; readonly checks: readonly CapacityCheck[] };
}

export interface PreviewInput {
  readonly state: StoreState;
  readonly nowMs: number;
  readonly settings: PolicySettings;
  /** A switchover to this region; absent: a failover away from the recorded primary. */
  readonly to?: string;
  /** pg_stat_replication.replay_lag per standby, where the primary reported one (replication.ts). */
  readonly lagSeconds?: ReadonlyMap<string, number | null>;
  /** stores[].failover.approval: manual and off make a failover wait for (or never get) a decision. @default automatic */
  readonly approval?: ApprovalMode;
}

export function storePlanPreview(input: PreviewInput): StorePlanPreview {
  return input.to === undefined ? failover(input) : switchover(input, input.to);
}

function failover({ state, nowMs, settings, lagSeconds, approval }: PreviewInput): StorePlanPreview {
  const preview = previewFailover(state, nowMs, { planner: (s, now) => choosePlan(s, now, settings) });
  // A lost primary's lease has expired, so only the pause and failover.automatic can hold a run plan.
  const lost = assumePrimaryLost(state);
  const waits: PreviewWait[] = [];
  for (const plan of preview.plans) {
    if (plan.kind === 'blocked') waits.push({ code: plan.code ?? null, reason: plan.reason });
    if (plan.kind !== 'run') continue;
    const decision = shouldExecute(plan, lost, { ...settings, operator: false });
    if (!decision.execute && !waits.some((w) => w.reason === decision.why)) waits.push({ code: decision.code, reason: decision.why });
    if (decision.execute && approval && approval !== 'automatic' && startsFailover(plan, lost)) waits.push(approvalWait(approval));
  }
  const outcome = waits.length > 0 ? 'waits' : preview.plans.every((p) => p.kind === 'noop') ? 'noop' : 'runs';
  return body(state, 'failover', preview.lost, outcome, preview.plans, preview.promote, preview.syncProof ?? null, preview.lag, lagSeconds, waits);
}

/** An operator's switchover runs even while the store is paused or automatic is off: only the plan can refuse it. */
function switchover({ state, nowMs, settings, lagSeconds }: PreviewInput, to: string): StorePlanPreview {
  const preview = previewSwitchover(state, to, nowMs, settings);
  const plan = preview.plan;
  const waits: PreviewWait[] = plan.kind === 'blocked' ? [{ code: plan.code ?? null, reason: plan.reason }] : [];
  const outcome = plan.kind === 'run' ? 'runs' : plan.kind;
  return body(state, 'switchover', to, outcome, [plan], preview.promote, null, preview.lag, lagSeconds, waits);
}

function body(
  state: StoreState,
  kind: StorePlanPreview['kind'],
  subject: string,
  outcome: StorePlanPreview['outcome'],
  plans: readonly Plan[],
  promote: Promotion | undefined,
  syncProof: string | null,
  lag: readonly StandbyLag[],
  lagSeconds: ReadonlyMap<string, number | null> | undefined,
  waits: readonly PreviewWait[],
): StorePlanPreview {
  const primary = state.members.find((m) => m.region === state.primary.region);
  const shown = plans.map(previewPlan);
  return {
    store: state.store,
    kind,
    subject,
    primary: { region: state.primary.region, timeline: primary?.timeline ?? 0, lsn: formatLsn(primary?.replayLsn ?? 0n), reachable: primary?.reachable ?? false },
    outcome,
    plans: shown,
    steps: shown.flatMap((p) => p.steps),
    promote: promote ? { region: promote.region, timeline: promote.timeline, lsn: formatLsn(promote.lsn), reason: promote.reason } : null,
    syncProof,
    lag: lag.map((l) => ({ region: l.region, bytes: l.lagBytes === null ? null : l.lagBytes.toString(), seconds: lagSeconds?.get(l.region) ?? null })),
    waits,
  };
}

function approvalWait(mode: 'manual' | 'off'): PreviewWait {
  return mode === 'manual'
    ? { code: 'approval', reason: 'failover.approval is manual: the coordinator would record a pending run and wait for meridian approve ID' }
    : { code: 'approval-off', reason: 'no failover: approval: off: the coordinator never fails over by itself' };
}

function previewPlan(plan: Plan): PreviewPlan {
  if (plan.kind !== 'run') return { kind: plan.kind, summary: plan.reason, steps: [] };
  return {
    kind: 'run',
    summary: plan.summary,
    steps: plan.steps.map((s) => ({ id: s.id, kind: s.kind, reason: s.reason })),
    ...(plan.continues ? { continues: true } : {}),
  };
}
