/**
 * One statement on a fresh connection, with hard client-side deadlines, classified the way a
 * write history needs it: was the statement ever sent, and did the server answer?
 *
 * src/data's withClient is not reused: it sets a server-side statement_timeout and maps errors
 * to "member unreachable", while a drill client must tell "never sent" (certainly not committed)
 * from "sent, no answer" (may have committed), and must give up on a frozen server at once. pg's
 * own query_timeout leaves the socket open, and end() then waits for a server that cannot answer
 * (SIGSTOP), so we own the socket and destroy it when a deadline passes.
 */
import { Socket } from 'node:net';
import pg from 'pg';
import { closeClient, sslOptions, type PgTls } from '../../data/index.ts';

export interface StatementTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Verify the server over TLS (an admin role the lab's members refuse in plaintext from the host). */
  readonly tls?: PgTls;
}

export interface StatementDeadlines {
  /** TCP connect + startup + authentication. */
  readonly connectMs: number;
  /** From sending the statement to its answer (commit included). */
  readonly answerMs: number;
}

export type StatementOutcome<R> =
  | { readonly kind: 'answered'; readonly rows: readonly R[] }
  /** Not sent: could not connect, authenticate, or the server refused the session. */
  | { readonly kind: 'notSent'; readonly error: string }
  /** Sent, and the server answered with an error: the transaction did not commit. */
  | { readonly kind: 'rejected'; readonly error: string; readonly sqlState: string }
  /** Sent, then no answer or the connection died: it may or may not have committed. */
  | { readonly kind: 'noAnswer'; readonly error: string };

/**
 * SQLSTATEs a server sends when it ends the session while a statement runs: the commit may have
 * happened (e.g. a backend terminated while waiting for a synchronous standby has committed
 * locally), so they are `noAnswer`, not `rejected`.
 */
/** The drill's clients give a frozen server less time to take the Terminate than the agents do. */
const END_GRACE_MS = 200;

const SESSION_ENDED = new Set(['57P01', '57P02', '57P03', '08006', '08003', '08000']);

export async function runStatement<R>(
  target: StatementTarget,
  text: string,
  params: readonly unknown[],
  deadlines: StatementDeadlines,
): Promise<StatementOutcome<R>> {
  let ssl: Awaited<ReturnType<typeof sslOptions>>;
  try {
    ssl = await sslOptions(target);
  } catch (err) {
    return { kind: 'notSent', error: describe(err) };
  }
  const socket = new Socket();
  const client = new pg.Client({
    ...(ssl ? { ssl } : {}),
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    application_name: 'meridian-drill',
    stream: () => socket,
    keepAlive: true,
  });
  // Without a listener, a server that drops the connection would crash the process.
  client.on('error', () => {});
  try {
    const connected = await withDeadline(client.connect(), deadlines.connectMs, socket);
    if (connected.kind !== 'done') return { kind: 'notSent', error: connected.kind === 'late' ? `no session within ${deadlines.connectMs} ms` : describe(connected.error) };
    const answered = await withDeadline(client.query(text, params as unknown[]), deadlines.answerMs, socket);
    if (answered.kind === 'done') return { kind: 'answered', rows: answered.value.rows as R[] };
    if (answered.kind === 'late') return { kind: 'noAnswer', error: `no answer within ${deadlines.answerMs} ms` };
    const sqlState = sqlStateOf(answered.error);
    if (sqlState && !SESSION_ENDED.has(sqlState)) return { kind: 'rejected', error: describe(answered.error), sqlState };
    return { kind: 'noAnswer', error: describe(answered.error) };
  } finally {
    await closeClient(client, socket, END_GRACE_MS);
  }
}

type Raced<T> = { kind: 'done'; value: T } | { kind: 'failed'; error: unknown } | { kind: 'late' };

/** Races `work` against a deadline; when the deadline wins, the socket is destroyed at once. */
function withDeadline<T>(work: Promise<T>, ms: number, socket: Socket): Promise<Raced<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ kind: 'late' });
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'done', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'failed', error });
      },
    );
  });
}


/** The SQLSTATE of an error the server sent; undefined for socket errors (ECONNRESET, EPIPE, …). */
function sqlStateOf(err: unknown): string | undefined {
  return err instanceof pg.DatabaseError && typeof err.code === 'string' ? err.code : undefined;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
