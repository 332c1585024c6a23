/** The demo app's store settings from its command line (`--db-*`) and its login from the environment. */
import { isIP } from 'node:net';
import { parseDurationMs } from '../common/duration.ts';
import { UsageError } from '../common/errors.ts';
import type { PgOrdersConfig } from './orders-pg.ts';

export interface OrdersCliOptions {
  readonly dbHost?: string;
  readonly dbPort?: string;
  readonly dbName?: string;
  readonly dbFallback?: string;
  readonly dbDeadline?: string;
}

export const DEFAULT_DB_DEADLINE = '5s';

/** Where the app finds its database login: the lab sets them, and so do the drills' writers. */
export const APP_LOGIN_ENV = { user: 'MERIDIAN_DB_APP_USER', password: 'MERIDIAN_DB_APP_PASSWORD' } as const;

/** Undefined when no `--db-host` was given (the app then has no /orders routes). */
export function ordersConfigFrom(opts: OrdersCliOptions, login: { user?: string; password?: string }): PgOrdersConfig | undefined {
  if (!opts.dbHost) {
    if (opts.dbName || opts.dbFallback || opts.dbPort) throw new UsageError('--db-port, --db-name and --db-fallback need --db-host');
    return undefined;
  }
  if (!login.user || !login.password) {
    throw new UsageError(`--db-host needs the login in ${APP_LOGIN_ENV.user} and ${APP_LOGIN_ENV.password} (never on the command line)`);
  }
  const port = Number(opts.dbPort ?? '5432');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--db-port '${opts.dbPort}': expected a port number`);
  const fallback = (opts.dbFallback ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  const bad = fallback.find((a) => isIP(a) === 0);
  if (bad) throw new UsageError(`--db-fallback: '${bad}' is not an IP address`);
  const deadlineMs = parseDurationMs(opts.dbDeadline ?? DEFAULT_DB_DEADLINE);
  if (deadlineMs === undefined || deadlineMs <= 0) throw new UsageError(`--db-deadline '${opts.dbDeadline}': expected a duration such as 5s`);
  return {
    host: opts.dbHost,
    port,
    database: opts.dbName ?? 'app',
    user: login.user,
    password: login.password,
    fallback,
    deadlineMs,
  };
}
