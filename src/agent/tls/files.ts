/**
 * The peer certificates of an agent (`--peer-tls DIR`, the layout of a cert-manager Secret):
 * `ca.crt` (the CA that signs every agent), `tls.crt` (this agent's chain, naming its region,
 * identity.ts) and `tls.key`. Read at start and again within a second of a change, without a
 * restart, as the tokens file is (common/polled-files.ts).
 *
 * At start a missing or invalid file is an InputError naming the file. Later, a set that does not
 * load (unreadable, not PEM, key and certificate that do not match, another region) keeps the
 * last good one and is logged once per version: half of a rotation must not cut the peers off.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { InputError } from '../../common/errors.ts';
import { PolledFiles } from '../../common/polled-files.ts';
import { loadTlsDir, TLS_DIR_FILES } from '../../common/tls-dir.ts';
import { regionOfCertificate } from './identity.ts';

export const PEER_TLS_FILES = TLS_DIR_FILES;

export interface PeerTlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Serial of this agent's certificate (hex), for the logs. */
  readonly serial: string;
}

/**
 * The set in force (`current()`, rechecked at most once per `checkEveryMs`: new connections use
 * it), `onChange` for each new good set (the server swaps its secure context), and `start()` to
 * poll on a timer (a server has no request to check on) until `close()`.
 */
export class PeerTlsFiles extends PolledFiles<PeerTlsMaterial> {
  /** Throws an InputError when the files do not make a usable set for `region`. */
  constructor(
    readonly dir: string,
    region: string,
    logger: Logger,
    checkEveryMs = 1_000,
    now: () => number = Date.now,
  ) {
    super({
      paths: Object.values(PEER_TLS_FILES).map((name) => join(dir, name)),
      load: () => loadMaterial(dir, region),
      onReload: (m) => logger.info({ event: 'peerTls.reloaded', dir, serial: m.serial }, `peer certificates reloaded from ${dir} (serial ${m.serial})`),
      onInvalid: (problem, kept) => logger.error({ event: 'peerTls.invalid', dir, problem }, `${problem}; the peer certificates in force (serial ${kept.serial}) stay`),
      checkEveryMs,
      now,
    });
  }
}

/** Reads and checks the three files (common/tls-dir.ts) and the region named; each problem is an InputError naming the file. */
export function loadMaterial(dir: string, region: string): PeerTlsMaterial {
  const { ca, cert, key, x509 } = loadTlsDir(dir, 'peer TLS');
  const certPath = join(dir, PEER_TLS_FILES.cert);
  const named = regionOfCertificate({ subjectaltname: x509.subjectAltName });
  if (named.kind === 'none') throw new InputError(`peer TLS file ${certPath}: ${named.reason}`);
  if (named.region !== region) throw new InputError(`peer TLS file ${certPath}: the certificate names region ${named.region}, this agent runs in ${region}`);
  return { ca, cert, key, serial: x509.serialNumber };
}
