/**
 * The lab's API certificates, made with the openssl CLI (openssl-certs.ts) as a cluster's
 * cert-manager would: one CA of their own (a key that can impersonate an operator-facing API is not
 * the peers' or etcd's), and per region a certificate naming its agent's addresses (IP SANs: the
 * lab's agent.api URLs are IPs), in `<lab dir>/api-tls/<region>/{ca.crt,tls.crt,tls.key}`.
 */
import { freshCa, ipSans, issueCertificate, type RegionAddresses } from './openssl-certs.ts';
import { labApiTlsDir, labApiTlsRoot } from './api-tls-files.ts';

/** Every address the agent's API is reached at (IPv4 and IPv6). */
export type ApiIdentity = RegionAddresses;

/** A CA and one certificate per region under `<lab dir>/api-tls`. */
export async function writeLabApiCertificates(dir: string, regions: readonly ApiIdentity[]): Promise<void> {
  const ca = await freshCa(labApiTlsRoot(dir), 'meridian lab API CA');
  await Promise.all(regions.map((r) => issueCertificate(ca, labApiTlsDir(dir, r.region), { commonName: `meridian agent API ${r.region}`, sans: ipSans(r.ips) })));
}
