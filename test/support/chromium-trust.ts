/**
 * Chromium's trust in the lab's agents, whose APIs are https with certificates from the lab's own
 * CA (`<lab dir>/api-tls/`). Chromium does not take a CA file on its command line; the choices were:
 * - `--ignore-certificate-errors-spki-list` with the SHA-256 of the agents' public keys (chosen):
 *   nothing to install, scoped to one browser process, and it admits exactly the keys this lab
 *   made: a page served with any other key still fails as it would for a user. Chromium honours it
 *   only with `--user-data-dir`, which playwright always passes. What it gives up: for those keys
 *   the chain and the name are not checked by Chromium (node's and curl's tests check those).
 * - a CA added to an NSS database (`$HOME/.pki/nssdb`, certutil from libnss3-tools): the real
 *   chain and name checks, but one more Debian package, a HOME per test, and Chromium's handling
 *   of user trust anchors on Linux has changed across versions (the Chrome Root Store).
 * - playwright's `ignoreHTTPSErrors`: any certificate at all, so a test could not tell a wrong one.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Base64 SHA-256 of a certificate's SubjectPublicKeyInfo: the form Chromium's SPKI list takes. */
export function spkiHash(pem: string | Buffer): string {
  const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** The flag that makes Chromium accept the lab's agents' API certificates (each region's tls.crt under `<lab dir>/api-tls/`). */
export function labApiTrustArgs(labDir: string): string[] {
  const root = join(labDir, 'api-tls');
  const hashes = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => spkiHash(readFileSync(join(root, e.name, 'tls.crt'))));
  if (hashes.length === 0) throw new Error(`no agent API certificate under ${root}`);
  return [`--ignore-certificate-errors-spki-list=${hashes.join(',')}`];
}
