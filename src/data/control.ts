/**
 * Lifecycle of members on this machine: initialise a primary, clone a standby, start, stop.
 * Node-specific settings (listen address, port, cluster_name) go on the postmaster command line,
 * never into postgresql.conf: pg_basebackup and pg_rewind copy configuration files between
 * members, and a copied `port` would make two members fight over one address.
 */
import { appendFile, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError } from '../common/errors.ts';
import { adminTarget, ensureSlot, orUnreachable, isUnreachable, alterSystem } from './admin.ts';
import { serverTlsOptions, libpqSslParams } from './tls.ts';
import { conninfo, renderHba, renderSettings, slotNameFor, synchronousStandbyNamesValue, type ConfValue } from './conf.ts';
import { queryRows, withClient } from './connect.ts';
import { ensureOwnedDir, lastLine, osUserOf, runPg, runPgOk, writeOwnedFile } from './process.ts';
import { writeStandbyConfig } from './standby-config.ts';
import type { PgAuth, PgEndpoint, PgMember, Unreachable } from './types.ts';

/** Cluster-wide settings written into postgresql.conf (and so copied to every standby). */
export const CLUSTER_SETTINGS: Readonly<Record<string, ConfValue>> = {
  wal_level: 'replica',
  max_wal_senders: 16,
  max_replication_slots: 16,
  hot_standby: true,
  hot_standby_feedback: true,
  // Data checksums (initdb -k) already force hint-bit WAL; stated anyway because pg_rewind needs it.
  wal_log_hints: true,
  full_page_writes: true,
  // Keeps WAL around for a peer whose slot on a freshly promoted member did not exist yet,
  // and for pg_rewind, which needs the target's WAL back to the fork point.
  wal_keep_size: '256MB',
  wal_sender_timeout: '10s',
  wal_receiver_timeout: '10s',
  wal_receiver_status_interval: '1s',
  wal_retrieve_retry_interval: '1s',
  password_encryption: 'scram-sha-256',
  // Meridian's control sessions (each agent's checks, the coordinator's steps) log in as the
  // superuser: when commits wait for a standby and applications pile up connections, the default
  // 3 reserved slots ran out in chaos rounds, the agents read "too many clients" as a dead
  // database, and killed it. Ten keep them in.
  superuser_reserved_connections: 10,
  // A backend forked for a connection whose client already gave up (a postmaster thawed after a
  // freeze serves its whole queued backlog) holds its slot until this passes: the default 60 s
  // let a thaw fill every slot. Control-plane clients give up after seconds, not a minute.
  authentication_timeout: '10s',
  // TCP only: members in different network namespaces share one filesystem, so a unix socket
  // named after the port would collide.
  unix_socket_directories: '',
};

export interface InitPrimaryOptions {
  readonly member: PgMember;
  readonly auth: PgAuth;
  /** Standby member names for synchronous mode (`ANY 1 (...)`); omit for asynchronous. */
  readonly syncStandbyNames?: readonly string[];
  /** Networks besides loopback allowed to connect (the lab's region ranges). */
  readonly allowCidrs?: readonly string[];
  /** An application role and database to create. */
  readonly app?: { readonly user: string; readonly password: string; readonly database: string };
  /** Extra postgresql.conf settings (tests: fsync=off, small shared_buffers). */
  readonly settings?: Readonly<Record<string, ConfValue>>;
  readonly initdbArgs?: readonly string[];
}

export type InitPrimaryResult = { readonly kind: 'initialized' } | { readonly kind: 'alreadyInitialized' };

