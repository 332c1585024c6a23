/**
 * The write-history vocabulary: what a database load client records per operation during a
 * drill, what is found afterwards in the surviving primary, and the checker's report.
 * Times are epoch milliseconds from the drill's clock.
 */

/** The database server that answered, as the client saw it (e.g. from a `RETURNING` of server facts). */
export interface ServerIdentity {
  readonly region: string;
  /** Timeline the primary wrote on: tells two incarnations of a primary in one region apart. */
  readonly timeline?: number;
  /** pg_control system identifier: tells two different clusters apart. */
  readonly systemId?: string;
}

export interface HistoryOp {
  /** Unique per operation: the row key a write inserts. */
  readonly id: string;
  readonly kind: 'write' | 'read';
  readonly sentAtMs: number;
  /** When the answer arrived; required when outcome is `ok`. */
  readonly ackedAtMs?: number;
  /** `unknown`: timed out or the connection dropped, so it may or may not have committed. */
  readonly outcome: 'ok' | 'fail' | 'unknown';
  readonly server?: ServerIdentity;
}

export interface HistoryTargets {
  readonly rtoMs: number;
  /** 0 means no acknowledged write may be lost. */
  readonly rpoMs: number;
}

export interface HistoryInput {
  readonly ops: readonly HistoryOp[];
  /** Write ids found in the surviving primary after the drill; an id listed twice was applied twice. */
  readonly survivingIds: readonly string[];
  readonly faultAtMs: number;
  readonly healAtMs?: number;
  /** When the new primary was promoted, if known: bounds the old primary's legitimate acks. */
  readonly failoverAtMs?: number;
  readonly targets: HistoryTargets;
}

export interface SplitBrainExample {
  /** Two primary identities (`region/tlN/systemId`) whose acknowledged writes interleave. */
  readonly primaries: readonly [string, string];
  readonly fromMs: number;
  readonly toMs: number;
  /** Up to five ids acknowledged inside the overlap, by each side. */
  readonly ids: readonly string[];
}

export interface HistoryReport {
  readonly ackedWrites: number;
  readonly ackedLost: {
    readonly count: number;
    /** In acknowledgement order. */
    readonly ids: readonly string[];
    /** Last lost ack − first lost ack (0 for none or one). */
    readonly rpoMs: number;
  };
  /** First durable ack after the fault − last ack before it; null when no write was acked after. */
  readonly rtoMs: number | null;
  readonly lastAckBeforeFaultMs: number | null;
  readonly firstAckAfterFaultMs: number | null;
  readonly splitBrain: { readonly count: number; readonly examples: readonly SplitBrainExample[] };
  readonly zombieAcks: {
    readonly count: number;
    readonly ids: readonly string[];
    readonly oldPrimary: string | null;
    readonly newPrimary: string | null;
    /** Acks by the old primary after this instant are zombie acks. */
    readonly afterMs: number | null;
    /** Of those, acked after the heal: the old primary came back and took writes. */
    readonly afterHealCount: number;
  };
  readonly duplicates: {
    readonly count: number;
    readonly ids: readonly string[];
    readonly presentTwice: readonly string[];
    readonly ackedTwice: readonly string[];
  };
  /** Informational, never counted as lost. */
  readonly unknownOutcomes: { readonly present: readonly string[]; readonly absent: readonly string[] };
  /** Informational: writes the client was told failed, yet committed (a client should see `unknown` there). */
  readonly failedButPresent: readonly string[];
  readonly verdict: { readonly pass: boolean; readonly failures: readonly string[] };
}
