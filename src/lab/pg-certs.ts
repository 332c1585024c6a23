/**
 * The lab's PostgreSQL certificates (docs/security.md "PostgreSQL"), made at `lab up` with the
 * openssl CLI (openssl-certs.ts): a CA of their own, and per region with a database one server
 * certificate naming the region's database addresses (IP SANs: clients verify them as libpq's
 * verify-full does). Under `<lab dir>/pg-tls/`:
 * - `<region>/` in the layout `meridian agent --pg-tls DIR` reads, owned by `postgres` (the
 *   server reads the key, which it wants 0600 and its own; libpq reads ca.crt);
 * - `ca.crt`, world-readable: what the lab's own clients (`lab up`, `lab status`, `meridian db`,
 *   the drills' observers) verify the members with;
 * - `ca/`: the CA and its key, root only.
 */
import { chmodSync, chownSync, copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lookupIds } from '../data/process.ts';
import type { PgServerTls, PgTls } from '../data/index.ts';
import { TLS_DIR_FILES } from '../common/tls-dir.ts';
import { freshCa, ipSans, issueCertificate, type RegionAddresses } from './openssl-certs.ts';

export const labPgTlsRoot = (dir: string) => join(dir, 'pg-tls');
/** What the region's agent gets as `--pg-tls`. */
export const labPgTlsDir = (dir: string, region: string) => join(labPgTlsRoot(dir), region);
const labPgCaFile = (dir: string) => join(labPgTlsRoot(dir), TLS_DIR_FILES.ca);

/** The member's server files (the same directory its agent gets). */
export function labPgServerTls(dir: string, region: string): PgServerTls {
  const d = labPgTlsDir(dir, region);
  return { certFile: join(d, TLS_DIR_FILES.cert), keyFile: join(d, TLS_DIR_FILES.key), caFile: join(d, TLS_DIR_FILES.ca) };
}

/** The lab's clients verify every member against the lab's PostgreSQL CA. */
export function labPgClientTls(dir: string): PgTls {
  return { caFile: labPgCaFile(dir) };
}

/** What the region's agent verifies members with (its `--pg-tls` directory's ca.crt: the same CA). */
export function labPgTlsDirClient(dir: string, region: string): PgTls {
  return { caFile: join(labPgTlsDir(dir, region), TLS_DIR_FILES.ca) };
}

/** labPgClientTls when this lab made PostgreSQL certificates (a lab started before they existed made none). */
export function existingLabPgClientTls(dir: string): PgTls | undefined {
  return existsSync(labPgCaFile(dir)) ? labPgClientTls(dir) : undefined;
}

/** The region's database addresses. */
export type PgMemberIdentity = RegionAddresses;

/** Everything above, fresh (an earlier lab's CA is never reused). */
export async function writeLabPgCertificates(dir: string, members: readonly PgMemberIdentity[]): Promise<void> {
  const root = labPgTlsRoot(dir);
  const ca = await freshCa(root, 'meridian lab PostgreSQL CA', join(root, 'ca'));
  chmodSync(root, 0o755);
  copyFileSync(ca.crt, labPgCaFile(dir));
  chmodSync(labPgCaFile(dir), 0o644);
  await Promise.all(members.map((m) => issueCertificate(ca, labPgTlsDir(dir, m.region), { commonName: `postgres ${m.region}`, sans: ipSans(m.ips) })));
  const { uid, gid } = await lookupIds('postgres');
  for (const m of members) {
    const d = labPgTlsDir(dir, m.region);
    chownSync(d, uid, gid);
    for (const f of readdirSync(d)) chownSync(join(d, f), uid, gid);
  }
}