export async function initPrimary(opts: InitPrimaryOptions): Promise<InitPrimaryResult> {
  const { member, auth } = opts;
  if (await hasDataDir(member)) {
    await start(member);
    return { kind: 'alreadyInitialized' };
  }
  await ensureOwnedDir(member.dataDir, osUserOf(member));
  await runInitdb(member, auth, opts.initdbArgs ?? []);
  const conf = join(member.dataDir, 'postgresql.conf');
  await appendFile(conf, `\n# Added by meridian\n${renderSettings({ ...CLUSTER_SETTINGS, ...opts.settings })}`);
  // hostssl only where the member serves TLS: a hostssl line on a server without ssl=on stops it from starting.
  const hba = renderHba({ replicationUser: auth.replicationUser, adminUser: auth.adminUser, allowCidrs: opts.allowCidrs ?? [], ssl: member.serverTls !== undefined });
  await writeOwnedFile(join(member.dataDir, 'pg_hba.conf'), hba, osUserOf(member));
  await start(member);
  await withClient(adminTarget(member, auth), async (c) => {
    await ensureRole(c, auth.replicationUser, auth.replicationPassword, 'LOGIN REPLICATION');
    for (const fn of REWIND_FUNCTIONS) await c.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${c.escapeIdentifier(auth.replicationUser)}`);
    if (opts.app) await ensureAppDatabase(c, opts.app);
    if (opts.syncStandbyNames) {
      await alterSystem(c, { synchronous_standby_names: synchronousStandbyNamesValue(opts.syncStandbyNames) });
    }
  });
  return { kind: 'initialized' };
}

/** What pg_rewind needs from a non-superuser source connection (pg_rewind documentation). */
const REWIND_FUNCTIONS = [
  'pg_catalog.pg_ls_dir(text, boolean, boolean)',
  'pg_catalog.pg_stat_file(text, boolean)',
  'pg_catalog.pg_read_binary_file(text)',
  'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)',
];

async function runInitdb(member: PgMember, auth: PgAuth, extra: readonly string[]): Promise<void> {
  // initdb reads the superuser password from a file it opens as the OS user.
  const dir = await mkdtemp(join(tmpdir(), 'meridian-initdb-'));
  try {
    await ensureOwnedDir(dir, osUserOf(member));
    const pwfile = join(dir, 'pw');
    await writeOwnedFile(pwfile, `${auth.adminPassword}\n`, osUserOf(member));
    const args = ['-D', member.dataDir, '-U', auth.adminUser, `--pwfile=${pwfile}`, '--auth-host=scram-sha-256',
      '--auth-local=peer', '--data-checksums', '-E', 'UTF8', '--locale=C', ...extra];
    await runPgOk(member, 'initdb', args);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function ensureRole(c: import('pg').Client, user: string, password: string, attrs: string): Promise<void> {
  const exists = (await queryRows(c, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [user])).length > 0;
  const verb = exists ? 'ALTER' : 'CREATE';
  await c.query(`${verb} ROLE ${c.escapeIdentifier(user)} WITH ${attrs} PASSWORD ${c.escapeLiteral(password)}`);
}

async function ensureAppDatabase(c: import('pg').Client, app: NonNullable<InitPrimaryOptions['app']>): Promise<void> {
  await ensureRole(c, app.user, app.password, 'LOGIN');
  const exists = (await queryRows(c, 'SELECT 1 FROM pg_database WHERE datname = $1', [app.database])).length > 0;
  if (!exists) await c.query(`CREATE DATABASE ${c.escapeIdentifier(app.database)} OWNER ${c.escapeIdentifier(app.user)}`);
}

export interface CreateStandbyOptions {
  readonly member: PgMember;
  /** The member to clone and stream from. */
  readonly primary: PgEndpoint;
  readonly auth: PgAuth;
}

export type CreateStandbyResult =
  | { readonly kind: 'created'; readonly slot: string }
  | { readonly kind: 'alreadyExists' }
  | Unreachable;

/** Clone `primary` with pg_basebackup through a slot named after the member, then start streaming. */
export async function createStandby(opts: CreateStandbyOptions): Promise<CreateStandbyResult> {
  const { member, primary, auth } = opts;
  if (await hasDataDir(member)) {
    await start(member);
    return { kind: 'alreadyExists' };
  }
  const slot = slotNameFor(member.name);
  const made = await orUnreachable(adminTarget(primary, auth), (c) => ensureSlot(c, slot));
  if (isUnreachable(made)) return made;
  await baseBackup(member, primary, auth);
  await writeStandbyConfig(member, primary, auth);
  await start(member);
  return { kind: 'created', slot };
}

/** Fresh copy of `source` into an empty data directory, streaming WAL through the member's slot. */
export async function baseBackup(member: PgMember, source: PgEndpoint, auth: PgAuth): Promise<void> {
  await ensureOwnedDir(member.dataDir, osUserOf(member));
  const connection = conninfo({ host: source.host, port: source.port, user: auth.replicationUser, application_name: member.name, ...libpqSslParams(auth.tls) });
  const args = ['-D', member.dataDir, '-d', connection, '-X', 'stream', '-S', slotNameFor(member.name), '-R', '-c', 'fast', '-w'];
  const result = await runPg(member, 'pg_basebackup', args, { env: { PGPASSWORD: auth.replicationPassword } });
  if (result.code !== 0) {
    await rm(member.dataDir, { recursive: true, force: true });
    throw new InfraError(`pg_basebackup of ${member.name} from ${source.name} failed: ${lastLine(result.stderr)}`);
  }
}

export type StartResult = { readonly kind: 'started' } | { readonly kind: 'alreadyRunning' };

/** Start the postmaster and wait until it accepts connections (as primary or hot standby). */
export async function start(member: PgMember, opts: { readonly timeoutSec?: number } = {}): Promise<StartResult> {
  if (!(await hasDataDir(member))) throw new InfraError(`postgres ${member.name}: no data directory at ${member.dataDir}`);
  if (await isRunning(member)) return { kind: 'alreadyRunning' };
  const logFile = logFileOf(member);
  await touchOwned(logFile, osUserOf(member));
  const args = ['start', '-D', member.dataDir, '-l', logFile, '-w', '-t', String(opts.timeoutSec ?? 60), '-o', postmasterOptions(member)];
  const result = await runPg(member, 'pg_ctl', args);
  if (result.code !== 0) {
    throw new InfraError(`postgres ${member.name} did not start: ${await lastLogLine(logFile)}`);
  }
  return { kind: 'started' };
}

/** Restart (fast) with the member's command-line settings; used when a setting needs a new postmaster. */
export async function restart(member: PgMember, opts: { readonly timeoutSec?: number } = {}): Promise<void> {
  const logFile = logFileOf(member);
  const args = ['restart', '-D', member.dataDir, '-m', 'fast', '-l', logFile, '-w', '-t', String(opts.timeoutSec ?? 60), '-o', postmasterOptions(member)];
  const result = await runPg(member, 'pg_ctl', args);
  if (result.code !== 0) throw new InfraError(`postgres ${member.name} did not restart: ${await lastLogLine(logFile)}`);
}

export type StopResult = { readonly kind: 'stopped'; readonly mode: StopMode } | { readonly kind: 'notRunning' };
export type StopMode = 'fast' | 'immediate';

/** `fast`: disconnect clients, clean shutdown checkpoint. `immediate`: like a crash (recovery on next start). */
export async function stop(member: PgMember, opts: { readonly mode?: StopMode; readonly timeoutSec?: number } = {}): Promise<StopResult> {
  const mode = opts.mode ?? 'fast';
  if (!(await isRunning(member))) return { kind: 'notRunning' };
  await runPgOk(member, 'pg_ctl', ['stop', '-D', member.dataDir, '-m', mode, '-w', '-t', String(opts.timeoutSec ?? 30)]);
  return { kind: 'stopped', mode };
}

/** Stop cleanly if possible, else immediately (a wedged server must not block a failover). */
export async function stopSurely(member: PgMember): Promise<StopResult> {
  try {
    return await stop(member, { mode: 'fast', timeoutSec: 15 });
  } catch {
    return stop(member, { mode: 'immediate', timeoutSec: 15 });
  }
}

export async function isRunning(member: PgMember): Promise<boolean> {
  const result = await runPg(member, 'pg_ctl', ['status', '-D', member.dataDir]);
  if (result.code === 0) return true;
  // 3: no server running; 4: no accessible data directory (so nothing can be running from it).
  if (result.code === 3 || result.code === 4) return false;
  throw new InfraError(`pg_ctl status for ${member.name}: ${lastLine(result.stderr || result.stdout)}`);
}

export async function hasDataDir(member: PgMember): Promise<boolean> {
  return stat(join(member.dataDir, 'PG_VERSION')).then(() => true, () => false);
}

export function logFileOf(member: PgMember): string {
  return member.logFile ?? `${member.dataDir.replace(/\/+$/, '')}.log`;
}

const SAFE_OPTION = /^[A-Za-z0-9_.:*,-]+$/;

/** pg_ctl hands `-o` to a shell, so only plain tokens are allowed in it. */
function postmasterOptions(member: PgMember): string {
  for (const [what, v] of [['host', member.host], ['name', member.name]] as const) {
    if (!SAFE_OPTION.test(v)) throw new InfraError(`member ${what} ${JSON.stringify(v)} has characters unsafe on a command line`);
  }
  const tls = serverTlsOptions(member.serverTls);
  return `-c listen_addresses=${member.host} -p ${member.port} -c cluster_name=${member.name}${tls ? ` ${tls}` : ''}`;
}

async function touchOwned(path: string, user: string): Promise<void> {
  const exists = await stat(path).then(() => true, () => false);
  if (!exists) await writeOwnedFile(path, '', user, 0o640);
}

async function lastLogLine(logFile: string): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const lines = text.trim().split('\n').filter((l) => /FATAL|PANIC|ERROR|LOG/.test(l));
  return lines.slice(-3).join(' | ') || `see ${logFile}`;
}

/** Used by rejoin when a data directory is beyond repair: keep it for forensics, never delete. */
export async function moveAside(member: PgMember, nowMs = Date.now()): Promise<string> {
  const aside = `${member.dataDir.replace(/\/+$/, '')}.diverged-${nowMs}`;
  await rename(member.dataDir, aside);
  return aside;
}
