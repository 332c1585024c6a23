/**
 * Builds the coordinator's StoreState: the primary record, marks and lease holder from etcd, and
 * every member observed TWICE over SQL (short timeouts, ~300 ms apart, with a heartbeat row
 * committed on the primary in between) so src/data can judge eligibility from evidence.
 *
 * It remembers, across ticks, each member's last known role and position and the primary's
 * timeline history and LSN, so an unreachable member is reported with its last known values.
 *
 * "Cut off from the quorum": a recorded primary whose lease has been gone for `graceMs` while
 * its database stays fenced (read-only) is counted as down by quorum. Its agent fences it when it
 * loses the lease and would take the lease again at once if it could reach the etcd majority;
 * after the grace it evidently cannot, so the region is lost to the quorum even though its
 * database still answers reads from here.
 */
import {
  adminTarget, observeCandidateOn, readMemberStateOn, SessionPool,
  type DbTimeouts, type KeptSession, type SessionRead, type Lsn, type DbState, type Observation, type PgAuth, type ReplicaInfo, type TimelineHistory,
} from '../../data/index.ts';
import { systemClock, type Clock } from '../../common/clock.ts';
import type { CoordinationStore, FencingToken } from '../../coord/index.ts';
import type { Store } from '../../spec/index.ts';
import type { MemberState, PrimaryLease, RunbookProgress, StoreState } from '../types.ts';
import { writeHeartbeat } from './heartbeat.ts';
import { clusterHistory } from './cluster-history.ts';
import { isFenced, lastKnownOf, toMemberState, type LastKnown } from './member-state.ts';
import { Reachability } from './reachability.ts';
import type { StoreMember } from './members.ts';
import { leaseHeldFor, readStoreView, type PrimaryRecord, type StoreView } from './store-records.ts';

export interface ObserverOptions {
  readonly store: Store;
  /** `<primaryHostname>.<zone>`. */
  readonly primaryName: string;
  readonly members: readonly StoreMember[];
  readonly auth: PgAuth;
  readonly coord: CoordinationStore;
  readonly leaseKey: string;
  readonly leaseTtlMs: number;
  /** Who observes (its heartbeat row is named after it). */
  readonly self: string;
  readonly regionDown: (region: string) => boolean;
  readonly timeouts?: Partial<DbTimeouts>;
  /** Between the two samples. @default 300 */
  readonly sampleGapMs?: number;
  /** @default systemClock (monotonic) */
  readonly clock?: Pick<Clock, 'nowMs'>;
}

/** What a coordinator asks for each tick; StoreObserver answers it over real PostgreSQL and etcd. */
export interface SnapshotInput {
  readonly coordinatorToken: FencingToken;
  readonly runbook: RunbookProgress | null;
  readonly graceMs: number;
  readonly quickWithinMs?: number;
  /** Rebuilds running on members' agents (the coordinator keeps what they answered). */
  readonly jobs?: ReadonlyMap<string, RejoinJobReport>;
}

/** The snapshot port of a store's reconciler (the fake cluster answers it in unit tests). */
export interface StoreSnapshots {
  snapshot(input: SnapshotInput): Promise<{ readonly kind: 'snapshot'; readonly state: StoreState } | { readonly kind: 'unavailable'; readonly reason: string }>;
}

/** A rebuild running on a member's own agent, as the coordinator last heard from it. */
export interface RejoinJobReport {
  readonly sinceMs: number;
  readonly askedAtMs: number;
  readonly detail: string;
}

export type SnapshotOutcome =
  | { readonly kind: 'snapshot'; readonly state: StoreState; readonly view: StoreView; readonly record: PrimaryRecord }
  /** Nothing to plan from: etcd unreachable, no primary record yet, or one we cannot read. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/** The recorded primary as it last answered: when, its WAL position, its pg_stat_replication. */
export interface PrimaryObservation {
  readonly region: string;
  readonly atMs: number;
  readonly currentLsn: Lsn;
  readonly replicas: readonly ReplicaInfo[];
}

export { isFenced };

/** The quorum's view of the lease `region` held: held while the key is held by or for that region. */
export function leaseOfRegion(view: StoreView, region: string, nowMs: number, ttlMs: number): PrimaryLease {
  const lease = view.lease;
  if (!lease || !leaseHeldFor(lease, region)) return { kind: 'expired' };
  return { kind: 'held', token: lease.token, validUntilMs: nowMs + ttlMs };
}

