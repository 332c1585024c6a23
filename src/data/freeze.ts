/**
 * Freezing a standby before a failover chooses its candidate (CloudNativePG does the same: stop
 * the WAL receivers, then elect). primary_conninfo is emptied and the configuration reloaded,
 * so the startup process stops its WAL receiver and starts no new one: from then on the
 * standby's position can only move by replaying what it already received. Without this, a
 * standby whose old primary comes back in the middle of a failover (a network blip healing)
 * re-attaches to it and takes WAL past the fork point of the new timeline.
 *
 * The freeze is observed, not assumed: the result is `frozen` only once pg_stat_wal_receiver
 * shows no receiver process. A repoint (roles.ts) undoes it.
 */
import { adminTarget, alterSystem, inRecovery, orUnreachable } from './admin.ts';
import { queryRows, type DbTimeouts } from './connect.ts';
import { parseOptionalLsn, type Lsn } from './lsn.ts';
import type { PgAuth, PgEndpoint, Unreachable } from './types.ts';

export type FreezeResult =
  /** No WAL receiver runs; `receiveLsn` is the last WAL it flushed (undefined if it never streamed). */
  | { readonly kind: 'frozen'; readonly receiveLsn: Lsn | undefined; readonly replayLsn: Lsn | undefined; readonly waitedMs: number }
  /** primary_conninfo is empty but the receiver had not stopped within the wait: try again. */
  | { readonly kind: 'stillReceiving'; readonly waitedMs: number }
  | { readonly kind: 'notStandby' }
  | Unreachable;

export interface FreezeOptions {
  readonly timeouts?: Partial<DbTimeouts>;
  /** How long to wait for the receiver to stop. @default 3000 */
  readonly waitMs?: number;
}

export async function freezeStandby(member: PgEndpoint, auth: PgAuth, opts: FreezeOptions = {}): Promise<FreezeResult> {
  return orUnreachable(adminTarget(member, auth), async (c): Promise<FreezeResult> => {
    if (!(await inRecovery(c))) return { kind: 'notStandby' };
    const [conf] = await queryRows<{ v: string }>(c, "SELECT current_setting('primary_conninfo') AS v");
    if (conf?.v !== '') await alterSystem(c, { primary_conninfo: '' });
    const started = Date.now();
    const deadline = started + (opts.waitMs ?? 3000);
    for (;;) {
      const [row] = await queryRows<{ receiving: boolean; receive: string | null; replay: string | null }>(c, `
        SELECT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE pid IS NOT NULL) AS receiving,
          pg_last_wal_receive_lsn()::text AS receive, pg_last_wal_replay_lsn()::text AS replay`);
      const waitedMs = Date.now() - started;
      if (row && !row.receiving) {
        return { kind: 'frozen', receiveLsn: parseOptionalLsn(row.receive), replayLsn: parseOptionalLsn(row.replay), waitedMs };
      }
      if (Date.now() > deadline) return { kind: 'stillReceiving', waitedMs };
      await new Promise((r) => setTimeout(r, 10));
    }
  }, opts.timeouts);
}
