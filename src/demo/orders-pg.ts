/**
 * OrdersStore on PostgreSQL, built to be honest during a failover:
 * - every attempt re-resolves the primary's name and reconnects after any error (a pool per
 *   address, so a moved primary is a different pool and a failed connection is discarded);
 * - attempts repeat until the request's deadline, then the outcome is `unavailable`;
 * - a retry after a lost COMMIT cannot double-insert or misreport: each request carries a random
 *   token, and a conflicting row with OUR token is rewritten (a new write whose COMMIT must be
 *   acknowledged, which in sync mode also proves the earlier row reached a standby), while a
 *   conflicting row with another token is a real duplicate;
 * - COMMIT has no server-side statement timeout: cancelling a synchronous-replication wait makes
 *   PostgreSQL report success with only a WARNING, which would acknowledge a write no standby
 *   has. The client bounds it instead, and that warning, if seen, voids the acknowledgement.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { InsertOutcome, Order, OrdersStore, ReadOutcome, ServedBy } from './orders.ts';
import { primaryCandidates, ResolveFailed, systemResolver, type LookupA } from './primary-address.ts';

export interface PgOrdersConfig {
  /** The primary's DNS name (or an address). */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** Addresses to try while nothing serves `host` (see primary-address.ts). */
  readonly fallback: readonly string[];
  /** Bound on one request, retries included. */
  readonly deadlineMs: number;
}

const CONNECT_MS = 1000;
const STATEMENT_MS = 2000;
/** Client-side read bound: a server behind a cut link never answers, not even with a timeout. */
const READ_MS = STATEMENT_MS + 1000;
const POOL_SIZE = 10;

/** Any SQLSTATE of these classes (or these codes) means "this server cannot take it now": try again. */
const RETRY_CLASSES = new Set(['08', '53', '57', '40']);
const RETRY_CODES = new Set(['25006', '55000', '58030']);

class NotWritable extends Error {}
class SyncWaitCancelled extends Error {}

export function createPgOrdersStore(config: PgOrdersConfig, resolver: LookupA = systemResolver()): OrdersStore {
  const pools = new Map<string, pg.Pool>();
  /** Servers on which the orders table is known to exist (it replicates, so once per address). */
  const schemaReady = new Set<string>();
  const poolFor = (host: string): pg.Pool => {
    let pool = pools.get(host);
    if (!pool) {
      pool = new pg.Pool({
        host, port: config.port, database: config.database, user: config.user, password: config.password,
        max: POOL_SIZE, connectionTimeoutMillis: CONNECT_MS, idleTimeoutMillis: 10_000, keepAlive: true,
        statement_timeout: STATEMENT_MS, query_timeout: READ_MS, application_name: 'meridian-demo',
      });
      pool.on('error', () => {}); // An idle connection that dies is simply dropped.
      pools.set(host, pool);
    }
    return pool;
  };

  /** Runs `work` on the current primary, retrying until the deadline; `unavailable` says why not. */
  async function onPrimary<T>(work: (c: pg.PoolClient, deadline: number, host: string) => Promise<T>): Promise<T | { kind: 'unavailable'; reason: string }> {
    const deadline = Date.now() + config.deadlineMs;
    let last = 'no attempt was made';
    for (let backoff = 50; ; backoff = Math.min(backoff * 2, 500)) {
      try {
        const candidates = await primaryCandidates(config.host, config.fallback, resolver);
        for (const host of candidates.hosts) {
          if (Date.now() >= deadline) break;
          try {
            return await attempt(poolFor(host), candidates.via === 'fallback', (c) => work(c, deadline, host));
          } catch (err) {
            if (!isRetryable(err)) return { kind: 'unavailable', reason: `${host}: ${describe(err)}` };
            last = `${host}: ${describe(err)}`;
          }
        }
      } catch (err) {
        if (!(err instanceof ResolveFailed)) throw err;
        last = err.message;
      }
      if (Date.now() + backoff >= deadline) return { kind: 'unavailable', reason: `no primary took it within ${config.deadlineMs}ms; last: ${last}` };
      await sleep(backoff);
    }
  }

  return {
    async insert(order): Promise<InsertOutcome> {
      const token = randomUUID();
      return onPrimary(async (c, deadline, host) => {
        if (!schemaReady.has(host)) {
          await ensureSchema(c);
          schemaReady.add(host);
        }
        await c.query('BEGIN');
        const inserted = await c.query<{ created_at: Date }>(INSERT_SQL, [order.id, order.region, JSON.stringify(order.payload), token]);
        const row = inserted.rows[0];
        if (!row) {
          await c.query('ROLLBACK');
          return { kind: 'duplicate' } as const;
        }
        const servedBy = await readServedBy(c);
        await commitAcknowledged(c, deadline);
        return { kind: 'created', createdAt: row.created_at.toISOString(), servedBy } as const;
      });
    },
    async get(id): Promise<ReadOutcome<Order>> {
      return onPrimary(async (c) => {
        const rows = await readOrders(c, 'WHERE id = $1', [id]);
        return rows[0] ? ({ kind: 'found', value: rows[0] } as const) : ({ kind: 'notFound' } as const);
      });
    },
    async since(after, limit): Promise<ReadOutcome<readonly Order[]>> {
      return onPrimary(async (c) => ({ kind: 'found', value: await readOrders(c, 'WHERE created_at > $1 ORDER BY created_at, id LIMIT $2', [after, limit]) }) as const);
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => {})));
      pools.clear();
    },
  };
}

