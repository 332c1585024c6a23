/**
 * The certificate of the operators' API (`--api-tls DIR`, the layout of a cert-manager Secret):
 * `tls.crt` (naming the address of regions[].agent.api) and `tls.key`; `ca.crt` is optional: the
 * API asks no client certificate (operators prove who they are with a bearer token), so the CA
 * is not needed to serve; when present, this agent trusts it to call the other agents' APIs.
 * Read at start and again within a second of a change, without a restart, as the peer
 * certificates are (files.ts): a set that does not load keeps the last good one and is logged.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PolledFiles } from '../../common/polled-files.ts';
import { loadServerTlsDir, TLS_DIR_FILES } from '../../common/tls-dir.ts';

export interface ApiTlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
  /** Serial of the API's certificate (hex), for the logs. */
  readonly serial: string;
}

/** The material in force, reloaded as PeerTlsFiles is (`current`, `onChange`, `start`, `close`). */
export class ApiTlsFiles extends PolledFiles<ApiTlsMaterial> {
  /** Throws an InputError naming the file when tls.crt and tls.key do not make a usable pair. */
  constructor(readonly dir: string, logger: Logger, checkEveryMs = 1_000, now: () => number = Date.now) {
    super({
      // ca.crt is watched when it is there at start; one added later is read with the next certificate.
      paths: [TLS_DIR_FILES.cert, TLS_DIR_FILES.key, ...(existsSync(join(dir, TLS_DIR_FILES.ca)) ? [TLS_DIR_FILES.ca] : [])].map((name) => join(dir, name)),
      load: () => loadApiMaterial(dir),
      onReload: (m) => logger.info({ event: 'apiTls.reloaded', dir, serial: m.serial }, `API certificate reloaded from ${dir} (serial ${m.serial})`),
      onInvalid: (problem, kept) => logger.error({ event: 'apiTls.invalid', dir, problem }, `${problem}; the API certificate in force (serial ${kept.serial}) stays`),
      checkEveryMs,
      now,
    });
  }
}

export function loadApiMaterial(dir: string): ApiTlsMaterial {
  const { cert, key, ca, x509 } = loadServerTlsDir(dir, 'API TLS');
  return { cert, key, serial: x509.serialNumber, ...(ca ? { ca } : {}) };
}
