/**
 * The environment variables that carry PgAuth to Meridian's processes (the agents, `meridian db`,
 * the lab's processes): never a command line, which `ps` shows to every user. PgAuth.tls is no
 * secret and comes from a flag instead (the agent's `--pg-tls`).
 */
import type { PgAuth } from './types.ts';

export const PG_AUTH_ENV = {
  adminUser: 'MERIDIAN_DB_ADMIN_USER',
  adminPassword: 'MERIDIAN_DB_ADMIN_PASSWORD',
  replicationUser: 'MERIDIAN_DB_REPLICATION_USER',
  replicationPassword: 'MERIDIAN_DB_REPLICATION_PASSWORD',
  /** Optional (PgAuth.replicationPassfile). */
  replicationPassfile: 'MERIDIAN_DB_REPLICATION_PASSFILE',
} as const satisfies Readonly<Record<Exclude<keyof PgAuth, 'tls'>, string>>;
