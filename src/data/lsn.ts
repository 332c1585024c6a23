/**
 * PostgreSQL log sequence numbers (LSN): a 64-bit byte position in the WAL, printed as two
 * hexadecimal halves `16/B374D848`. Held as bigint because positions exceed 2^53; a JS number
 * would silently round and make two different positions compare equal.
 */

export type Lsn = bigint;

const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;
const HALF = 32n;
const LOW_MASK = 0xffffffffn;

/** Parse `X/Y` as printed by PostgreSQL. Throws on anything else: it only ever comes from the server. */
export function parseLsn(text: string): Lsn {
  const match = LSN_TEXT.exec(text.trim());
  if (!match) throw new Error(`not a PostgreSQL LSN: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << HALF) | BigInt(`0x${match[2]}`);
}

/** `null` (e.g. pg_last_wal_receive_lsn() on a standby that never streamed) becomes undefined. */
export function parseOptionalLsn(text: string | null | undefined): Lsn | undefined {
  return text === null || text === undefined ? undefined : parseLsn(text);
}

/** Same spelling as the server (`0/3000060`), so logs can be grepped against server logs. */
export function formatLsn(lsn: Lsn): string {
  if (lsn < 0n || lsn > 0xffffffffffffffffn) throw new Error(`LSN out of range: ${lsn}`);
  const high = (lsn >> HALF).toString(16).toUpperCase();
  const low = (lsn & LOW_MASK).toString(16).toUpperCase();
  return `${high}/${low}`;
}

export function compareLsn(a: Lsn, b: Lsn): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Bytes from `behind` to `ahead`, never negative (a position ahead counts as zero lag). */
export function lsnLagBytes(ahead: Lsn, behind: Lsn): bigint {
  return ahead > behind ? ahead - behind : 0n;
}

export function maxLsn(...lsns: readonly (Lsn | undefined)[]): Lsn | undefined {
  let best: Lsn | undefined;
  for (const lsn of lsns) if (lsn !== undefined && (best === undefined || lsn > best)) best = lsn;
  return best;
}
