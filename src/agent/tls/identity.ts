/**
 * An agent's identity on the peer listener: its certificate names its region in one URI SAN,
 * `spiffe://meridian/region/<region>` (the SPIFFE ID form, so a mesh's issuer can mint them too).
 * Agents are addressed by IP, so the host name is not what a peer proves: the region is. Pure.
 */

export const REGION_URI_PREFIX = 'spiffe://meridian/region/';

/** The URI SAN naming `region`. */
export function regionUri(region: string): string {
  return `${REGION_URI_PREFIX}${region}`;
}

export type CertificateRegion = { readonly kind: 'region'; readonly region: string } | { readonly kind: 'none'; readonly reason: string };

/** Region names as the topology allows them (src/spec/schema.ts NAME). */
const REGION = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/**
 * The region a certificate names, from node's `subjectaltname` string (getPeerCertificate(),
 * X509Certificate.subjectAltName): `DNS:a.example, URI:spiffe://meridian/region/eu-west, IP Address:10.0.0.1`.
 * Node quotes a value holding a comma or quote as a JSON string (`URI:"…"`). A certificate naming
 * no region, two regions, or a malformed one names none: the caller refuses it.
 */
export function regionOfCertificate(cert: { readonly subjectaltname?: string | undefined } | undefined): CertificateRegion {
  const san = cert?.subjectaltname;
  if (!san) return { kind: 'none', reason: 'the certificate has no subjectAltName' };
  const entries = parseSubjectAltName(san);
  if (entries === undefined) return { kind: 'none', reason: 'the certificate\'s subjectAltName does not parse' };
  const ours = entries.filter((e) => e.type === 'URI' && e.value.startsWith(REGION_URI_PREFIX)).map((e) => e.value.slice(REGION_URI_PREFIX.length));
  if (ours.length === 0) return { kind: 'none', reason: `the certificate has no URI SAN ${REGION_URI_PREFIX}<region>` };
  const distinct = [...new Set(ours)];
  if (distinct.length > 1) return { kind: 'none', reason: `the certificate names ${distinct.length} regions (${distinct.join(', ')}); an agent's names one` };
  const region = distinct[0] ?? '';
  if (!REGION.test(region)) return { kind: 'none', reason: `'${region}' in the certificate's URI SAN is not a region name` };
  return { kind: 'region', region };
}

interface SanEntry {
  readonly type: string;
  readonly value: string;
}

/** `TYPE:value, TYPE:"quoted, value"` → entries; undefined when it does not follow that form. */
export function parseSubjectAltName(text: string): SanEntry[] | undefined {
  const entries: SanEntry[] = [];
  const entry = /([A-Za-z][A-Za-z ]*):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  let at = 0;
  while (at < text.length) {
    entry.lastIndex = at;
    const match = entry.exec(text);
    if (!match || match[0].length === 0) return undefined;
    const [, type = '', raw = ''] = match;
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        return undefined;
      }
    }
    entries.push({ type, value });
    at = entry.lastIndex;
  }
  return entries;
}
