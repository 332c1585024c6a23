/**
 * A TLS directory in the layout of a cert-manager Secret: `ca.crt` (the CA to trust), `tls.crt`
 * (this process's certificate chain) and `tls.key`. The agents' peer certificates (`--peer-tls`)
 * and their etcd client certificates (`--etcd-tls`) are both such a directory, so both are read
 * and checked here, and a bad one is refused the same way: one InputError naming the file.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { InputError } from './errors.ts';

export const TLS_DIR_FILES = { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;

export interface TlsDirMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The first certificate of `tls.crt`, parsed: callers check the identity it names. */
  readonly x509: X509Certificate;
}

/**
 * Reads and checks the three files of `dir`: each readable, the two certificates PEM, the key the
 * key of `tls.crt`. `what` starts every message ("peer TLS", "etcd TLS"), so an operator sees
 * which of the directories is wrong and which file in it.
 */
export function loadTlsDir(dir: string, what: string): TlsDirMaterial {
  const path = (name: string) => join(dir, name);
  const read = (name: string) => {
    try {
      return readFileSync(path(name));
    } catch (err) {
      throw new InputError(`${what} file ${path(name)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  };
  const ca = read(TLS_DIR_FILES.ca);
  const cert = read(TLS_DIR_FILES.cert);
  const key = read(TLS_DIR_FILES.key);
  let x509: X509Certificate;
  try {
    new X509Certificate(ca);
    x509 = new X509Certificate(cert);
  } catch (err) {
    const which = isPemCertificate(ca) ? TLS_DIR_FILES.cert : TLS_DIR_FILES.ca;
    throw new InputError(`${what} file ${path(which)}: not a PEM certificate (${(err as Error).message})`);
  }
  try {
    // node checks here that the key is the certificate's: a mismatched pair fails now, not at the first handshake.
    createSecureContext({ ca, cert, key });
  } catch (err) {
    throw new InputError(`${what} file ${path(TLS_DIR_FILES.key)}: not the key of ${path(TLS_DIR_FILES.cert)}, or not a PEM key (${(err as Error).message})`);
  }
  return { ca, cert, key, x509 };
}

/**
 * A server's TLS directory (the agent's API, `--api-tls`): `tls.crt` and `tls.key` are required,
 * `ca.crt` is optional (a cert-manager Secret has it; a server that asks no client certificate
 * does not need it). Checked as loadTlsDir checks its files.
 */
export function loadServerTlsDir(dir: string, what: string): Omit<TlsDirMaterial, 'ca'> & { readonly ca?: Buffer } {
  const path = (name: string) => join(dir, name);
  const read = (name: string, optional: boolean) => {
    try {
      return readFileSync(path(name));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (optional && code === 'ENOENT') return undefined;
      throw new InputError(`${what} file ${path(name)}: cannot read it (${code ?? String(err)})`);
    }
  };
  const cert = read(TLS_DIR_FILES.cert, false) as Buffer;
  const key = read(TLS_DIR_FILES.key, false) as Buffer;
  const ca = read(TLS_DIR_FILES.ca, true);
  if (ca && !isPemCertificate(ca)) throw new InputError(`${what} file ${path(TLS_DIR_FILES.ca)}: not a PEM certificate`);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new InputError(`${what} file ${path(TLS_DIR_FILES.cert)}: not a PEM certificate (${(err as Error).message})`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new InputError(`${what} file ${path(TLS_DIR_FILES.key)}: not the key of ${path(TLS_DIR_FILES.cert)}, or not a PEM key (${(err as Error).message})`);
  }
  return { cert, key, x509, ...(ca ? { ca } : {}) };
}

function isPemCertificate(pem: Buffer): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}
