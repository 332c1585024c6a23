/** Hand-built database drill histories for the pure report tests. */
import type { ServerIdentity } from '../../../src/drill/history/index.ts';
import type { DbDrillHistory, DbDrillKind, StoreSnapshot, WriteOp } from '../../../src/drill/db/index.ts';

export const EU1: ServerIdentity = { region: 'eu-west', timeline: 1, systemId: '7301' };
export const US2: ServerIdentity = { region: 'us-east', timeline: 2, systemId: '7301' };
export const FAULT = 10_000;

/** Writes sent every `everyMs` in [fromMs, toMs) by `client`, each acked 5 ms later by `server`. */
export function acked(client: string, fromMs: number, toMs: number, server: ServerIdentity, everyMs = 100): WriteOp[] {
  const ops: WriteOp[] = [];
  for (let t = fromMs; t < toMs; t += everyMs) {
    ops.push({ id: `${client}-${t}`, kind: 'write', client, sentAtMs: t, ackedAtMs: t + 5, outcome: 'ok', server });
  }
  return ops;
}

export function failed(client: string, fromMs: number, toMs: number, outcome: 'fail' | 'unknown' = 'fail', everyMs = 100): WriteOp[] {
  const ops: WriteOp[] = [];
  for (let t = fromMs; t < toMs; t += everyMs) {
    ops.push({ id: `${client}-${t}`, kind: 'write', client, sentAtMs: t, endedAtMs: t + 500, outcome, error: 'no answer' });
  }
  return ops;
}

export function snapshot(atMs: number, primary: string | null): StoreSnapshot {
  return {
    atMs,
    primary,
    members: [
      { region: 'eu-west', role: primary === 'eu-west' ? 'primary' : 'unknown', address: '10.0.1.2:5432', reachable: primary === 'eu-west' },
      { region: 'us-east', role: primary === 'us-east' ? 'primary' : 'standby', address: '10.0.2.2:5432', reachable: true },
    ],
  };
}

/** A clean sync-mode failover: eu-west acks until the fault, us-east from FAULT + 3 s, healed at FAULT + 8 s. */
export function cleanFailover(drill: DbDrillKind, over: Partial<DbDrillHistory> = {}): DbDrillHistory {
  const main = [...acked('main', 7000, FAULT, EU1), ...failed('main', FAULT, FAULT + 3000), ...acked('main', FAULT + 3000, FAULT + 11_000, US2)];
  return {
    drill,
    store: 'orders',
    transport: 'sql',
    replication: 'sync',
    runId: 'd1',
    targets: { rtoMs: 30_000, rpoMs: 0 },
    leaseTtlMs: 4000,
    startMs: 7000,
    endMs: FAULT + 11_000,
    oldPrimary: 'eu-west',
    faultRegion: 'eu-west',
    faultAtMs: FAULT,
    restoredAtMs: FAULT + 8000,
    ops: main,
    skipped: { main: 0 },
    survivingIds: main.filter((o) => o.outcome === 'ok').map((o) => o.id),
    survivorsFrom: 'us-east',
    recovery: { outcome: 'settled', afterMs: 3200, primary: 'us-east', by: 'failover', seenAtMs: FAULT + 2900 },
    storeChanges: [snapshot(7000, 'eu-west'), snapshot(FAULT + 2900, 'us-east')],
    runbookSteps: [],
    events: [
      { atMs: 7000, step: 'warmup', detail: 'load' },
      { atMs: FAULT, step: 'fault', detail: 'eu-west cut' },
      { atMs: FAULT + 3200, step: 'recovered', detail: 'us-east' },
      { atMs: FAULT + 8000, step: 'restored', detail: 'heal eu-west' },
    ],
    ...over,
  };
}
