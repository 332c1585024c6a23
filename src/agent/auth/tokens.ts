/**
 * Bearer tokens and the agent's tokens file (docs/security.md, "Tokens").
 *
 * A token is 32 random bytes (base64url) behind a `mrd_` prefix (so secret scanners and humans
 * recognize one). The agent keeps only its SHA-256 digest. A fast unsalted digest is enough here,
 * unlike for passwords: a 256-bit random token cannot be guessed or found from its digest by a
 * dictionary, so a slow KDF would only slow every request. Digests are compared with
 * crypto.timingSafeEqual, against every entry, so how long a check takes does not tell an
 * attacker how much of a digest matched.
 *
 * The file is YAML, one entry a line, so `meridian token create` can print the line to append:
 *   - { name: alice, role: operator, sha256: 3f1c… }
 * `name` is the principal every action and denial is recorded with. Two entries may share a name
 * (the old and the new token while one is rotated); two entries may not share a digest.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse } from 'yaml';
import { z } from 'zod';
import { ROLES, type Role } from './roles.ts';

export const TOKEN_PREFIX = 'mrd_';
const TOKEN_SHAPE = /^mrd_[A-Za-z0-9_-]{43}$/;

export interface TokenEntry {
  readonly name: string;
  readonly role: Role;
  /** Hex SHA-256 of the whole token, prefix included. */
  readonly sha256: string;
}

const EntrySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'letters, digits and . _ @ - (at most 64)'),
  role: z.enum(ROLES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'the hex SHA-256 of the token (64 lowercase hex digits)'),
});

export function generateToken(random: (bytes: number) => Buffer = randomBytes): string {
  return `${TOKEN_PREFIX}${random(32).toString('base64url')}`;
}

export function digestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The line to append to a tokens file for a new token. */
export function tokenLine(entry: TokenEntry): string {
  return `- { name: ${entry.name}, role: ${entry.role}, sha256: ${entry.sha256} }`;
}

/** The entries of a tokens file's text; throws with the file and the entry at fault. */
export function parseTokens(text: string, file: string): TokenEntry[] {
  let doc: unknown;
  try {
    doc = parse(text) ?? [];
  } catch (err) {
    throw new Error(`${file}: not YAML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (!Array.isArray(doc)) throw new Error(`${file}: must be a YAML list of { name, role, sha256 } (one entry a line)`);
  const seen = new Set<string>();
  return doc.map((item, i) => {
    const parsed = EntrySchema.safeParse(item);
    if (!parsed.success) throw new Error(`${file}: entry ${i + 1}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
    if (seen.has(parsed.data.sha256)) throw new Error(`${file}: entry ${i + 1} (${parsed.data.name}): the same token digest appears twice`);
    seen.add(parsed.data.sha256);
    return parsed.data;
  });
}

/** The entry of `token`, or undefined. Every entry is compared, in constant time each. */
export function findToken(entries: readonly TokenEntry[], token: string): TokenEntry | undefined {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const presented = Buffer.from(digestToken(token), 'hex');
  let found: TokenEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(presented, Buffer.from(entry.sha256, 'hex')) && !found) found = entry;
  }
  return found;
}

/** `Bearer <token>` → the token; undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer +(\S+) *$/i.exec(header) : null;
  return match?.[1];
}
