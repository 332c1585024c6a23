/** Acknowledged writes and the primary identity that acknowledged them. */
import type { HistoryOp, ServerIdentity } from './types.ts';

export interface Ack {
  readonly id: string;
  readonly atMs: number;
  readonly sentAtMs: number;
  /** undefined when the client did not learn which server answered. */
  readonly primary: string | undefined;
}

/** `us-east/tl2/7301…`: region, then timeline and system id when known. */
export function primaryKey(server: ServerIdentity): string {
  const timeline = server.timeline === undefined ? '' : `/tl${server.timeline}`;
  const system = server.systemId === undefined ? '' : `/${server.systemId}`;
  return `${server.region}${timeline}${system}`;
}

/** Successful writes, oldest acknowledgement first (ties by id, so the order is deterministic). */
export function acksOf(ops: readonly HistoryOp[]): Ack[] {
  return ops
    .filter((op) => op.kind === 'write' && op.outcome === 'ok')
    .map((op) => ({ id: op.id, atMs: op.ackedAtMs!, sentAtMs: op.sentAtMs, primary: op.server ? primaryKey(op.server) : undefined }))
    .sort((a, b) => a.atMs - b.atMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
