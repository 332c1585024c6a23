/**
 * Step constructors. A step's id is derived from what it does (kind, regions, token), so
 * planning the same runbook twice gives the same ids and the audit's list of completed ids
 * can be matched against a fresh plan.
 */
import type { FencingToken, RejoinMethod, Step, SyncSet } from './types.ts';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

export const step = {
  awaitFence: (region: string, token: FencingToken, reason: string): StepOf<'await-fence'> => ({
    kind: 'await-fence', id: `await-fence:${region}@${token}`, region, token, reason,
  }),
  freeze: (region: string, reason: string): StepOf<'freeze'> => ({
    kind: 'freeze', id: `freeze:${region}`, region, reason,
  }),
  fence: (region: string, reason: string): StepOf<'fence'> => ({
    kind: 'fence', id: `fence:${region}`, region, reason,
  }),
  /** `sync`: the synchronous set the new primary starts with (null: asynchronous store). */
  promote: (region: string, sync: SyncSet | null, reason: string): StepOf<'promote'> => ({
    kind: 'promote', id: `promote:${region}`, region, sync, reason,
  }),
  repoint: (region: string, to: string, reason: string): StepOf<'repoint'> => ({
    kind: 'repoint', id: `repoint:${region}->${to}`, region, to, reason,
  }),
  switchDns: (name: string, to: string, reason: string): StepOf<'switch-dns'> => ({
    kind: 'switch-dns', id: `switch-dns:${name}->${to}`, name, to, reason,
  }),
  validateWrite: (region: string, reason: string): StepOf<'validate-write'> => ({
    kind: 'validate-write', id: `validate-write:${region}`, region, reason,
  }),
  markRejoin: (region: string, reason: string): StepOf<'mark-rejoin'> => ({
    kind: 'mark-rejoin', id: `mark-rejoin:${region}`, region, reason,
  }),
  awaitCatchup: (region: string, from: string, maxLagBytes: bigint, reason: string): StepOf<'await-catchup'> => ({
    kind: 'await-catchup', id: `await-catchup:${region}<-${from}:${maxLagBytes}`, region, from, maxLagBytes, reason,
  }),
  blockWrites: (region: string, reason: string): StepOf<'block-writes'> => ({
    kind: 'block-writes', id: `block-writes:${region}`, region, reason,
  }),
  resumeWrites: (region: string, reason: string): StepOf<'resume-writes'> => ({
    kind: 'resume-writes', id: `resume-writes:${region}`, region, reason,
  }),
  demote: (region: string, to: string, reason: string): StepOf<'demote'> => ({
    kind: 'demote', id: `demote:${region}->${to}`, region, to, reason,
  }),
  rejoin: (region: string, from: string, method: RejoinMethod, reason: string): StepOf<'rejoin'> => ({
    kind: 'rejoin', id: `rejoin:${region}<-${from}:${method}`, region, from, method, reason,
  }),
};

/** One line per step, for logs and `--dry-run` output: `promote:us-east  us-east has …`. */
export function describeStep(s: Step): string {
  return `${s.id}: ${s.reason}`;
}
