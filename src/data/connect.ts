/**
 * One short-lived pg connection per operation, with short timeouts on every layer so a dead or
 * partitioned region fails fast instead of hanging a failover:
 * - connect: TCP + startup + auth bounded by `connectMs` (client side);
 * - each statement: `statement_timeout` on the server and a client-side read timeout a little
 *   longer, because a server behind a dropped link can never tell us it timed out.
 * Failures become typed errors: DbUnavailable (could not reach or use the server at all: callers
 * map it to an `unreachable` outcome) and DbQueryFailed (the server answered with an error).
 */
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import pg from 'pg';
import { InfraError } from '../common/errors.ts';
import { backendKeyOf, sendCancelRequest } from './cancel-request.ts';
import type { PgTls } from './tls.ts';

export interface PgTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** @default 'postgres' */
  readonly database?: string;
  /** Verify the server over TLS (./tls.ts); without it the session is plaintext. */
  readonly tls?: PgTls;
}

export interface DbTimeouts {
  /** TCP connect + authentication. */
  readonly connectMs: number;
  /** Server-side statement_timeout; the client gives up `clientGraceMs` later. */
  readonly statementMs: number;
}

export const DEFAULT_DB_TIMEOUTS: DbTimeouts = { connectMs: 3000, statementMs: 5000 };
const CLIENT_GRACE_MS = 1000;
/** A cancel request to a server that does not take it at once is dropped: that server is judged elsewhere. */
const CANCEL_MS = 500;
/**
 * pg's end() resolves only once the server closed its side too. A server behind a cut never does:
 * an awaited end() after a query that timed out held a coordinator's whole store loop until the
 * link healed (90 s in a benchmark run). After this, the socket is destroyed.
 */
const END_GRACE_MS = 300;

/** `full`: every connection slot is taken (too_many_connections): the server runs and answers, it is busy. */
export type UnavailableCode = 'refused' | 'timeout' | 'auth' | 'notAccepting' | 'full' | 'lost' | 'other';

