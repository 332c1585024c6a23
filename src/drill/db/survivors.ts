/**
 * Before a drill: the table the SQL write client inserts into. After it: the ids present on the
 * surviving primary, listed once per row, so an id applied twice shows up twice (the checker
 * counts it as a duplicate).
 */
import { DbUnavailable, queryRows, withClient, type PgTarget } from '../../data/index.ts';
import { DRILL_TABLE, DRILL_TABLE_DDL } from './sql-transport.ts';
import type { WrittenRows } from './types.ts';


export async function ensureDrillTable(target: PgTarget): Promise<void> {
  await withClient(target, async (c) => {
    for (const ddl of DRILL_TABLE_DDL) await c.query(ddl);
  });
}

/**
 * Right after a failover the new primary may still be busy (every slot taken by sessions waiting
 * for a standby, or slow to accept): a read that finds it so is tried again, a few times over a
 * few seconds, before the drill gives up on it (a loopback drill failed on one `full` answer).
 */
const SURVIVOR_READ_ATTEMPTS = 5;
const SURVIVOR_READ_PAUSE_MS = 1000;

export async function readSurvivingIds(target: PgTarget, runId: string, rows: WrittenRows = { kind: 'drillTable' }): Promise<string[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await readSurvivingIdsOnce(target, runId, rows);
    } catch (err) {
      const busy = err instanceof DbUnavailable && (err.code === 'full' || err.code === 'timeout' || err.code === 'notAccepting');
      if (!busy || attempt >= SURVIVOR_READ_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, SURVIVOR_READ_PAUSE_MS));
    }
  }
}

function readSurvivingIdsOnce(target: PgTarget, runId: string, rows: WrittenRows): Promise<string[]> {
  return withClient(
    target,
    async (c) => {
      if (rows.kind === 'drillTable') {
        const found = await queryRows<{ id: string }>(c, `SELECT id FROM ${DRILL_TABLE} WHERE run = $1 ORDER BY id`, [runId]);
        return found.map((r) => r.id);
      }
      const table = c.escapeIdentifier(rows.table);
      const column = c.escapeIdentifier(rows.column);
      // starts_with, not LIKE: the run id may contain '_' (a LIKE wildcard).
      const found = await queryRows<{ id: string }>(c, `SELECT ${column}::text AS id FROM ${table} WHERE starts_with(${column}::text, $1) ORDER BY 1`, [`${runId}-`]);
      return found.map((r) => r.id);
    },
    { statementMs: 30_000 },
  );
}
