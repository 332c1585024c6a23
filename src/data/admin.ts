/**
 * Small SQL building blocks shared by the control operations: who we connect as, replication
 * slots, reloads, and turning "could not reach it" into an `unreachable` outcome.
 */
import type pg from 'pg';
import { conninfo, slotNameFor } from './conf.ts';
import { libpqSslParams } from './tls.ts';
import { DbUnavailable, queryRows, withClient, type DbTimeouts, type PgTarget } from './connect.ts';
import type { PgAuth, PgEndpoint, Unreachable } from './types.ts';

/** Superuser connection to a member's `postgres` database. */
export function adminTarget(endpoint: Pick<PgEndpoint, 'host' | 'port'>, auth: PgAuth): PgTarget {
  return {
    host: endpoint.host, port: endpoint.port, user: auth.adminUser, password: auth.adminPassword, database: 'postgres',
    ...(auth.tls ? { tls: auth.tls } : {}),
  };
}

/**
 * primary_conninfo for `standby` streaming from `upstream`. application_name is the standby's
 * member name: that is what synchronous_standby_names and pg_stat_replication match on.
 */
export function standbyConninfo(standby: PgEndpoint, upstream: Pick<PgEndpoint, 'host' | 'port'>, auth: PgAuth): string {
  return conninfo({
    host: upstream.host,
    port: upstream.port,
    user: auth.replicationUser,
    // A passfile keeps the password out of the SQL that sets this and out of the server's log.
    ...(auth.replicationPassfile ? { passfile: auth.replicationPassfile } : { password: auth.replicationPassword }),
    application_name: standby.name,
    connect_timeout: 3,
    ...libpqSslParams(auth.tls),
  });
}

/** Run `work` against a member; if it cannot be reached, return an `unreachable` outcome. */
export async function orUnreachable<T>(
  target: PgTarget,
  work: (client: pg.Client) => Promise<T>,
  timeouts?: Partial<DbTimeouts>,
): Promise<T | Unreachable> {
  try {
    return await withClient(target, work, timeouts);
  } catch (err) {
    if (err instanceof DbUnavailable) return { kind: 'unreachable', reason: err.message };
    throw err;
  }
}

export function isUnreachable(x: unknown): x is Unreachable {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'unreachable';
}

export type SlotOutcome = 'created' | 'exists';

/**
 * Create a physical slot that reserves WAL immediately, so a standby that connects later still
 * finds everything since now. Works on a standby too (PostgreSQL ≥ 10): pre-creating slots for
 * peers keeps their WAL after this standby is promoted.
 */
export async function ensureSlot(client: pg.Client, slot: string): Promise<SlotOutcome> {
  const existing = await queryRows(client, 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  if (existing.length > 0) return 'exists';
  try {
    await queryRows(client, 'SELECT pg_create_physical_replication_slot($1, true)', [slot]);
    return 'created';
  } catch (err) {
    if (/already exists/.test(String((err as Error).message))) return 'exists';
    throw err;
  }
}

/**
 * Make sure `server` holds a slot for `memberName`. On a standby this pre-creates the slot its
 * peers will need once it is promoted, reserving their WAL from now on.
 */
export async function ensureMemberSlot(
  server: Pick<PgEndpoint, 'host' | 'port'>,
  auth: PgAuth,
  memberName: string,
  timeouts?: Partial<DbTimeouts>,
): Promise<{ kind: SlotOutcome; slot: string } | Unreachable> {
  const slot = slotNameFor(memberName);
  return orUnreachable(adminTarget(server, auth), async (c) => ({ kind: await ensureSlot(c, slot), slot }), timeouts);
}

/** Drop a member's slot on a server (a slot nobody uses keeps WAL forever and fills the disk). */
export async function dropSlot(
  server: Pick<PgEndpoint, 'host' | 'port'>,
  auth: PgAuth,
  memberName: string,
  timeouts?: Partial<DbTimeouts>,
): Promise<{ kind: 'dropped' | 'absent' } | Unreachable> {
  const slot = slotNameFor(memberName);
  return orUnreachable(adminTarget(server, auth), async (c) => {
    const rows = await queryRows(c, 'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    return { kind: rows.length > 0 ? 'dropped' : 'absent' } as const;
  }, timeouts);
}

export async function inRecovery(client: pg.Client): Promise<boolean> {
  const [row] = await queryRows<{ r: boolean }>(client, 'SELECT pg_is_in_recovery() AS r');
  return row?.r === true;
}

/** ALTER SYSTEM cannot take bind parameters, so values are escaped by pg's escapeLiteral. */
export async function alterSystem(client: pg.Client, settings: Readonly<Record<string, string | null>>): Promise<void> {
  for (const [name, value] of Object.entries(settings)) {
    const sql = value === null ? `ALTER SYSTEM RESET ${client.escapeIdentifier(name)}` : `ALTER SYSTEM SET ${client.escapeIdentifier(name)} = ${client.escapeLiteral(value)}`;
    await client.query(sql);
  }
  await client.query('SELECT pg_reload_conf()');
}

/** Wait until this session sees `name = expected`: proof the postmaster re-read its configuration. */
export async function awaitSetting(client: pg.Client, name: string, expected: string, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await queryRows<{ v: string }>(client, 'SELECT current_setting($1) AS v', [name]);
    if (row?.v === expected) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function currentTimeline(client: pg.Client): Promise<number> {
  const [row] = await queryRows<{ f: string }>(client, 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS f');
  return parseInt(row!.f.slice(0, 8), 16);
}
