/**
 * Fencing at the database, defence in depth behind the etcd lease: make a running primary stop
 * accepting writes at once, without a restart, while WAL senders keep streaming what it already
 * has (so standbys can catch up to the fenced position before one is promoted).
 *
 * Two locks, both via ALTER SYSTEM + reload, then every client backend is terminated:
 * 1. default_transaction_read_only = on: a new session's INSERT fails at once with
 *    "cannot execute INSERT in a read-only transaction" (a clear error for applications);
 * 2. synchronous_standby_names = a standby that does not exist, synchronous_commit = on: a
 *    session that deliberately opts out of read-only mode still never gets a commit ack.
 * See docs/data.md for what this does not guarantee.
 */
import { alterSystem, adminTarget, awaitSetting, inRecovery, orUnreachable } from './admin.ts';
import { synchronousStandbyNamesValue } from './conf.ts';
import { CONTROL_APPLICATION_NAME, queryRows, type DbTimeouts } from './connect.ts';
import { parseLsn, type Lsn } from './lsn.ts';
import { FENCE_STANDBY_NAME } from './standby-config.ts';
import type { DbState, PgAuth, PgEndpoint, Unreachable } from './types.ts';

/** The database refuses writes: either lock of this fence (read-only default, or the impossible sync standby). */
export function isFenced(m: DbState): boolean {
  return m.reachable && (m.readOnlyByDefault || m.synchronousStandbyNames.includes(FENCE_STANDBY_NAME));
}

export type FenceResult =
  | { readonly kind: 'fenced'; readonly lsn: Lsn; readonly terminatedBackends: number }
  | { readonly kind: 'notPrimary' }
  | Unreachable;

export async function fencePrimary(member: PgEndpoint, auth: PgAuth, opts: { readonly timeouts?: Partial<DbTimeouts> } = {}): Promise<FenceResult> {
  return orUnreachable(adminTarget(member, auth), async (c): Promise<FenceResult> => {
    if (await inRecovery(c)) return { kind: 'notPrimary' };
    await alterSystem(c, {
      default_transaction_read_only: 'on',
      synchronous_commit: 'on',
      synchronous_standby_names: synchronousStandbyNamesValue([FENCE_STANDBY_NAME]),
    });
    // Terminate only after the postmaster has the new settings, so no session can start in
    // between with the old ones.
    if (!(await awaitSetting(c, 'default_transaction_read_only', 'on'))) {
      throw new Error(`fence of ${member.name}: configuration reload not observed within 3 s`);
    }
    const [killed] = await queryRows<{ n: number }>(c, `SELECT count(pg_terminate_backend(pid))::int AS n
      FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
        AND application_name IS DISTINCT FROM $1`, [CONTROL_APPLICATION_NAME]);
    const [pos] = await queryRows<{ lsn: string }>(c, 'SELECT pg_current_wal_lsn()::text AS lsn');
    return { kind: 'fenced', lsn: parseLsn(pos!.lsn), terminatedBackends: killed?.n ?? 0 };
  }, opts.timeouts);
}

export type UnfenceResult = { readonly kind: 'unfenced' } | Unreachable;

/** Lift the fence (an aborted failover). `syncStandbyNames` restores the synchronous set (null = async). */
export async function unfencePrimary(
  member: PgEndpoint,
  auth: PgAuth,
  syncStandbyNames: readonly string[] | null,
  opts: { readonly timeouts?: Partial<DbTimeouts>; readonly count?: number } = {},
): Promise<UnfenceResult> {
  return orUnreachable(adminTarget(member, auth), async (c): Promise<UnfenceResult> => {
    await alterSystem(c, {
      default_transaction_read_only: null,
      synchronous_commit: null,
      synchronous_standby_names: synchronousStandbyNamesValue(syncStandbyNames, opts.count ?? 1),
    });
    await awaitSetting(c, 'default_transaction_read_only', 'off');
    return { kind: 'unfenced' };
  }, opts.timeouts);
}
