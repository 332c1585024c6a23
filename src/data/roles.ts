/**
 * Role changes on running members: promote a standby, point a standby at a new upstream, choose
 * which standbys a commit waits for. Each is idempotent, because a failover runbook interrupted
 * half-way is re-run from the top.
 */
import type pg from 'pg';
import { adminTarget, alterSystem, currentTimeline, ensureSlot, inRecovery, isUnreachable, orUnreachable, standbyConninfo } from './admin.ts';
import { slotNameFor, synchronousStandbyNamesValue } from './conf.ts';
import { queryRows, type DbTimeouts } from './connect.ts';
import { restart } from './control.ts';
import { FENCE_STANDBY_NAME } from './standby-config.ts';
import type { PgAuth, PgEndpoint, PgMember, Unreachable } from './types.ts';

export interface OpOptions {
  readonly timeouts?: Partial<DbTimeouts>;
}

export type PromoteResult =
  | { readonly kind: 'promoted'; readonly timeline: number }
  | { readonly kind: 'alreadyPrimary'; readonly timeline: number }
  /** pg_promote() gave up after `waitSeconds`; the promotion may still complete: observe and retry. */
  | { readonly kind: 'notPromotedYet' }
  | Unreachable;

/** `SELECT pg_promote(wait => true)`: ends recovery and starts a new timeline. */
export async function promote(member: PgEndpoint, auth: PgAuth, opts: OpOptions & { readonly waitSeconds?: number } = {}): Promise<PromoteResult> {
  const waitSeconds = opts.waitSeconds ?? 30;
  // The statement legitimately runs for up to waitSeconds; give both timeouts room for it.
  const timeouts = { ...opts.timeouts, statementMs: (waitSeconds + 5) * 1000 };
  return orUnreachable(adminTarget(member, auth), async (c): Promise<PromoteResult> => {
    if (!(await inRecovery(c))) return { kind: 'alreadyPrimary', timeline: await currentTimeline(c) };
    try {
      const [row] = await queryRows<{ ok: boolean }>(c, 'SELECT pg_promote(true, $1) AS ok', [waitSeconds]);
      if (!row?.ok) return { kind: 'notPromotedYet' };
    } catch (err) {
      // Another runbook promoted it between our check and our call.
      if ((err as { code?: string }).code === '55000') return { kind: 'alreadyPrimary', timeline: await currentTimeline(c) };
      throw err;
    }
    return { kind: 'promoted', timeline: await currentTimeline(c) };
  }, timeouts);
}

export type RepointResult =
  | { readonly kind: 'repointed'; readonly restarted: boolean }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'notStandby' }
  | (Unreachable & { readonly member: string });

/**
 * Make a running standby stream from `newPrimary` through its own slot there (created if
 * missing). PostgreSQL ≥ 13 applies primary_conninfo on reload (the WAL receiver restarts);
 * older servers mark it `postmaster` and we restart instead. The standby follows the new
 * timeline by itself (recovery_target_timeline = 'latest') unless it replayed past the fork
 * point: then it stays behind, and readMemberState + judgeEligibility report it as diverged.
 */
export async function repoint(standby: PgMember, newPrimary: PgEndpoint, auth: PgAuth, opts: OpOptions = {}): Promise<RepointResult> {
  const slot = slotNameFor(standby.name);
  const made = await orUnreachable(adminTarget(newPrimary, auth), (c) => ensureSlot(c, slot), opts.timeouts);
  if (isUnreachable(made)) return { ...made, member: newPrimary.name };
  const wanted = { primary_conninfo: standbyConninfo(standby, newPrimary, auth), primary_slot_name: slot };
  const outcome = await orUnreachable(adminTarget(standby, auth), async (c) => {
    if (!(await inRecovery(c))) return { kind: 'notStandby' } as const;
    if (await settingsMatch(c, wanted)) return { kind: 'unchanged' } as const;
    await alterSystem(c, wanted);
    return { kind: 'changed', needsRestart: await needsRestart(c, 'primary_conninfo') } as const;
  }, opts.timeouts);
  if (isUnreachable(outcome)) return { ...outcome, member: standby.name };
  if (outcome.kind !== 'changed') return outcome;
  if (outcome.needsRestart) await restart(standby);
  return { kind: 'repointed', restarted: outcome.needsRestart };
}

async function settingsMatch(c: pg.Client, wanted: Readonly<Record<string, string>>): Promise<boolean> {
  for (const [name, value] of Object.entries(wanted)) {
    const [row] = await queryRows<{ v: string }>(c, 'SELECT current_setting($1) AS v', [name]);
    if (row?.v !== value) return false;
  }
  return true;
}

async function needsRestart(c: pg.Client, setting: string): Promise<boolean> {
  const [row] = await queryRows<{ context: string }>(c, 'SELECT context FROM pg_settings WHERE name = $1', [setting]);
  return row?.context === 'postmaster';
}

export type SetSynchronousResult =
  | { readonly kind: 'set'; readonly value: string }
  | { readonly kind: 'unchanged'; readonly value: string }
  /** The member is fenced; changing synchronous_standby_names would lift the fence. Unfence first. */
  | { readonly kind: 'fenced' }
  | Unreachable;

/**
 * Synchronous mode: `names` → `ANY <count> ("a", "b")`, so a commit returns only once `count`
 * of those standbys flushed it. `null` → asynchronous. Allowed on a standby too (takes effect
 * when it is promoted), which is how a planner keeps sync mode across a promotion.
 */
export async function setSynchronous(
  member: PgEndpoint,
  auth: PgAuth,
  names: readonly string[] | null,
  opts: OpOptions & { readonly count?: number } = {},
): Promise<SetSynchronousResult> {
  const value = synchronousStandbyNamesValue(names, opts.count ?? 1);
  return orUnreachable(adminTarget(member, auth), async (c): Promise<SetSynchronousResult> => {
    const [row] = await queryRows<{ v: string }>(c, "SELECT current_setting('synchronous_standby_names') AS v");
    if (row?.v.includes(FENCE_STANDBY_NAME)) return { kind: 'fenced' };
    if (row?.v === value) return { kind: 'unchanged', value };
    await alterSystem(c, { synchronous_standby_names: value });
    return { kind: 'set', value };
  }, opts.timeouts);
}
