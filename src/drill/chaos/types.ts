/**
 * Vocabulary of chaos rounds: the environment port (the database drills' one, plus what the
 * convergence observer needs), and the recorded history a report is computed from. Every record
 * is plain JSON with epoch milliseconds from the drill's clock, so a saved history can be judged
 * again (`buildChaosReport(history)` is pure).
 */
import type { PgTls } from '../../data/index.ts';
import type { DbDrillEnvironment, WriteOp } from '../db/types.ts';
import type { AgentStoreStatus } from './agent-status.ts';
import type { ConvergenceSnapshot, Problem } from './convergence.ts';
import type { Fault } from './plan.ts';
import type { RecordSighting } from './zombies.ts';

export interface MemberAddress {
  readonly region: string;
  readonly host: string;
  readonly port: number;
}

export interface ChaosEnvironment extends DbDrillEnvironment {
  /** The store's members, in topology order. */
  readonly members: readonly MemberAddress[];
  /** Superuser login, for reading each member's replication state. */
  /** `tls`: the lab's PostgreSQL CA, when its members require TLS of the admin role. */
  readonly admin: { readonly user: string; readonly password: string; readonly tls?: PgTls };
  /** Every answering agent's /status for the store. An agent that is cut, killed or slow is absent. */
  readAgentStatuses(): Promise<readonly AgentStoreStatus[]>;
}

export interface ChaosEvent {
  readonly atMs: number;
  readonly step: string;
  readonly detail: string;
}

export type RoundConvergence =
  | { readonly outcome: 'converged'; readonly afterMs: number; readonly atMs: number; readonly primary: string }
  | { readonly outcome: 'timedOut'; readonly afterMs: number; readonly primary: string | null; readonly problems: readonly Problem[] };

export interface RoundRecord {
  readonly index: number;
  readonly fault: Fault;
  /** Where the primary was when the round began (the record's region). */
  readonly primaryBefore: string | null;
  /** The regions the fault hit, in order (`eu-west`, or `eu-west, us-east` for two cuts). */
  readonly targets: readonly string[];
  readonly startedAtMs: number;
  /** The last heal, thaw or restart: the convergence bound counts from here. */
  readonly faultEndedAtMs: number;
  readonly endedAtMs: number;
  /** Injecting or undoing failed: the round is a failure whatever happened next. */
  readonly error?: string;
  readonly convergence: RoundConvergence;
  /** What the round did and saw, in order (cut, heal, the step chosen, the agent killed, …). */
  readonly events: readonly ChaosEvent[];
  /** The observation the verdict was taken from (the converged one, or the last before the bound). */
  readonly lastObservation?: ConvergenceSnapshot;
}

export interface ChaosHistory {
  readonly store: string;
  readonly replication: 'sync' | 'async';
  readonly seed: number;
  readonly leaseTtlMs: number;
  readonly targets: { readonly rtoMs: number; readonly rpoMs: number };
  readonly runId: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Bound on converging after each fault's end. */
  readonly convergeBoundMs: number;
  readonly rounds: readonly RoundRecord[];
  /** Every write of every client: `main` through the primary's name, `pinned-<region>` straight to each member. */
  readonly ops: readonly WriteOp[];
  readonly skipped: Readonly<Record<string, number>>;
  readonly survivingIds: readonly string[];
  /** Region whose primary the surviving ids were read from; null when there was none. */
  readonly survivorsFrom: string | null;
  readonly recordSightings: readonly RecordSighting[];
  readonly events: readonly ChaosEvent[];
}
