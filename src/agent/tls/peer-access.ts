/**
 * Who may call the peer routes, once the peer listener has verified a certificate (identity.ts
 * gave its region). Pure; each refusal is one line saying why, and none repeats a fencing token.
 *
 * - POST /v1/view: an agent sends its own view only (vantage = its region). A relayed view (a
 *   peer's view forwarded one hop, sibling-relay.ts) comes only from a sibling: an agent of this
 *   agent's own region. So a region's key can lie about its own vantage point and nothing else.
 * - POST /v1/stores/<s>/local/*: only the current coordinator's region may ask a member to demote
 *   or rebuild, and with the coordinator's fencing token, as before. Without mutual TLS (no
 *   `--peer-tls`) the token alone decides, as it always did.
 */

export type PeerVerdict = { readonly kind: 'allowed' } | { readonly kind: 'refused'; readonly status: 403 | 409; readonly reason: string };

const ALLOWED: PeerVerdict = { kind: 'allowed' };

export interface ViewRequest {
  /** The region the caller's certificate names. */
  readonly certRegion: string;
  /** The region of the view in the body. */
  readonly vantage: string;
  /** Marked as relayed by a sibling (RELAYED_HEADER). */
  readonly relayed: boolean;
  /** The receiving agent's own region. */
  readonly self: string;
}

export function authorizeView(r: ViewRequest): PeerVerdict {
  if (r.relayed) {
    if (r.certRegion === r.self) return ALLOWED;
    return refused(403, `a relayed view is taken only from an agent of ${r.self} (a sibling); this certificate names ${r.certRegion}`);
  }
  if (r.vantage === r.certRegion) return ALLOWED;
  return refused(403, `this certificate names region ${r.certRegion}: it may send ${r.certRegion}'s view only, not ${r.vantage}'s`);
}

/** The election key as the quorum sees it, the holder reduced to its region. */
export type CoordinatorNow =
  | { readonly kind: 'held'; readonly region: string; readonly token: string }
  | { readonly kind: 'free' }
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface LocalRequestFacts {
  /** The region the caller's certificate names; undefined when the request did not come over mutual TLS. */
  readonly certRegion: string | undefined;
  /** The fencing token the body presents. */
  readonly token: string;
  readonly coordinator: CoordinatorNow;
}

export function authorizeLocal(r: LocalRequestFacts): PeerVerdict {
  const c = r.coordinator;
  if (c.kind === 'unavailable') return refused(409, `the coordinator is unknown (${c.reason}): nothing is done without it`);
  if (c.kind === 'free') return refused(409, 'there is no coordinator now: nothing is done without one');
  if (r.certRegion !== undefined && r.certRegion !== c.region) {
    return refused(403, `this certificate names region ${r.certRegion}; only the coordinator's region (${c.region}) may ask a member to demote or rejoin`);
  }
  // The right token is never printed: anyone who may read this answer could then use it.
  if (c.token !== r.token) return refused(409, `token ${r.token} is not the current coordinator's (${c.region})`);
  return ALLOWED;
}

function refused(status: 403 | 409, reason: string): PeerVerdict {
  return { kind: 'refused', status, reason };
}

/** How a request to a peer route came in: over the peer listener, with the region its certificate names, or in clear (no `--peer-tls`). */
export type PeerCaller = { readonly kind: 'mtls'; readonly region: string } | { readonly kind: 'plain' };
