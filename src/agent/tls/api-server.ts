/**
 * The operators' API over https (`--api-tls`): server authentication only (operators send bearer
 * tokens, not certificates), TLS 1.2 or later (curl, browsers and Prometheus all speak it), the
 * API's connection caps and deadlines, and the secure context swapped when the certificate files
 * change (api-files.ts), for new connections: a rotation needs no restart.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { apiServerOptions, type ApiLimits } from '../api-limits.ts';
import type { ApiTlsFiles, ApiTlsMaterial } from './api-files.ts';

/** The caller adds the connection limits (limitApiConnections), as for the plain API. */
export function createApiTlsServer(files: ApiTlsFiles, limits: ApiLimits, logger: Logger, handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer({ ...apiServerOptions(limits), ...contextOptions(files.current()) }, handler);
  files.onChange((material) => server.setSecureContext(contextOptions(material)));
  // A plaintext request, or a client that does not trust the certificate, ends in the handshake: quietly.
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    logger.debug({ event: 'api.tlsRefused', client: socket.remoteAddress, reason: err.code ?? err.message }, 'API TLS handshake refused');
  });
  return server;
}

function contextOptions(m: ApiTlsMaterial) {
  return { cert: m.cert, key: m.key, minVersion: 'TLSv1.2' as const };
}
