/**
 * The lab's peer certificates (docs/security.md "Mutual TLS between agents"), made at `lab up` with
 * the openssl CLI, like a cluster's cert-manager would: one CA, and per region a certificate naming
 * the region (URI SAN `spiffe://meridian/region/<region>`) and its agent's addresses, in the layout
 * of a cert-manager Secret (`<lab dir>/peer-tls/<region>/{ca.crt,tls.crt,tls.key}`), which is what
 * `meridian agent --peer-tls DIR` reads. P-256 keys, 0600, in 0700 directories. No crypto here.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PEER_TLS_FILES } from '../agent/tls/files.ts';
import { regionUri } from '../agent/tls/identity.ts';

const run = promisify(execFile);

export const labPeerTlsRoot = (dir: string) => join(dir, 'peer-tls');
export const labPeerTlsDir = (dir: string, region: string) => join(labPeerTlsRoot(dir), region);

export interface PeerCa {
  readonly crt: string;
  readonly key: string;
}

export interface PeerIdentity {
  readonly region: string;
  /** The agent's addresses, as IP SANs (not checked by the agents, which check the region; kept for tools like curl). */
  readonly ips: readonly string[];
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

/** A new CA in `root` (ca.crt, ca.key). */
export async function makePeerCa(root: string): Promise<PeerCa> {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const ca = { crt: join(root, 'ca.crt'), key: join(root, 'ca.key') };
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.key, '-out', ca.crt, '-days', DAYS,
    '-subj', '/CN=meridian lab peer CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  chmodSync(ca.key, 0o600);
  return ca;
}

/**
 * A certificate for `who` signed by `ca`, written as `outDir`/{ca.crt,tls.crt,tls.key}. Each has a
 * random serial, so a rotated certificate is told apart from the one it replaces.
 */
export async function issuePeerCertificate(ca: PeerCa, outDir: string, who: PeerIdentity): Promise<void> {
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const key = join(outDir, PEER_TLS_FILES.key);
  const csr = join(outDir, 'tls.csr');
  const ext = join(outDir, 'tls.ext');
  const san = [`URI:${regionUri(who.region)}`, ...who.ips.map((ip) => `IP:${ip}`)].join(',');
  writeFileSync(ext, [
    `subjectAltName=${san}`, 'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth,clientAuth', '',
  ].join('\n'));
  try {
    await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=meridian agent ${who.region}`]);
    chmodSync(key, 0o600);
    await openssl([
      'x509', '-req', '-in', csr, '-CA', ca.crt, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(16).toString('hex').replace(/^[89a-f]/, '1')}`,
      '-days', DAYS, '-extfile', ext, '-out', join(outDir, PEER_TLS_FILES.cert),
    ]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  copyFileSync(ca.crt, join(outDir, PEER_TLS_FILES.ca));
}

/** A CA and one certificate per region under `<lab dir>/peer-tls`: what `lab up` gives its agents. */
export async function writeLabPeerCertificates(dir: string, regions: readonly PeerIdentity[]): Promise<void> {
  const root = labPeerTlsRoot(dir);
  rmSync(root, { recursive: true, force: true });
  const ca = await makePeerCa(root);
  await Promise.all(regions.map((r) => issuePeerCertificate(ca, labPeerTlsDir(dir, r.region), r)));
}