export class StoreObserver implements StoreSnapshots {
  private readonly lastKnown = new Map<string, LastKnown>();
  private history: TimelineHistory | undefined;
  private systemIdentifier: string | undefined;
  private primaryLsn: Lsn | undefined;
  /** The primary's pg_stat_replication when it last answered: which standbys were synchronous. */
  private replicas: readonly ReplicaInfo[] = [];
  /** The primary's last answer, cleared when it stops answering as primary (for lag reporting). */
  private lastPrimary: PrimaryObservation | undefined;
  private expired: { token: FencingToken; sinceMs: number } | undefined;
  /** Per region: since when it follows the recorded primary without streaming from it. */
  private readonly notStreamingSince = new Map<string, number>();

  private readonly reach: Reachability;
  private readonly sessions: SessionPool;
  /** Each member's last observation from the last snapshot, for a quick one (see snapshot). */
  private lastSamples: { atMs: number; record: string; byRegion: Map<string, Observation> } | undefined;

  constructor(private readonly o: ObserverOptions) {
    this.reach = new Reachability(o.timeouts, () => this.now());
    this.sessions = new SessionPool(o.timeouts);
  }

  /** Timeouts for the next contact with `region`'s database: short if it was silent a moment ago. */
  timeoutsFor(region: string): Partial<DbTimeouts> {
    return this.reach.timeoutsFor(region);
  }

  /** How long ago `region`'s database last failed to answer, while it is silent. */
  silentFor(region: string): number | undefined {
    return this.reach.silentFor(region);
  }

  private now(): number {
    return (this.o.clock ?? systemClock).nowMs();
  }

  /** What the recorded primary last said about itself and its standbys; no database round-trip. */
  primaryObservation(): PrimaryObservation | undefined {
    return this.lastPrimary;
  }

  /**
   * `quick`: the previous snapshot's last samples, if taken within that many ms, serve as the
   * first sample, so only one new look is taken and without the gap; a primary that was silent
   * then is not asked again. For the re-plan right after the old primary's lease ended: the
   * standbys' positions are read after the lease, and the comparison spans the whole wait.
   */
  async snapshot(input: SnapshotInput): Promise<SnapshotOutcome> {
    const read = await readStoreView(this.o.coord, this.o.store.name, this.o.leaseKey, this.o.members.map((m) => m.region));
    if (read.kind === 'unavailable') return { kind: 'unavailable', reason: `etcd: ${read.reason}` };
    const { view } = read;
    const record = view.record;
    if (record === undefined) {
      return { kind: 'unavailable', reason: `no primary record yet: the agent of ${this.o.store.primaryRegion} writes it when it first takes the primary lease` };
    }
    if (record === 'unreadable') return { kind: 'unavailable', reason: 'the primary record in etcd does not parse: fix it by hand' };
    const previous = this.lastSamples;
    const quick = input.quickWithinMs !== undefined && previous !== undefined && previous.record === record.region && this.now() - previous.atMs <= input.quickWithinMs;
    const samples = quick ? await this.sampleAfter(record, previous.byRegion) : await this.sampleTwice(record);
    this.lastSamples = { atMs: this.now(), record: record.region, byRegion: new Map([...samples].map(([r, obs]) => [r, obs.at(-1)!])) };
    const lease = leaseOfRegion(view, record.region, this.now(), this.o.leaseTtlMs);
    const cutOff = this.cutOff(record, lease, samples.get(record.region)?.at(-1)?.member, view, input.graceMs);
    const replicas = this.rememberPrimary(record.region, samples, record.timeline);
    const members: MemberState[] = this.o.members.map((m) => {
      const own = samples.get(m.region) ?? [];
      const state = toMemberState(
        {
          region: m.region,
          samples: own,
          needsRejoin: view.rejoin.has(m.region),
          regionDownByQuorum: this.o.regionDown(m.region) || (m.region === record.region && cutOff),
          ...this.known(m.region, record, input.runbook),
          ...this.waitingToStream(m.region, record.region, own.at(-1)?.member),
        },
        {
          members: this.o.members,
          ...(this.history ? { history: this.history } : {}),
          ...(this.systemIdentifier !== undefined ? { systemIdentifier: this.systemIdentifier } : {}),
          ...(this.primaryLsn !== undefined ? { lastKnownPrimaryLsn: this.primaryLsn } : {}),
          primaryReplicas: replicas,
        },
      );
      const next = lastKnownOf(own.at(-1), this.lastKnown.get(m.region));
      if (next) this.lastKnown.set(m.region, next);
      const job = input.jobs?.get(m.region);
      return job ? { ...state, rejoinJob: job } : state;
    });
    const state: StoreState = {
      store: this.o.store.name,
      mode: this.o.store.replication,
      primary: { region: record.region, token: record.token },
      members,
      lease,
      dns: { name: this.o.primaryName, target: record.region },
      coordinator: { token: input.coordinatorToken },
      runbook: input.runbook,
      syncSet: typeof view.sync === 'object' ? { count: view.sync.count, members: view.sync.members } : null,
      paused: view.paused ?? null,
    };
    return { kind: 'snapshot', state, view, record };
  }

