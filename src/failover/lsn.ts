/**
 * LSN spelling for reasons and audit details. src/data has the full LSN toolkit; this folder
 * keeps its own two-line formatter so the failover core stays free of the Postgres adapter.
 */
import type { Lsn } from './types.ts';

/** `0/3000060`, exactly as PostgreSQL prints it, so reasons can be grepped against server logs. */
export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Bytes from `behind` to `ahead`, never negative. */
export function lagBytes(ahead: Lsn, behind: Lsn): bigint {
  return ahead > behind ? ahead - behind : 0n;
}

/** The furthest WAL a member holds: what it replayed, or what it flushed and will replay. */
export function heldLsn(m: { readonly replayLsn: Lsn; readonly receiveLsn?: Lsn }): Lsn {
  return m.receiveLsn !== undefined && m.receiveLsn > m.replayLsn ? m.receiveLsn : m.replayLsn;
}
