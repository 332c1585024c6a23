/**
 * Where a lab keeps its agents' API certificates (docs/security.md "The operators' API over TLS"):
 * `<lab dir>/api-tls/ca.crt` (the lab's API CA, its own, not the peer or etcd CA) and one
 * cert-manager-layout directory per region, `<lab dir>/api-tls/<region>/`, which is what
 * `meridian agent --api-tls DIR` reads. Reading needs only node:fs, so the CLI finds the lab's CA
 * as it finds the lab's tokens (token-files.ts) without loading anything else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDir } from './state.ts';

export const labApiTlsRoot = (dir: string) => join(dir, 'api-tls');
export const labApiTlsDir = (dir: string, region: string) => join(labApiTlsRoot(dir), region);
export const labApiCaPath = (dir: string) => join(labApiTlsRoot(dir), 'ca.crt');

/** The lab's API CA; undefined when there is no lab, its API is plain http (no CA made), or this user may not read it. */
export function readLabApiCa(dir = labDir()): Buffer | undefined {
  try {
    return readFileSync(labApiCaPath(dir));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