/** The server could not be reached or refused us: the caller treats the member as unreachable. */
export class DbUnavailable extends InfraError {
  constructor(
    readonly code: UnavailableCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The server answered a statement with an error (SQLSTATE in `sqlState`). */
export class DbQueryFailed extends InfraError {
  constructor(
    readonly sqlState: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function describeTarget(target: Pick<PgTarget, 'host' | 'port'>): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/**
 * application_name of Meridian's own short control sessions. A fence spares them: two fencers
 * (the coordinator and the primary's own agent on lease loss) would otherwise cut each other's
 * session mid-fence. Sparing them is safe because the fence's impossible synchronous standby
 * already blocks every commit.
 */
export const CONTROL_APPLICATION_NAME = 'meridian-control';

/** Open a connection, run `work`, always close. Errors come out as DbUnavailable/DbQueryFailed. */
export async function withClient<T>(
  target: PgTarget,
  work: (client: pg.Client) => Promise<T>,
  timeouts: Partial<DbTimeouts> = {},
): Promise<T> {
  const open = await openClient(target, timeouts);
  try {
    return await runOn(target, open.client, work);
  } finally {
    await closeClient(open.client, open.socket);
  }
}

export interface OpenClient {
  readonly client: pg.Client;
  /** The client's own socket, so a connection that cannot be ended politely can be destroyed (closeClient). */
  readonly socket: Socket;
}

/** Connect and authenticate within `connectMs`; a failure comes out as DbUnavailable. */
export async function openClient(target: PgTarget, timeouts: Partial<DbTimeouts> = {}): Promise<OpenClient> {
  const t = { ...DEFAULT_DB_TIMEOUTS, ...timeouts };
  const ssl = await sslOptions(target);
  const socket = new Socket();
  const client = new pg.Client({
    stream: () => socket,
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database ?? 'postgres',
    application_name: CONTROL_APPLICATION_NAME,
    connectionTimeoutMillis: t.connectMs,
    statement_timeout: t.statementMs,
    lock_timeout: t.statementMs,
    idle_in_transaction_session_timeout: t.statementMs * 2,
    query_timeout: t.statementMs + CLIENT_GRACE_MS,
    keepAlive: true,
    ...(ssl ? { ssl } : {}),
  });
  // Without a listener, a server that drops an idle connection would crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
    return { client, socket };
  } catch (err) {
    await closeClient(client, socket);
    throw classifyError(target, err, 'connect');
  }
}

/** Run `work` on an open client; a statement given up on is cancelled on the server too. */
export async function runOn<T>(target: PgTarget, client: pg.Client, work: (client: pg.Client) => Promise<T>): Promise<T> {
  try {
    return await work(client);
  } catch (err) {
    const failure = err instanceof InfraError ? err : classifyError(target, err, 'query');
    if (failure instanceof DbUnavailable && failure.code === 'timeout') await cancelOnServer(target, client);
    throw failure;
  }
}

/**
 * verify-full, as libpq means it: signed by the CA, and naming `target.host` (pg hands the host to
 * tls.connect, which checks it against the DNS or IP SANs). Read at each connection, so a rotated
 * CA file is used at once.
 */
export async function sslOptions(target: Pick<PgTarget, 'host' | 'port' | 'tls'>): Promise<pg.ClientConfig['ssl']> {
  if (!target.tls) return undefined;
  try {
    return { ca: await readFile(target.tls.caFile), rejectUnauthorized: true };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DbUnavailable('other', `postgres at ${describeTarget(target)}: TLS CA file ${target.tls.caFile}: cannot read it (${code})`, { cause: err });
  }
}

/**
 * The server may still run what we gave up on: a commit waiting for a synchronous standby waits
 * on, holding a slot and its locks, after our socket is gone (src/data/cancel-request.ts).
 */
async function cancelOnServer(target: PgTarget, client: pg.Client): Promise<void> {
  const key = backendKeyOf(client);
  if (key) await sendCancelRequest(target.host, target.port, key, CANCEL_MS);
}

/**
 * A polite Terminate, but never wait long for a server that may be cut off or frozen: `socket` is
 * the client's own (`stream: () => socket`), destroyed after `graceMs`.
 */
export async function closeClient(client: pg.Client, socket: Socket, graceMs = END_GRACE_MS): Promise<void> {
  if (socket.destroyed) return void client.end().catch(() => {});
  const timer = setTimeout(() => socket.destroy(), graceMs);
  await client.end().catch(() => {});
  clearTimeout(timer);
}

/** Run one statement and return its rows, typed by the caller. */
export async function queryRows<R>(client: pg.Client, sql: string, params: readonly unknown[] = []): Promise<R[]> {
  const result = await client.query(sql, params as unknown[]);
  return result.rows as R[];
}

type PgLikeError = Error & { code?: string };

/** SQLSTATEs meaning "this server cannot serve us now" rather than "your statement is wrong". */
const UNAVAILABLE_SQLSTATE: Readonly<Record<string, UnavailableCode>> = {
  '28P01': 'auth', // invalid_password
  '28000': 'auth', // invalid_authorization_specification (no pg_hba entry)
  '57P03': 'notAccepting', // cannot_connect_now: starting up, shutting down, not yet consistent
  '57P01': 'lost', // admin_shutdown: our backend was terminated
  '57P02': 'lost', // crash_shutdown
  '53300': 'full', // too_many_connections
};

const UNAVAILABLE_ERRNO: Readonly<Record<string, UnavailableCode>> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'lost',
  EPIPE: 'lost',
};

function classifyError(target: PgTarget, err: unknown, phase: 'connect' | 'query'): InfraError {
  const where = `postgres at ${describeTarget(target)}`;
  const e = (err instanceof Error ? err : new Error(String(err))) as PgLikeError;
  const code = e.code ? (UNAVAILABLE_SQLSTATE[e.code] ?? UNAVAILABLE_ERRNO[e.code]) : undefined;
  if (code) return new DbUnavailable(code, `${where}: ${unavailableText(code, e)}`, { cause: err });
  if (/timeout expired|Query read timeout|connection timeout/i.test(e.message)) {
    const what = phase === 'connect' ? 'did not accept a connection in time' : 'did not answer in time';
    return new DbUnavailable('timeout', `${where} ${what}`, { cause: err });
  }
  if (/Connection terminated|ended unexpectedly|not queryable/i.test(e.message)) {
    return new DbUnavailable('lost', `${where}: connection lost (${e.message})`, { cause: err });
  }
  if (phase === 'connect' && isTlsFailure(e)) return new DbUnavailable('other', `${where}: TLS refused: ${e.message}`, { cause: err });
  if (phase === 'connect') return new DbUnavailable('other', `${where}: ${e.message}`, { cause: err });
  const state = e.code ? ` (SQLSTATE ${e.code})` : '';
  return new DbQueryFailed(e.code, `${where}: ${e.message}${state}`, { cause: err });
}

/** node's certificate checks (ERR_TLS_*, CERT_*, *_CERT_*) and pg's "does not support SSL". */
function isTlsFailure(e: PgLikeError): boolean {
  return /CERT|^ERR_TLS_|^ERR_SSL_/.test(e.code ?? '') || /does not support SSL|establishing an SSL connection/.test(e.message);
}

function unavailableText(code: UnavailableCode, e: PgLikeError): string {
  switch (code) {
    case 'refused':
      return `connection refused (${e.code}): is the server running and listening there?`;
    case 'timeout':
      return `no answer (${e.code})`;
    case 'auth':
      return `authentication rejected: ${e.message}`;
    default:
      return e.message;
  }
}