  /** How long `region` has been configured to follow the primary without streaming from it. */
  private waitingToStream(region: string, primary: string, db: DbState | undefined): { notStreamingForMs?: number } {
    const conf = db?.reachable && db.role === 'standby' ? db.upstreamConfigured : undefined;
    const target = this.o.members.find((m) => m.region === primary)?.endpoint;
    const follows = conf !== undefined && target !== undefined && conf.host === target.host && conf.port === target.port;
    const streams = db?.reachable && db.role === 'standby' && db.walReceiver?.status === 'streaming';
    if (!follows || streams || region === primary) {
      this.notStreamingSince.delete(region);
      return {};
    }
    const since = this.notStreamingSince.get(region) ?? this.now();
    this.notStreamingSince.set(region, since);
    return { notStreamingForMs: this.now() - since };
  }

  /** One sample of every member, eligibility not judged: what await-catchup polls. */
  async readOnce(primaryRegion: string | undefined): Promise<MemberState[]> {
    const observed = await Promise.all(this.o.members.map(async (m) => [m.region, [await this.observe(m, primaryRegion)]] as const));
    const samples = new Map(observed);
    const replicas = primaryRegion ? this.rememberPrimary(primaryRegion, samples) : [];
    return this.o.members.map((m) =>
      toMemberState(
        { region: m.region, samples: samples.get(m.region) ?? [], needsRejoin: false, regionDownByQuorum: this.o.regionDown(m.region), ...this.known(m.region) },
        { members: this.o.members, primaryReplicas: replicas },
      ),
    );
  }

  /** Keeps the remembered primary history and position fresh (every agent does it, coordinator or not). */
  async observePrimary(region: string): Promise<void> {
    const m = this.o.members.find((x) => x.region === region);
    if (!m) return;
    const member = await this.reach.observe(region, () => readMemberStateOn(this.sessionOf(m), this.reach.timeoutsFor(region)), (x) => x.reachable);
    const sample: Observation = { atMs: this.now(), member };
    this.rememberPrimary(region, new Map([[region, [sample]]]));
    const known = lastKnownOf(sample, this.lastKnown.get(region));
    if (known) this.lastKnown.set(region, known);
  }

  /**
   * What we remember of `region`. A new coordinator that never saw the primary the record
   * replaced still knows, from the record and the open runbook, that it last ran as a primary.
   */
  private known(region: string, record?: PrimaryRecord, runbook?: RunbookProgress | null): { lastKnown?: LastKnown } {
    const k = this.lastKnown.get(region);
    if (k) return { lastKnown: k };
    // Only while the failover away from it is unfinished: later it may well be a standby.
    if (record?.previous === region && runbook?.kind === 'failover' && runbook.subject === region) {
      return { lastKnown: { role: 'primary', timeline: Math.max(1, (record.timeline ?? 2) - 1), lsn: 0n } };
    }
    return {};
  }

  private async sampleAfter(record: PrimaryRecord, before: ReadonlyMap<string, Observation>): Promise<Map<string, Observation[]>> {
    const silent = before.get(record.region)?.member.reachable === false;
    const now = await Promise.all(this.o.members.map((m) => {
      const last = before.get(m.region);
      if (m.region === record.region && silent && last) return Promise.resolve(last);
      return this.observe(m, silent ? undefined : record.region);
    }));
    return new Map(this.o.members.map((m, i) => [m.region, [before.get(m.region) ?? now[i]!, now[i]!]]));
  }

