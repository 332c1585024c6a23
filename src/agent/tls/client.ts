/**
 * The TLS options of an agent's requests to a peer listener: this agent's certificate and key
 * (the set in force now, so a rotation reaches the next connection), the peers' CA, TLS 1.3, and
 * a server identity check on the region SAN instead of the host name: agents are addressed by IP,
 * and what matters is that the answer comes from the region the request was meant for.
 */
import { createSecureContext, type PeerCertificate } from 'node:tls';
import type { ClientTls } from '../../health/index.ts';
import { regionOfCertificate } from './identity.ts';
import type { PeerTlsFiles } from './files.ts';

export function peerClientTls(files: PeerTlsFiles, expected: string): () => ClientTls {
  let last: { readonly from: object; readonly tls: ClientTls } | undefined;
  return () => {
    const current = files.current();
    if (last?.from !== current) {
      const { ca, cert, key } = current;
      // One context per version of the files: building one parses the private key and the CA,
      // and every POST to a peer did it (a fifth of an agent's CPU at rest in the lab's profile).
      const secureContext = createSecureContext({ ca, cert, key, minVersion: 'TLSv1.3' });
      last = { from: current, tls: { ca, cert, key, secureContext, minVersion: 'TLSv1.3', checkServerIdentity: (_host, peer) => checkRegion(peer, expected) } };
    }
    return last.tls;
  };
}

/** undefined when the server's certificate names `expected`; else the error that ends the handshake. */
export function checkRegion(peer: Pick<PeerCertificate, 'subjectaltname'>, expected: string): Error | undefined {
  const named = regionOfCertificate(peer);
  if (named.kind === 'none') return new Error(`peer certificate: ${named.reason}`);
  if (named.region !== expected) return new Error(`peer certificate names region ${named.region}, not ${expected}`);
  return undefined;
}
