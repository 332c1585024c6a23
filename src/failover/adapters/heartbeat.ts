/**
 * The `meridian_heartbeat` table in each member's `postgres` database: one row per writer,
 * upserted. It serves two purposes:
 * - a test write that must commit on a new primary before a runbook counts as done
 *   (validate-write), read back afterwards;
 * - WAL for standbys to replay between two eligibility samples, so a stalled replay shows
 *   (an idle primary cannot reveal one: there is nothing to replay).
 * One row per writer, so the table never grows.
 */
import { DbQueryFailed, DbUnavailable, adminTarget, queryRows, withClient, type DbTimeouts, type PgAuth, type PgEndpoint } from '../../data/index.ts';

export type HeartbeatOutcome =
  | { readonly kind: 'committed'; readonly seq: string }
  /** The member refused the write: a standby, or a primary fenced read-only. */
  | { readonly kind: 'refused'; readonly detail: string }
  | { readonly kind: 'unreachable'; readonly reason: string };

const CREATE = `CREATE TABLE IF NOT EXISTS meridian_heartbeat (
  writer text PRIMARY KEY, token text NOT NULL, seq bigint NOT NULL, at timestamptz NOT NULL DEFAULT now())`;
const UPSERT = `INSERT INTO meridian_heartbeat AS h (writer, token, seq) VALUES ($1, $2, 1)
  ON CONFLICT (writer) DO UPDATE SET token = excluded.token, seq = h.seq + 1, at = now() RETURNING seq::text AS seq`;

/** SQLSTATEs meaning "this member does not take writes now". */
const REFUSING = new Set(['25006', '57P01', '25P02']); // read_only_sql_transaction, admin_shutdown, in_failed_sql_transaction

/**
 * Who must hold the row before the commit counts: `standbys` (the database's synchronous set: a
 * test write that proves the member takes writes) or `local` (only WAL is wanted, for standbys to
 * replay: it must not wait for a synchronous standby that cannot confirm, and hold up its caller).
 */
export type HeartbeatAck = 'standbys' | 'local';

/** Commits one heartbeat row as `writer` and reads it back in a new session. */
export async function writeHeartbeat(
  member: PgEndpoint,
  auth: PgAuth,
  writer: string,
  token: string,
  timeouts: Partial<DbTimeouts>,
  ack: HeartbeatAck = 'standbys',
): Promise<HeartbeatOutcome> {
  try {
    const seq = await withClient(adminTarget(member, auth), async (c) => {
      // A session's own setting; a fenced member still refuses the row (read-only by default).
      if (ack === 'local') await c.query('SET synchronous_commit = local');
      try {
        await c.query(CREATE);
      } catch (err) {
        // Two writers creating the table at once: one of them loses on the catalog's unique index.
        if (!['23505', '42P07'].includes((err as { code?: string }).code ?? '')) throw err;
      }
      const [row] = await queryRows<{ seq: string }>(c, UPSERT, [writer, token]);
      return row?.seq ?? '0';
    }, timeouts);
    const [back] = await withClient(adminTarget(member, auth), (c) =>
      queryRows<{ seq: string; token: string }>(c, 'SELECT seq::text AS seq, token FROM meridian_heartbeat WHERE writer = $1', [writer]), timeouts);
    if (back?.seq !== seq || back.token !== token) {
      return { kind: 'refused', detail: `the row written (seq ${seq}) did not read back (found ${JSON.stringify(back ?? null)})` };
    }
    return { kind: 'committed', seq };
  } catch (err) {
    if (err instanceof DbUnavailable) return { kind: 'unreachable', reason: err.message };
    if (err instanceof DbQueryFailed && REFUSING.has(err.sqlState ?? '')) return { kind: 'refused', detail: err.message };
    throw err;
  }
}
