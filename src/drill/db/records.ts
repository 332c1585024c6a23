/**
 * What a database drill records: its history (every write, the fault's times, what the store and
 * the agents showed) and the shape of a check. Types only; report.ts computes the report from them.
 */
import type { WaitResult } from '../outage-report.ts';
import type { PlanChange } from './progress.ts';
import type { DbDrillKind, RunbookStepView, StoreSnapshot, WriteOp } from './types.ts';

export interface DbDrillEvent {
  readonly atMs: number;
  readonly step: string;
  readonly detail: string;
}

export interface CoordinatorKill {
  readonly region: string;
  readonly killedAtMs: number;
  /** The runbook that was open when the coordinator was killed. */
  readonly runbookId: string;
  /** Steps the agents showed finished before the kill. */
  readonly stepsDoneBeforeKill: readonly string[];
}

export interface DbDrillHistory {
  readonly drill: DbDrillKind;
  readonly store: string;
  readonly transport: 'sql' | 'http';
  readonly replication: 'sync' | 'async';
  readonly runId: string;
  readonly targets: { readonly rtoMs: number; readonly rpoMs: number };
  readonly leaseTtlMs: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Region of the primary before the fault. */
  readonly oldPrimary: string;
  /** Region the fault was injected into (the old primary's, for every drill here). */
  readonly faultRegion: string;
  readonly faultAtMs: number;
  /** When the fault was undone (heal, SIGCONT, agent restarted); absent if it never was. */
  readonly restoredAtMs?: number;
  /** The main client, and for some drills a client pinned to the old primary (`pinned` / `local`). */
  readonly ops: readonly WriteOp[];
  readonly skipped: Readonly<Record<string, number>>;
  /** Ids on the surviving primary after the drill, one entry per row. */
  readonly survivingIds: readonly string[];
  readonly survivorsFrom: string | null;
  readonly recovery: WaitResult & { readonly primary?: string; readonly by?: 'failover' | 'restartInPlace'; readonly seenAtMs?: number };
  /** Store snapshots in which something changed (primary or a member's role/reachability). */
  readonly storeChanges: readonly StoreSnapshot[];
  readonly runbookSteps: readonly (RunbookStepView & { readonly runbookId: string; readonly seenBy: string })[];
  /** The coordinators' plans as they changed (why a failover ran, or why it was blocked). */
  readonly plans?: readonly PlanChange[];
  readonly coordinatorKill?: CoordinatorKill;
  /** What the drill did, in order. */
  readonly events: readonly DbDrillEvent[];
}

export interface Check {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}