async function attempt<T>(pool: pg.Pool, mustProveWritable: boolean, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    if (mustProveWritable) {
      const { rows } = await client.query<{ writable: boolean }>("SELECT current_setting('transaction_read_only') = 'off' AS writable");
      if (!rows[0]?.writable) throw new NotWritable('not a writable primary');
    }
    const result = await work(client);
    client.release();
    return result;
  } catch (err) {
    // Never reuse a connection after an error: it may sit in an aborted transaction or a dead link.
    destroy(client);
    client.release(err instanceof Error ? err : true);
    throw err;
  }
}

/** The table is the demo's own; created on first use, racing instances tolerated. */
async function ensureSchema(c: pg.PoolClient): Promise<void> {
  try {
    await c.query(SCHEMA_SQL);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P07') throw err; // Another instance created it at the same moment.
  }
}

/**
 * COMMIT bounded on the client only (see the header). Anything but a clean acknowledgement
 * before the deadline throws, so the caller retries through the token path.
 */
async function commitAcknowledged(c: pg.PoolClient, deadline: number): Promise<void> {
  let cancelledWait = false;
  const onNotice = (n: { message?: string }) => {
    if (/synchronous replication/i.test(n.message ?? '')) cancelledWait = true;
  };
  c.on('notice', onNotice);
  try {
    await c.query('SET LOCAL statement_timeout = 0');
    const remaining = Math.max(deadline - Date.now(), 1);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`COMMIT not acknowledged within ${remaining}ms (outcome unknown)`)), remaining);
    });
    const commit = c.query('COMMIT');
    commit.catch(() => {}); // After a timeout its own failure is no news.
    try {
      await Promise.race([commit, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (cancelledWait) throw new SyncWaitCancelled('the synchronous-replication wait was cancelled: committed locally only');
  } finally {
    c.off('notice', onNotice);
  }
}

async function readServedBy(c: pg.PoolClient): Promise<ServedBy> {
  const { rows } = await c.query<{ region: string; address: string | null; walfile: string; system_id: string }>(SERVED_BY_SQL);
  const row = rows[0]!;
  return { region: row.region || row.address || 'unknown', address: row.address, timeline: parseInt(row.walfile.slice(0, 8), 16), systemId: row.system_id };
}

async function readOrders(c: pg.PoolClient, where: string, params: unknown[]): Promise<Order[]> {
  try {
    const { rows } = await c.query<{ id: string; created_at: Date; region: string; payload: unknown }>(
      `SELECT id, created_at, region, payload FROM orders ${where}`, params);
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at.toISOString(), region: r.region, payload: r.payload }));
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return []; // No order was ever written.
    throw err;
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof NotWritable || err instanceof SyncWaitCancelled) return true;
  const code = (err as { code?: unknown }).code;
  // Five characters: a SQLSTATE from the server. Anything else is the link (ECONNREFUSED, a timeout, a drop).
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return RETRY_CLASSES.has(code.slice(0, 2)) || RETRY_CODES.has(code);
  return true;
}

function describe(err: unknown): string {
  const e = err as { message?: string; code?: string };
  return `${e.message ?? String(err)}${e.code && !(e.message ?? '').includes(e.code) ? ` (${e.code})` : ''}`;
}

function destroy(c: pg.PoolClient): void {
  try {
    c.connection.stream.destroy();
  } catch {
    // Already closed.
  }
}

const SCHEMA_SQL = `CREATE TABLE IF NOT EXISTS orders (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  region text NOT NULL,
  payload jsonb,
  token text NOT NULL
)`;

// A conflict with our own token (an earlier attempt whose COMMIT outcome we never learnt) rewrites
// the row, so this transaction's acknowledged COMMIT covers it; another token returns no row.
const INSERT_SQL = `INSERT INTO orders (id, region, payload, token) VALUES ($1, $2, $3::jsonb, $4)
ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token WHERE orders.token = EXCLUDED.token
RETURNING created_at`;

const SERVED_BY_SQL = `SELECT current_setting('cluster_name') AS region, host(inet_server_addr()) AS address,
  pg_walfile_name(pg_current_wal_lsn()) AS walfile, (SELECT system_identifier::text FROM pg_control_system()) AS system_id`;
