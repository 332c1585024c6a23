/**
 * Connection accounting for the agent's listeners (HTTP API, DNS over TCP, dashboard streams):
 * how many are open per source address and in all, and whether one more may be admitted. Pure:
 * the caller admits on accept and releases on close (./connection-gate.ts does that for a
 * node:net server). Sources are remote addresses, IPv4-mapped IPv6 read as IPv4, so one host
 * counts once whichever socket family it arrived on.
 */

export interface ConnectionCaps {
  /** Open at once from one remote address. */
  readonly perSource: number;
  /** Open at once from everyone. */
  readonly total: number;
}

export type Admission = 'admitted' | 'sourceFull' | 'totalFull';

export class ConnectionLedger {
  private readonly bySource = new Map<string, number>();
  private open = 0;

  constructor(readonly caps: ConnectionCaps) {}

  /** Counts the connection in when there is room; a refusal counts nothing. */
  admit(source: string): Admission {
    if (this.open >= this.caps.total) return 'totalFull';
    const mine = this.bySource.get(source) ?? 0;
    if (mine >= this.caps.perSource) return 'sourceFull';
    this.bySource.set(source, mine + 1);
    this.open++;
    return 'admitted';
  }

  /** Once per admitted connection, when it closes. */
  release(source: string): void {
    const mine = this.bySource.get(source);
    // A release without an admission is a wiring bug: the counts would drift and refuse everyone.
    if (mine === undefined) throw new Error(`connection ledger: release of '${source}' that was never admitted`);
    if (mine <= 1) this.bySource.delete(source);
    else this.bySource.set(source, mine - 1);
    this.open--;
  }

  get total(): number {
    return this.open;
  }

  countOf(source: string): number {
    return this.bySource.get(source) ?? 0;
  }
}

/** The key a connection is counted under: its remote address, `::ffff:a.b.c.d` as `a.b.c.d`. */
export function sourceKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return '';
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(remoteAddress) ? remoteAddress.slice(7) : remoteAddress;
}
