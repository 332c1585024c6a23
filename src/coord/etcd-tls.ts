/**
 * TLS to etcd with a client certificate (`meridian agent --etcd-tls DIR`, the layout of a
 * cert-manager Secret: ca.crt, tls.crt, tls.key; docs/security.md "etcd"). etcd started with
 * `--client-cert-auth --trusted-ca-file` refuses the handshake of a client without a certificate
 * signed by that CA, and, when its auth is enabled, takes the certificate's common name (CN) as
 * the etcd user, so the CN is read here to be logged and documented.
 *
 * The files are read once, when the client is built: etcd3 takes the PEM when it opens its gRPC
 * channels and offers no way to swap them, so a rotated certificate is used after a restart.
 */
import { InputError } from '../common/errors.ts';
import { loadTlsDir } from '../common/tls-dir.ts';

export interface EtcdTls {
  readonly dir: string;
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The certificate's CN: the etcd user this client acts as when etcd's auth is enabled (undefined: no CN). */
  readonly user: string | undefined;
}

/** Reads `dir`; a missing or unusable file is one InputError naming it. */
export function loadEtcdTls(dir: string): EtcdTls {
  const { ca, cert, key, x509 } = loadTlsDir(dir, 'etcd TLS');
  return { dir, ca, cert, key, user: commonName(x509.subject) };
}

/** etcd3's `credentials` option (it builds gRPC's SSL channel credentials from these). */
export function etcd3Credentials(tls: EtcdTls): { rootCertificate: Buffer; certChain: Buffer; privateKey: Buffer } {
  return { rootCertificate: tls.ca, certChain: tls.cert, privateKey: tls.key };
}

/**
 * Why these endpoints cannot be used with (or without) a client certificate, or undefined.
 * Pure. With certificates every endpoint must be https (an http one would never send them); an
 * https endpoint without them would get a TLS channel that trusts the system CAs and presents no
 * certificate, which is not a configuration anyone means: it is refused rather than half-secure.
 */
export function etcdEndpointProblem(endpoints: readonly string[], tls: boolean): string | undefined {
  if (tls) {
    const plain = endpoints.filter((e) => !e.startsWith('https://'));
    if (plain.length > 0) return `etcd endpoints ${plain.join(', ')} are not https:// but an etcd TLS directory was given: use https:// client URLs`;
    return undefined;
  }
  const secure = endpoints.filter((e) => e.startsWith('https://'));
  if (secure.length > 0) return `etcd endpoints ${secure.join(', ')} are https:// but no etcd TLS directory was given (meridian agent --etcd-tls DIR: ca.crt, tls.crt, tls.key)`;
  return undefined;
}

/** Throws the problem as an InputError: for callers that must not start half-configured. */
export function checkEtcdEndpoints(endpoints: readonly string[], tls: boolean): void {
  const problem = etcdEndpointProblem(endpoints, tls);
  if (problem) throw new InputError(problem);
}

/** `CN=meridian-eu-west` out of node's multi-line subject (`C=…\nCN=…`). */
function commonName(subject: string): string | undefined {
  const line = subject.split('\n').find((l) => l.startsWith('CN='));
  return line ? line.slice(3) : undefined;
}
