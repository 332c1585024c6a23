/**
 * Certificates for PostgreSQL test members, made with the real openssl (src/lab/openssl-certs.ts,
 * as the lab makes its own): one CA, a server certificate per member naming the IPs it is reached
 * at, and a second, unrelated CA for the "wrong CA" cases. Each directory is in the layout the
 * agent's `--pg-tls` reads and is handed to `postgres`, which must read the key (mode 0600).
 */
import { chown, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { issueCertificate, makeCa, type CertificateAuthority } from '../../src/lab/openssl-certs.ts';
import { loadPgTlsDir, type PgTlsFiles } from '../../src/data/index.ts';
import { lookupIds } from '../../src/data/process.ts';

export interface PgTestPki {
  readonly ca: CertificateAuthority;
  /** A CA that signed nothing a member serves. */
  readonly otherCa: CertificateAuthority;
  /** A `--pg-tls` directory for `name`, whose certificate names `sans` (openssl form: `IP:…`, `DNS:…`). */
  issue(name: string, sans: readonly string[], by?: CertificateAuthority): Promise<PgTlsFiles & { readonly dir: string }>;
}

export async function makePgTestPki(root: string): Promise<PgTestPki> {
  const [ca, otherCa] = await Promise.all([makeCa(join(root, 'ca'), 'meridian test pg CA'), makeCa(join(root, 'other-ca'), 'unrelated CA')]);
  await ownByPostgres(join(root, 'ca'));
  await ownByPostgres(join(root, 'other-ca'));
  await ownByPostgres(root);
  return {
    ca,
    otherCa,
    issue: async (name, sans, by = ca) => {
      const dir = join(root, 'members', name);
      await issueCertificate(by, dir, { commonName: `postgres ${name}`, sans });
      await ownByPostgres(dir);
      await ownByPostgres(join(root, 'members'));
      return { dir, ...loadPgTlsDir(dir) };
    },
  };
}

/** PostgreSQL (its OS user) reads these files: the server its certificate and key, libpq the CA. */
async function ownByPostgres(dir: string): Promise<void> {
  const { uid, gid } = await lookupIds('postgres');
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir)) await chown(join(dir, entry), uid, gid).catch(() => {});
}
