/**
 * One connection kept open across calls, for a check that must keep answering while the server
 * is swamped with new connections.
 *
 * Why: the postmaster accepts and forks connections one at a time. In the lab, right after a
 * failover, every client reconnected at once on a loaded machine: the new primary's accept queue
 * filled (256 waiting), and each new connection took longer than the agent's connect deadline.
 * The primary's own agent, which opened a new connection for every check, read "the database does
 * not answer" for 15 s and killed a healthy primary, which forced a second failover. A session
 * that is already open needs no accept and no fork: its checks answer as long as the database
 * runs statements. Patroni's HA loop keeps one connection to its local database for the same reason.
 *
 * A session that failed in any way (timeout, lost, an error) is dropped and the next call opens a
 * new one, so a restarted server is seen as it is.
 */
import type pg from 'pg';
import { closeClient, DbUnavailable, openClient, runOn, type DbTimeouts, type OpenClient, type PgTarget } from './connect.ts';

export interface RunOptions {
  /** Deadline for opening a session when none is open (else the session's own). */
  readonly connectMs?: number;
  /** Replace a session found lost once, at once (reads only: the work is run twice then). */
  readonly retryStale?: boolean;
}

export class KeptSession {
  private open: OpenClient | undefined;
  private broken = false;
  /** Calls run one after another: a timed-out statement must not share its session with the next. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Calls issued so far, and the last failure with the calls it answers for (see failFast). */
  private issued = 0;
  private failed: { readonly upTo: number; readonly error: unknown } | undefined;
  private opens = 0;

  constructor(
    readonly target: PgTarget,
    private readonly timeouts: Partial<DbTimeouts> = {},
  ) {}

  /**
   * Runs `work` on the kept session, opening one first if there is none (within `connectMs` when
   * given). Errors as withClient's. `retryStale`: for reads only. A session opened before this
   * call whose connection turns out lost (the server restarted since) is replaced once at once,
   * so a member that is back is not reported silent for one more look.
   */
  run<T>(work: (client: pg.Client) => Promise<T>, opts: RunOptions = {}): Promise<T> {
    const ticket = ++this.issued;
    const next = this.queue.then(() => this.failFast(ticket) ?? this.runNow(work, opts));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Sessions this one tried to open so far (for tests and status). */
  get openAttempts(): number {
    return this.opens;
  }

  /** Whether a session is open now (for tests and status). */
  get isOpen(): boolean {
    return this.open !== undefined && !this.broken;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.drop();
  }

  /**
   * Calls issued while an earlier one was failing share its outcome instead of each waiting out
   * its own deadline in turn: three looks queued on a cut member's session would otherwise take
   * three connect timeouts where separate connections took one.
   */
  private failFast(ticket: number): Promise<never> | undefined {
    const f = this.failed;
    return f && ticket <= f.upTo ? Promise.reject(f.error) : undefined;
  }

  private async runNow<T>(work: (client: pg.Client) => Promise<T>, opts: RunOptions): Promise<T> {
    try {
      return await this.attempt(work, opts);
    } catch (err) {
      if (err instanceof DbUnavailable) this.failed = { upTo: this.issued, error: err };
      throw err;
    }
  }

  private async attempt<T>(work: (client: pg.Client) => Promise<T>, opts: RunOptions): Promise<T> {
    if (this.broken) await this.drop();
    const reused = this.open !== undefined;
    const client = await this.ensureOpen(opts.connectMs);
    try {
      return await runOn(this.target, client, work);
    } catch (err) {
      await this.drop();
      if (!(reused && opts.retryStale && err instanceof DbUnavailable && err.code === 'lost')) throw err;
      return this.attempt(work, { ...opts, retryStale: false });
    }
  }

  private async ensureOpen(connectMs: number | undefined): Promise<pg.Client> {
    if (this.open) return this.open.client;
    this.opens += 1;
    const open = await openClient(this.target, connectMs === undefined ? this.timeouts : { ...this.timeouts, connectMs });
    open.client.on('error', () => { this.broken = true; });
    open.client.on('end', () => { this.broken = true; });
    this.open = open;
    return open.client;
  }

  private async drop(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    this.broken = false;
    if (open) await closeClient(open.client, open.socket);
  }
}

/**
 * Kept sessions by server and user, for an observer that reads several members every tick: one
 * connection each instead of a new one (fork, TLS handshake, SCRAM) per read. At rest the lab's
 * primary took about 11.5 new connections a second from the agents before, 5.8 after.
 */
export class SessionPool {
  private readonly sessions = new Map<string, KeptSession>();

  constructor(private readonly timeouts: Partial<DbTimeouts> = {}) {}

  session(target: PgTarget): KeptSession {
    const key = `${target.user}@${target.host}:${target.port}/${target.database ?? 'postgres'}`;
    let session = this.sessions.get(key);
    if (!session) {
      session = new KeptSession(target, this.timeouts);
      this.sessions.set(key, session);
    }
    return session;
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.close()));
  }
}
