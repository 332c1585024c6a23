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
import { closeClient, openClient, runOn, type DbTimeouts, type OpenClient, type PgTarget } from './connect.ts';

export class KeptSession {
  private open: OpenClient | undefined;
  private broken = false;
  /** Calls run one after another: a timed-out statement must not share its session with the next. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly target: PgTarget,
    private readonly timeouts: Partial<DbTimeouts> = {},
  ) {}

  /** Runs `work` on the kept session, opening one first if there is none. Errors as withClient's. */
  run<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => this.runNow(work));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Whether a session is open now (for tests and status). */
  get isOpen(): boolean {
    return this.open !== undefined && !this.broken;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.drop();
  }

  private async runNow<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    if (this.broken) await this.drop();
    if (!this.open) {
      const open = await openClient(this.target, this.timeouts);
      open.client.on('error', () => { this.broken = true; });
      open.client.on('end', () => { this.broken = true; });
      this.open = open;
    }
    try {
      return await runOn(this.target, this.open.client, work);
    } catch (err) {
      await this.drop();
      throw err;
    }
  }

  private async drop(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    this.broken = false;
    if (open) await closeClient(open.client, open.socket);
  }
}
