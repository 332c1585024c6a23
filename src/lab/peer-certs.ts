/**
 * The lab's peer certificates (docs/security.md "Mutual TLS between agents"), made at `lab up` with
 * the openssl CLI, like a cluster's cert-manager would: one CA, and per region a certificate naming
 * the region (URI SAN `spiffe://meridian/region/<region>`) and its agent's addresses, in the layout
 * of a cert-manager Secret (`<lab dir>/peer-tls/<region>/{ca.crt,tls.crt,tls.key}`), which is what
 * `meridian agent --peer-tls DIR` reads. The openssl calls are openssl-certs.ts.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { regionUri } from '../agent/tls/identity.ts';
import { issueCertificate, makeCa, type CertificateAuthority } from './openssl-certs.ts';

export const labPeerTlsRoot = (dir: string) => join(dir, 'peer-tls');
export const labPeerTlsDir = (dir: string, region: string) => join(labPeerTlsRoot(dir), region);

export type PeerCa = CertificateAuthority;

export interface PeerIdentity {
  readonly region: string;
  /** The agent's addresses, as IP SANs (not checked by the agents, which check the region; kept for tools like curl). */
  readonly ips: readonly string[];
}

/** A new CA in `root` (ca.crt, ca.key). */
export function makePeerCa(root: string): Promise<PeerCa> {
  return makeCa(root, 'meridian lab peer CA');
}

/** A certificate for `who` signed by `ca`, written as `outDir`/{ca.crt,tls.crt,tls.key}, naming the region in a URI SAN. */
export function issuePeerCertificate(ca: PeerCa, outDir: string, who: PeerIdentity): Promise<void> {
  return issueCertificate(ca, outDir, { commonName: `meridian agent ${who.region}`, sans: [`URI:${regionUri(who.region)}`, ...who.ips.map((ip) => `IP:${ip}`)] });
}

/** A CA and one certificate per region under `<lab dir>/peer-tls`: what `lab up` gives its agents. */
export async function writeLabPeerCertificates(dir: string, regions: readonly PeerIdentity[]): Promise<void> {
  const root = labPeerTlsRoot(dir);
  rmSync(root, { recursive: true, force: true });
  const ca = await makePeerCa(root);
  await Promise.all(regions.map((r) => issuePeerCertificate(ca, labPeerTlsDir(dir, r.region), r)));
}
