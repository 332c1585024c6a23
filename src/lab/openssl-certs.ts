/**
 * Certificates made with the openssl CLI, as a cluster's cert-manager would make them: a CA, and
 * certificates it signs in the layout of a cert-manager Secret (`ca.crt`, `tls.crt`, `tls.key`).
 * The lab's agent peer certificates (peer-certs.ts), its etcd, PostgreSQL and API certificates
 * (etcd-certs.ts, pg-certs.ts, api-certs.ts) are all made here. P-256 keys, 0600, in 0700 directories. No crypto of our own.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TLS_DIR_FILES } from '../common/tls-dir.ts';

const run = promisify(execFile);

export interface CertificateAuthority {
  readonly crt: string;
  readonly key: string;
}

export interface CertificateRequest {
  /**
   * The subject's CN (etcd takes it as the user name of a client certificate); null for none:
   * etcd's JSON gateway refuses a client certificate that has one.
   */
  readonly commonName: string | null;
  /** subjectAltName entries as openssl writes them: `URI:…`, `IP:…`, `DNS:…`. */
  readonly sans: readonly string[];
}

/** The lab lives a day or a week: long enough for any run, short enough not to matter if copied. */
const DAYS = '30';

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args as string[]);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n')[0]}`, { cause: err });
  }
}

/** A region and the addresses its certificate names (IP SANs: the lab's URLs are IPs). */
export interface RegionAddresses {
  readonly region: string;
  readonly ips: readonly string[];
}

/** subjectAltName entries for addresses. */
export function ipSans(ips: readonly string[]): string[] {
  return ips.map((ip) => `IP:${ip}`);
}

/** `root` emptied, then a new CA in `caDir` (default `root`): an earlier lab's CA is never reused. */
export async function freshCa(root: string, name: string, caDir: string = root): Promise<CertificateAuthority> {
  rmSync(root, { recursive: true, force: true });
  return makeCa(caDir, name);
}

/** A new CA in `root` (ca.crt, ca.key), named `name`. */
export async function makeCa(root: string, name: string): Promise<CertificateAuthority> {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const ca = { crt: join(root, 'ca.crt'), key: join(root, 'ca.key') };
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.key, '-out', ca.crt, '-days', DAYS,
    '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  chmodSync(ca.key, 0o600);
  return ca;
}

/**
 * A certificate for `who` signed by `ca`, written as `outDir`/{ca.crt,tls.crt,tls.key}, good for
 * both ends of a connection (serverAuth, clientAuth). Each has a random serial, so a rotated
 * certificate is told apart from the one it replaces.
 */
export async function issueCertificate(ca: CertificateAuthority, outDir: string, who: CertificateRequest): Promise<void> {
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const key = join(outDir, TLS_DIR_FILES.key);
  const csr = join(outDir, 'tls.csr');
  const ext = join(outDir, 'tls.ext');
  writeFileSync(ext, [
    ...(who.sans.length > 0 ? [`subjectAltName=${who.sans.join(',')}`] : []),
    'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth,clientAuth', '',
  ].join('\n'));
  try {
    await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', who.commonName === null ? '/O=meridian lab' : `/CN=${who.commonName}`]);
    chmodSync(key, 0o600);
    await openssl([
      'x509', '-req', '-in', csr, '-CA', ca.crt, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(16).toString('hex').replace(/^[89a-f]/, '1')}`,
      '-days', DAYS, '-extfile', ext, '-out', join(outDir, TLS_DIR_FILES.cert),
    ]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  copyFileSync(ca.crt, join(outDir, TLS_DIR_FILES.ca));
}
