/**
 * The lab's etcd certificates (docs/security.md "etcd"), made at `lab up` with the openssl CLI
 * (openssl-certs.ts): a CA of their own (not the agents' peer CA, so a peer certificate opens no
 * etcd connection), a server certificate per member naming its addresses, a client certificate per
 * agent whose CN is its etcd user (`meridian-<region>`), and one for `root`, which the lab uses to
 * set up RBAC and to ask the members' /health. Under `<lab dir>/etcd-tls/`, each in the layout
 * `meridian agent --etcd-tls DIR` reads.
 */
import { join } from 'node:path';
import { TLS_DIR_FILES } from '../common/tls-dir.ts';
import { agentEtcdUser, type EtcdServerTls } from '../coord/index.ts';
import { freshCa, ipSans, issueCertificate, type RegionAddresses } from './openssl-certs.ts';

export const labEtcdTlsRoot = (dir: string) => join(dir, 'etcd-tls');
export const labEtcdServerDir = (dir: string, region: string) => join(labEtcdTlsRoot(dir), 'server', region);
/** What the region's agent gets as `--etcd-tls`. */
export const labEtcdAgentDir = (dir: string, region: string) => join(labEtcdTlsRoot(dir), 'agent', region);
/** The lab's own client certificate, CN `root`: RBAC set-up and health checks. */
export const labEtcdRootDir = (dir: string) => join(labEtcdTlsRoot(dir), 'root');

/** A member's server files: its certificate, and the CA every client certificate must come from. */
export function labEtcdServerTls(dir: string, region: string): EtcdServerTls {
  const d = labEtcdServerDir(dir, region);
  return { certFile: join(d, TLS_DIR_FILES.cert), keyFile: join(d, TLS_DIR_FILES.key), trustedCaFile: join(d, TLS_DIR_FILES.ca) };
}

/** The member's addresses: IP SANs, which the agents' gRPC client checks against the client URL's host. */
export type EtcdMemberIdentity = RegionAddresses;

/** Everything above, fresh (an earlier lab's CA is never reused). */
export async function writeLabEtcdCertificates(dir: string, members: readonly EtcdMemberIdentity[]): Promise<void> {
  const ca = await freshCa(labEtcdTlsRoot(dir), 'meridian lab etcd CA');
  await Promise.all([
    ...members.map((m) => issueCertificate(ca, labEtcdServerDir(dir, m.region), { commonName: `etcd ${m.region}`, sans: ipSans(m.ips) })),
    ...members.map((m) => issueCertificate(ca, labEtcdAgentDir(dir, m.region), { commonName: agentEtcdUser(m.region), sans: [] })),
    issueCertificate(ca, labEtcdRootDir(dir), { commonName: 'root', sans: [] }),
  ]);
}
