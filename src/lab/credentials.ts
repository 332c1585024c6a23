/**
 * Database credentials of a lab: random passwords generated at `lab up`, kept in
 * `<state dir>/secrets.json` (mode 0600, root only) and handed to agents and demo apps through
 * environment variables, never on a command line (`ps` shows those to every user).
 * The variable names are the contract with the agents and `meridian db status`.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError } from '../common/errors.ts';
import { PG_AUTH_ENV, type PgAuth } from '../data/index.ts';
import { APP_LOGIN_ENV } from '../demo/index.ts';

/** PgAuth's TLS is no secret and not a credential: it comes from the lab's layout, not secrets.json. */
export interface DbCredentials extends Omit<PgAuth, 'tls'> {
  /** The demo application's role: owns each store's database, may create tables. */
  readonly appUser: string;
  readonly appPassword: string;
}

/** Environment variable per credential field: the agents' (src/data) and the demo app's. */
export const DB_CREDENTIAL_ENV: Readonly<Record<keyof DbCredentials, string>> = {
  ...PG_AUTH_ENV,
  appUser: APP_LOGIN_ENV.user,
  appPassword: APP_LOGIN_ENV.password,
};

const FIELDS = Object.keys(DB_CREDENTIAL_ENV) as (keyof DbCredentials)[];

/** Fixed role names, fresh random passwords (URL-safe, so they fit in a connection string as is). */
export function generateCredentials(random: (bytes: number) => Buffer = randomBytes): DbCredentials {
  const password = () => random(18).toString('base64url');
  return {
    adminUser: 'postgres',
    adminPassword: password(),
    replicationUser: 'replicator',
    replicationPassword: password(),
    appUser: 'app',
    appPassword: password(),
  };
}

/** The environment a process needs to use the lab's databases. */
export function credentialsEnv(credentials: DbCredentials, fields: readonly (keyof DbCredentials)[] = FIELDS): Record<string, string> {
  return Object.fromEntries(fields.flatMap((f) => {
    const value = credentials[f];
    return value === undefined ? [] : [[DB_CREDENTIAL_ENV[f], value]];
  }));
}

/** Whatever credentials the environment carries (any subset). */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): Partial<DbCredentials> {
  return Object.fromEntries(FIELDS.flatMap((f) => (env[DB_CREDENTIAL_ENV[f]] ? [[f, env[DB_CREDENTIAL_ENV[f]]]] : [])));
}

export const credentialsPath = (dir: string) => join(dir, 'secrets.json');

/** Written atomically with mode 0600 from the start: the passwords are never world-readable. */
export function writeCredentials(dir: string, credentials: DbCredentials): void {
  const tmp = `${credentialsPath(dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, credentialsPath(dir));
}

/** The lab's credentials; undefined when there are none or this user may not read them (not root). */
export function readCredentials(dir: string): DbCredentials | undefined {
  let text: string;
  try {
    text = readFileSync(credentialsPath(dir), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') return undefined;
    throw new InfraError(`cannot read ${credentialsPath(dir)}`, { cause: err });
  }
  try {
    const parsed = JSON.parse(text) as Partial<DbCredentials>;
    // The passfile is optional (labs before it had none); every other field must be there.
    return FIELDS.every((f) => f === 'replicationPassfile' || typeof parsed[f] === 'string') ? (parsed as DbCredentials) : undefined;
  } catch {
    return undefined;
  }
}

export function removeCredentials(dir: string): void {
  rmSync(credentialsPath(dir), { force: true });
}
