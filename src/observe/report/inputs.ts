/**
 * The plain data the report pages show: the fields they read of a drill's saved `{ report, history }`.
 * observe never imports drill (a drill returns data; the CLI renders and writes the report), so
 * the pages declare what they need and the drill's records (src/drill) satisfy these shapes.
 * The callers that pass a drill's result (the CLI, the bench, the tests) type-check that they do.
 */

export interface NameserverRecord {
  readonly region: string;
  readonly address: string;
  readonly port: number;
}

export interface RegionEndpointsRecord {
  readonly region: string;
  readonly addresses: readonly string[];
}

/** One request of the drill's load client. */
export interface LoadOpRecord {
  readonly startMs: number;
  readonly endMs: number;
  readonly ok: boolean;
  readonly region?: string;
}

/** One direct query of the drill's DNS watcher; `server` is `address:port` (IPv6 in brackets). */
export interface WatcherSampleRecord {
  readonly atMs: number;
  readonly sentAtMs: number;
  readonly server: string;
  readonly addresses?: readonly string[];
  readonly error?: string;
}

export interface CheckRecord {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export interface OutageHistoryInput {
  readonly nameservers: readonly NameserverRecord[];
  readonly endpoints: readonly RegionEndpointsRecord[];
  readonly timeline: { readonly startMs: number; readonly cutAtMs: number; readonly healAtMs: number; readonly restoredAtMs?: number; readonly endMs: number };
  readonly ops: readonly LoadOpRecord[];
  readonly watcherLog: readonly WatcherSampleRecord[];
}

type Latency = { readonly p50: number; readonly p99: number } | null;

export interface OutageReportInput {
  readonly region: string;
  readonly fqdn: string;
  readonly pass: boolean;
  readonly timeline: { readonly startedAt: string; readonly outageMs: number; readonly totalMs: number };
  readonly checks: readonly CheckRecord[];
  readonly cutToLastDeadAnswerMs: {
    readonly maxMs: number | null;
    readonly perNameserver: readonly {
      readonly server: string;
      readonly region: string;
      readonly cutRegion: boolean;
      readonly answersDuringCut: number;
      readonly failuresDuringCut: number;
      readonly lastAnswerWithRegionMs: number | null;
      readonly shifted: boolean;
    }[];
  };
  readonly clientErrorWindow: { readonly failedOps: number; readonly firstErrorMs: number | null; readonly lastErrorMs: number | null };
  readonly clientShift: { readonly lastRequestToRegionMs: number | null };
  readonly timeToReturnMs: { readonly dnsMs: number | null; readonly clientMs: number | null };
  readonly latencyMs: { readonly before: Latency; readonly during: Latency; readonly after: Latency };
  readonly totals: { readonly ops: number; readonly ok: number; readonly successRatio: number | null; readonly clientSkipped: number };
}

/** One write of a database drill's client. */
export interface WriteOpRecord {
  readonly client: string;
  readonly sentAtMs: number;
  readonly outcome: 'ok' | 'fail' | 'unknown';
}

export interface DbDrillHistoryInput {
  readonly startMs: number;
  readonly endMs: number;
  readonly faultRegion: string;
  readonly faultAtMs: number;
  readonly restoredAtMs?: number;
  readonly recovery: { readonly primary?: string; readonly seenAtMs?: number };
  readonly ops: readonly WriteOpRecord[];
  readonly runbookSteps: readonly {
    readonly runbookId: string;
    readonly stepId: string;
    readonly result: 'started' | 'ok' | 'failed' | 'skipped';
    readonly startedAtMs?: number;
    readonly endedAtMs?: number;
    readonly detail?: string;
    readonly seenBy: string;
  }[];
}

export interface DbDrillReportInput {
  readonly drill: string;
  readonly store: string;
  readonly transport: string;
  readonly replication: string;
  readonly faultRegion: string;
  readonly startedAt: string;
  readonly pass: boolean;
  readonly reasons: readonly string[];
  readonly checks: readonly CheckRecord[];
  readonly timeline: readonly { readonly atMs: number; readonly step: string; readonly detail: string }[];
  readonly oldPrimary: string | null;
  readonly newPrimary: string | null;
  readonly recoveredBy: string | null;
  readonly rtoMs: number | null;
  readonly rpoMs: number;
  readonly targets: { readonly rtoMs: number; readonly rpoMs: number };
  readonly lostAckedWrites: { readonly count: number; readonly firstIds: readonly string[] };
  readonly splitBrain: { readonly count: number; readonly examples: readonly { readonly primaries: readonly string[] }[] };
  readonly zombieAcks: { readonly count: number; readonly firstIds: readonly string[]; readonly afterHealCount: number };
  readonly duplicates: { readonly count: number };
  readonly unknowns: { readonly count: number; readonly present: number; readonly absent: number };
  readonly failedButPresent: number;
  readonly clients: Readonly<Record<string, { readonly writes: number; readonly ok: number; readonly fail: number; readonly unknown: number; readonly skipped: number }>>;
}
