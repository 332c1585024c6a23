/**
 * Every certificate `lab up` makes before it starts a process (openssl, openssl-certs.ts), one CA
 * per channel so that a key stolen from one channel opens no other: the agents' peer listener
 * (peer-certs.ts), the operators' API over https (api-certs.ts) and, with stores, etcd's clients
 * and its members between themselves (etcd-certs.ts). PostgreSQL's are made with the data layer (pg-certs.ts).
 */
import { writeLabApiCertificates } from './api-certs.ts';
import { writeLabEtcdCertificates } from './etcd-certs.ts';
import type { LabLayout } from './layout.ts';
import { writeLabPeerCertificates } from './peer-certs.ts';

export async function writeLabCertificates(dir: string, layout: LabLayout): Promise<void> {
  const agents = layout.regions.map((r) => ({ region: r.name, ips: [r.agent.ipv4, r.agent.ipv6] }));
  await writeLabPeerCertificates(dir, agents);
  // The API certificate names the addresses of the region's agent.api (IP SANs): clients verify the name.
  await writeLabApiCertificates(dir, agents);
  // A member dials its peers from its namespace's primary address (the agent's, listed first), not
  // its own: etcd checks a peer certificate's IP SANs against the connection's source.
  const etcdMembers = layout.regions.flatMap((r) => (r.etcd ? [{
    region: r.name, ips: [r.etcd.address.ipv4, r.etcd.address.ipv6], dialsFrom: r.addresses[0] ? [r.addresses[0].ipv4, r.addresses[0].ipv6] : [],
  }] : []));
  if (etcdMembers.length > 0) await writeLabEtcdCertificates(dir, etcdMembers);
}
