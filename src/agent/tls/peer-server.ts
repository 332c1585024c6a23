/**
 * The peer listener: node:https with mutual TLS (a client certificate signed by the peers' CA is
 * required, TLS 1.3 only), the API's connection caps and deadlines (../api-limits.ts), and the
 * secure context swapped when the certificate files change (files.ts), for new connections.
 * The requests themselves are served by the API's own request handler (../http-api.ts), which
 * knows which listener a request came in on.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { apiServerOptions, limitApiConnections, type ApiLimits } from '../api-limits.ts';
import type { PeerTlsFiles, PeerTlsMaterial } from './files.ts';
import { regionOfCertificate, type CertificateRegion } from './identity.ts';

export function createPeerServer(files: PeerTlsFiles, limits: ApiLimits, logger: Logger, handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer({ ...apiServerOptions(limits), ...contextOptions(files.current()), requestCert: true, rejectUnauthorized: true }, handler);
  limitApiConnections(server, limits, logger);
  files.onChange((material) => server.setSecureContext(contextOptions(material)));
  // A client without a certificate, or one from another CA, ends in the handshake: say so, quietly.
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    logger.debug({ event: 'peer.tlsRefused', client: socket.remoteAddress, reason: err.code ?? err.message }, 'peer TLS handshake refused');
  });
  return server;
}

/** The region the verified client certificate of this request names. */
export function callerRegion(req: IncomingMessage): CertificateRegion {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return { kind: 'none', reason: `the client certificate was not verified (${String(socket.authorizationError ?? 'none sent')})` };
  return regionOfCertificate(socket.getPeerCertificate());
}

function contextOptions(m: PeerTlsMaterial) {
  return { ca: m.ca, cert: m.cert, key: m.key, minVersion: 'TLSv1.3' as const };
}
