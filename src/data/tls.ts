/**
 * TLS between Meridian, the members and each other (docs/security.md). Two halves, both optional:
 * - PgTls (in PgAuth): how a client checks a member: the CA file that signed every member's server
 *   certificate. Meridian's own sessions (connect.ts), standbys' primary_conninfo and the
 *   pg_rewind/pg_basebackup source connections then all verify the server the way libpq's
 *   `sslmode=verify-full` does: signed by that CA, and naming the host connected to (an IP
 *   address must be an IP SAN).
 * - PgServerTls (in PgMember): the member's own certificate, given on its postmaster's command
 *   line, not in postgresql.conf: pg_basebackup and pg_rewind copy postgresql.conf from member to
 *   member, and each member must keep serving its own certificate.
 * Without them nothing changes: plaintext, as before.
 */
import { resolve } from 'node:path';
import { loadTlsDir, TLS_DIR_FILES } from '../common/tls-dir.ts';

/** Client side: verify every member against this CA. */
export interface PgTls {
  /**
   * PEM file of the CA that signed the members' server certificates. Read by libpq as the OS
   * user that runs PostgreSQL (standbys' WAL receivers, pg_rewind, pg_basebackup), and by
   * Meridian itself, so it must be at this path and readable by both on every member's host.
   */
  readonly caFile: string;
}

/** Server side: what the member's postmaster serves (ssl=on). Files readable by its OS user. */
export interface PgServerTls {
  readonly certFile: string;
  /** Owned by the OS user with mode 0600, or by root with 0640 (PostgreSQL refuses anything looser). */
  readonly keyFile: string;
  /** ssl_ca_file: only used to check client certificates, which no pg_hba rule asks for yet. */
  readonly caFile?: string;
}

/** libpq connection parameters that verify the server: added to every conninfo Meridian writes. */
export function libpqSslParams(tls: PgTls | undefined): Readonly<Record<string, string>> {
  return tls ? { sslmode: 'verify-full', sslrootcert: tls.caFile } : {};
}

/**
 * `-c ssl=on -c ssl_cert_file=…` for pg_ctl's `-o`, which pg_ctl hands to a shell: each path is
 * single-quoted for sh, so spaces and quotes in it stay part of it.
 */
export function serverTlsOptions(tls: PgServerTls | undefined): string {
  if (!tls) return '';
  const settings: [string, string][] = [['ssl_cert_file', tls.certFile], ['ssl_key_file', tls.keyFile]];
  if (tls.caFile) settings.push(['ssl_ca_file', tls.caFile]);
  return ['-c ssl=on', ...settings.map(([k, v]) => `-c ${shellQuote(`${k}=${v}`)}`)].join(' ');
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Both halves, from one directory in the layout of a cert-manager Secret (the agent's `--pg-tls DIR`). */
export interface PgTlsFiles {
  readonly client: PgTls;
  readonly server: PgServerTls;
}

/**
 * Checks `dir` as the other TLS directories are checked (common/tls-dir.ts: one InputError naming
 * the file), then hands on the paths, not the bytes: PostgreSQL and libpq read the files themselves.
 */
export function loadPgTlsDir(dir: string): PgTlsFiles {
  loadTlsDir(dir, 'PostgreSQL TLS');
  const path = (name: string) => resolve(dir, name);
  return {
    client: { caFile: path(TLS_DIR_FILES.ca) },
    server: { certFile: path(TLS_DIR_FILES.cert), keyFile: path(TLS_DIR_FILES.key), caFile: path(TLS_DIR_FILES.ca) },
  };
}
