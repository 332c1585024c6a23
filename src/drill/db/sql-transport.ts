/**
 * Writes straight to the store's primary over SQL, as an application with a database driver
 * does: resolve the primary's DNS name (through the drill's caching stub resolver, against the
 * agents), open a fresh connection, INSERT one row in autocommit. The same statement returns
 * the server's identity (region, timeline, system identifier), so the identity recorded is the
 * one of the server that committed, never of a later lookup.
 *
 * A fresh connection per write (no pool): each write follows the current DNS answer, and a pooled
 * connection to a fenced or frozen primary would measure the pool, not the failover.
 */
import type { NameResolver } from '../http-exchange.ts';
import { identityFrom, type ServerFacts } from './server-identity.ts';
import { runStatement, type StatementDeadlines, type StatementTarget } from './single-statement.ts';
import type { DbCredentials, WriteResult, WriteTransport } from './types.ts';

export const DRILL_TABLE = 'meridian_drill_writes';

/** One row per write; no unique key on purpose, so a write applied twice is visible as two rows. */
export const DRILL_TABLE_DDL = [
  `CREATE TABLE IF NOT EXISTS ${DRILL_TABLE} (run text NOT NULL, id text NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  `CREATE INDEX IF NOT EXISTS ${DRILL_TABLE}_run ON ${DRILL_TABLE} (run)`,
];

const WRITE_SQL = `INSERT INTO ${DRILL_TABLE} (run, id) VALUES ($1, $2)
RETURNING current_setting('meridian.region', true) AS region_setting,
  current_setting('cluster_name') AS cluster_name,
  host(inet_server_addr()) AS server_addr,
  inet_server_port() AS server_port,
  (SELECT system_identifier::text FROM pg_control_system()) AS system_id,
  pg_walfile_name(pg_current_wal_lsn()) AS walfile`;

export const DEFAULT_WRITE_DEADLINES: StatementDeadlines = { connectMs: 1000, answerMs: 2000 };

export type SqlEndpoint =
  /** Resolve this name for every write (the resolver caches for the answer's TTL). */
  | { readonly kind: 'dns'; readonly fqdn: string; readonly resolver: NameResolver }
  /** Always this address (a client pinned to one server, e.g. inside the primary's region). */
  | { readonly kind: 'fixed'; readonly host: string }
  /**
   * Ask a locator before every write, as a client behind a proxy that health-checks the members
   * does (HAProxy on Patroni's /primary): systems without a DNS name for their primary.
   */
  | { readonly kind: 'locate'; readonly locate: () => Promise<string | undefined> };

export interface SqlWriteTransportOptions {
  readonly endpoint: SqlEndpoint;
  readonly credentials: DbCredentials;
  /** Run id stored with every row; the survivor read selects by it. */
  readonly runId: string;
  /** `ip:port` of each member → region. */
  readonly memberRegions: Readonly<Record<string, string>>;
  readonly deadlines?: StatementDeadlines;
}

export class SqlWriteTransport implements WriteTransport {
  readonly name = 'sql';
  private readonly deadlines: StatementDeadlines;

  constructor(private readonly options: SqlWriteTransportOptions) {
    this.deadlines = options.deadlines ?? DEFAULT_WRITE_DEADLINES;
  }

  async write(id: string): Promise<WriteResult> {
    const host = await this.host();
    if (typeof host !== 'string') return host;
    const { user, password, database, port } = this.options.credentials;
    const target: StatementTarget = { host, port, user, password, database };
    const outcome = await runStatement<ServerFacts>(target, WRITE_SQL, [this.options.runId, id], this.deadlines);
    switch (outcome.kind) {
      case 'answered': {
        const facts = outcome.rows[0];
        return facts ? { outcome: 'ok', server: identityFrom(facts, this.options.memberRegions) } : { outcome: 'unknown', error: 'INSERT … RETURNING gave no row' };
      }
      case 'notSent':
        return { outcome: 'fail', error: `${host}: ${outcome.error}` };
      case 'rejected':
        return { outcome: 'fail', error: `${host}: ${outcome.error}` };
      case 'noAnswer':
        return { outcome: 'unknown', error: `${host}: ${outcome.error}` };
    }
  }

  private async host(): Promise<string | WriteResult> {
    const endpoint = this.options.endpoint;
    if (endpoint.kind === 'fixed') return endpoint.host;
    if (endpoint.kind === 'locate') return (await endpoint.locate()) ?? { outcome: 'fail', error: 'no primary located' };
    const resolution = await endpoint.resolver.resolve(endpoint.fqdn);
    if (resolution.kind === 'failed') return { outcome: 'fail', error: `dns: ${resolution.reason}` };
    const address = resolution.addresses[0];
    return address ?? { outcome: 'fail', error: `dns: no address for ${endpoint.fqdn}` };
  }
}
