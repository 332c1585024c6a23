/**
 * The lab's etcd certificates (docs/security.md "etcd"), made at `lab up` with the openssl CLI
 * (openssl-certs.ts). Two CAs of their own, neither the agents' peer CA (so a peer certificate opens
 * no etcd connection):
 * - the client CA (`<lab dir>/etcd-tls/ca.crt`): a server certificate per member naming its
 *   addresses, a client certificate per agent whose CN is its etcd user (`meridian-<region>`), and
 *   one for `root`, which the lab uses to set up RBAC and to ask the members' /health;
 * - the member-to-member CA (`<lab dir>/etcd-tls/peer-ca/`): a certificate per member for its
 *   peer port, which the others require (`--peer-client-cert-auth`). Separate, because whoever
 *   holds a certificate of the peer CA can join raft: an agent's or root's client certificate must
 *   not be one.
 * Each directory is in the layout `meridian agent --etcd-tls DIR` reads.
 */
import { join } from 'node:path';
import { TLS_DIR_FILES } from '../common/tls-dir.ts';
import { agentEtcdUser, type EtcdServerTls } from '../coord/index.ts';
import { freshCa, ipSans, issueCertificate, makeCa, type RegionAddresses } from './openssl-certs.ts';

export const labEtcdTlsRoot = (dir: string) => join(dir, 'etcd-tls');
export const labEtcdServerDir = (dir: string, region: string) => join(labEtcdTlsRoot(dir), 'server', region);
/** What the region's agent gets as `--etcd-tls`. */
export const labEtcdAgentDir = (dir: string, region: string) => join(labEtcdTlsRoot(dir), 'agent', region);
/** The lab's own client certificate, CN `root`: RBAC set-up and health checks. */
export const labEtcdRootDir = (dir: string) => join(labEtcdTlsRoot(dir), 'root');
const labEtcdPeerCaDir = (dir: string) => join(labEtcdTlsRoot(dir), 'peer-ca');
/** A member's peer-port certificate, signed by the member-to-member CA. */
export const labEtcdPeerDir = (dir: string, region: string) => join(labEtcdTlsRoot(dir), 'peer', region);

const tlsFiles = (d: string): EtcdServerTls => ({ certFile: join(d, TLS_DIR_FILES.cert), keyFile: join(d, TLS_DIR_FILES.key), trustedCaFile: join(d, TLS_DIR_FILES.ca) });

/** A member's server files: its certificate, and the CA every client certificate must come from. */
export function labEtcdServerTls(dir: string, region: string): EtcdServerTls {
  return tlsFiles(labEtcdServerDir(dir, region));
}

/** A member's peer files: its certificate, and the CA every other member's must come from. */
export function labEtcdPeerTls(dir: string, region: string): EtcdServerTls {
  return tlsFiles(labEtcdPeerDir(dir, region));
}

/** The member's addresses: IP SANs, which the agents' gRPC client and the other members check. */
export interface EtcdMemberIdentity extends RegionAddresses {
  /**
   * The addresses the member's own peer connections leave from (its host's primary addresses,
   * which are not its etcd address when the host has several): etcd refuses an incoming peer
   * certificate whose IP SANs do not include the connection's source. Only its peer certificate
   * names them. Default none: a host with one address.
   */
  readonly dialsFrom?: readonly string[];
}

/** Everything above, fresh (an earlier lab's CAs are never reused). */
export async function writeLabEtcdCertificates(dir: string, members: readonly EtcdMemberIdentity[]): Promise<void> {
  const [ca, peerCa] = [await freshCa(labEtcdTlsRoot(dir), 'meridian lab etcd CA'), await makeCa(labEtcdPeerCaDir(dir), 'meridian lab etcd member-to-member CA')];
  await Promise.all([
    ...members.map((m) => issueCertificate(ca, labEtcdServerDir(dir, m.region), { commonName: `etcd ${m.region}`, sans: ipSans(m.ips) })),
    ...members.map((m) => issueCertificate(peerCa, labEtcdPeerDir(dir, m.region), { commonName: `etcd member ${m.region}`, sans: ipSans([...new Set([...m.ips, ...(m.dialsFrom ?? [])])]) })),
    ...members.map((m) => issueCertificate(ca, labEtcdAgentDir(dir, m.region), { commonName: agentEtcdUser(m.region), sans: [] })),
    issueCertificate(ca, labEtcdRootDir(dir), { commonName: 'root', sans: [] }),
  ]);
}