  private async sampleTwice(record: PrimaryRecord): Promise<Map<string, Observation[]>> {
    const first = await Promise.all(this.o.members.map((m) => this.observe(m, record.region)));
    const at = this.o.members.findIndex((m) => m.region === record.region);
    const primary = this.o.members[at];
    // A primary that did not answer gets no heartbeat (it would only wait out its timeout), its
    // second look runs during the gap, and the standbys do not ask it for its position again.
    const silent = primary !== undefined && !first[at]!.member.reachable;
    if (primary && !silent) {
      await writeHeartbeat(primary.endpoint, this.o.auth, `observer:${this.o.self}`, record.token.toString(), { ...this.reach.timeoutsFor(primary.region), statementMs: 1000 }, 'local')
        .catch(() => undefined); // only there to make WAL; a fenced or dead primary is judged elsewhere
    }
    const gap = new Promise((r) => setTimeout(r, this.o.sampleGapMs ?? 300));
    const primaryAgain = silent ? this.observe(primary, record.region) : undefined;
    await gap;
    const second = await Promise.all(this.o.members.map((m, i) => (i === at && primaryAgain ? primaryAgain : this.observe(m, silent ? undefined : record.region))));
    return new Map(this.o.members.map((m, i) => [m.region, [first[i]!, second[i]!]]));
  }

  private observe(m: StoreMember, primaryRegion: string | undefined): Promise<Observation> {
    const primary = this.o.members.find((x) => x.region === primaryRegion && x.region !== m.region);
    return this.reach.observe(
      m.region,
      () => observeCandidateOn(this.readOf(m), primary ? this.readOf(primary) : undefined, () => this.now()),
      (o) => o.member.reachable,
    );
  }

  /** The kept session to a member (data/kept-session.ts): a look costs a query, not a connection. */
  private sessionOf(m: StoreMember): KeptSession {
    return this.sessions.session(adminTarget(m.endpoint, this.o.auth));
  }

  /** A look at `m` on its kept session, opened within its current timeouts if it must be. */
  private readOf(m: StoreMember): SessionRead {
    return { session: this.sessionOf(m), opts: this.reach.timeoutsFor(m.region) };
  }

  /** Ends the kept sessions (the agent's shutdown). */
  close(): Promise<void> {
    return this.sessions.close();
  }

  /**
   * Remember the recorded primary's history, position and replicas. Returns its replicas: now if
   * it answers, else as last seen. Sync mode needs the last ones: once the primary is gone, which
   * standbys held every acknowledged write is only known from what it last said.
   */
  private rememberPrimary(region: string, samples: ReadonlyMap<string, readonly Observation[]>, recordTimeline?: number): readonly ReplicaInfo[] {
    const last = samples.get(region)?.at(-1)?.member;
    if (last?.reachable && last.role === 'primary') {
      if (last.history) this.history = last.history;
      this.systemIdentifier = last.systemIdentifier;
      this.primaryLsn = last.currentLsn;
      this.replicas = last.replicas;
      this.lastPrimary = { region, atMs: samples.get(region)?.at(-1)?.atMs ?? this.now(), currentLsn: last.currentLsn, replicas: last.replicas };
      return last.replicas;
    }
    // Lag is reported only from a primary that answered its last sample, never from memory.
    if (samples.has(region)) this.lastPrimary = undefined;
    const reachable = [...samples.values()].map((s) => s.at(-1)?.member).filter((m): m is Extract<DbState, { reachable: true }> => !!m?.reachable);
    const history = clusterHistory(this.history, recordTimeline, reachable);
    if (history && history !== this.history) {
      this.history = history;
      this.systemIdentifier ??= reachable.find((m) => m.history === history)?.systemIdentifier;
    }
    return this.replicas;
  }

  private cutOff(record: PrimaryRecord, lease: PrimaryLease, primary: DbState | undefined, view: StoreView, graceMs: number): boolean {
    const now = this.now();
    if (lease.kind === 'held') {
      this.expired = undefined;
      return false;
    }
    if (!this.expired || this.expired.token !== record.token) this.expired = { token: record.token, sinceMs: now };
    const fencedPrimary = primary !== undefined && primary.reachable && primary.role === 'primary' && isFenced(primary);
    return fencedPrimary && !view.blocked.has(record.region) && now - this.expired.sinceMs >= graceMs;
  }
}
