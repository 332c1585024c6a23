/**
 * The replication role's password in a libpq password file, so standbys' primary_conninfo can
 * name the file (`passfile=…`) instead of carrying the password: the SQL that sets
 * primary_conninfo (ALTER SYSTEM) and the server's log line of every reload ("parameter
 * primary_conninfo changed to …") then show no secret. Written by whoever places the members
 * (the lab; a Secret mounted at the same path in a deployment), readable only by the server's OS
 * user, as libpq requires.
 */
import type { PgAuth } from './types.ts';
import { writeOwnedFile } from './process.ts';

/** One `hostname:port:database:username:password` line matching every server and database. */
export function passfileLine(user: string, password: string): string {
  // libpq's format: `:` and `\` inside a field are escaped with a backslash.
  const escape = (field: string) => field.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  return `*:*:*:${escape(user)}:${escape(password)}\n`;
}

/** Writes auth.replicationPassfile (mode 0600, owned by `osUser`); nothing when auth names none. */
export async function writeReplicationPassfile(auth: PgAuth, osUser: string): Promise<void> {
  if (!auth.replicationPassfile) return;
  await writeOwnedFile(auth.replicationPassfile, passfileLine(auth.replicationUser, auth.replicationPassword), osUser, 0o600);
}
