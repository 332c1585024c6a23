/** Binding a listening socket, with a failure explained in one line a person can act on. */
import type { Server } from 'node:net';
import { InfraError, InputError } from '../common/errors.ts';
import type { ListenAddress } from './plan.ts';

/** The errno code of a bind failure, looking through `cause` chains (gslb wraps its errors). */
export function bindErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) return code;
  }
  return undefined;
}

/** One clear error for a socket that could not be bound: input if the address is wrong, else infra. */
export function explainBindError(what: string, at: ListenAddress, err: unknown): Error {
  const where = at.host.includes(':') ? `[${at.host}]:${at.port}` : `${at.host}:${at.port}`;
  const code = bindErrorCode(err);
  switch (code) {
    case 'EADDRINUSE':
      return new InfraError(`cannot listen for ${what} on ${where}: address already in use (another agent or server is running there)`, { cause: err });
    case 'EADDRNOTAVAIL':
      return new InputError(`cannot listen for ${what} on ${where}: ${at.host} is not an address of this machine (or of this network namespace)`, { cause: err });
    case 'EACCES':
      return new InfraError(`cannot listen for ${what} on ${where}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)`, { cause: err });
    default:
      return new InfraError(`cannot listen for ${what} on ${where}: ${code ?? (err instanceof Error ? err.message : String(err))}`, { cause: err });
  }
}

export function listenOrExplain(
  what: string,
  at: ListenAddress,
  listen: (host: string, port: number, onListening: () => void) => void,
  server: Server,
): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(explainBindError(what, at, err));
    server.once('error', onError);
    listen(at.host, at.port, () => {
      server.off('error', onError);
      const address = server.address();
      resolve({ host: at.host, port: typeof address === 'object' && address ? address.port : at.port });
    });
  });
}
