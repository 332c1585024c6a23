/**
 * An in-memory replicated store for unit tests: a model of the world the reconciler acts on.
 * Fakes at ports only: it implements the executor's ports (fake-replica.ts) and models what
 * PostgreSQL, etcd and the members' own agents do between two coordinator ticks:
 *
 * - WAL: each member holds a timeline and a position; a standby whose primary_conninfo names a
 *   reachable primary (fenced or not: a fenced primary keeps its WAL senders) streams from it
 *   whenever its history allows, also after a heal, and so can take WAL past a fork point;
 * - commits: `write()` on a primary commits WAL and is acknowledged only when `count` of the
 *   standbys in its synchronous_standby_names stream from it (ANY k), at once in async mode;
 * - agents (`agentsTick`): a primary's agent renews its lease while its region and database are
 *   up, fences on lease loss, takes a new lease and lifts the fence when the record still names
 *   it, keeps the synchronous set equal to the standbys that stream; a member's agent starts a
 *   stopped database as a standby of the recorded primary.
 *
 * It checks the safety invariants on every change and collects violations: two writable
 * primaries, a promotion while another member's lease lives, an acknowledged write the new
 * primary does not hold, an acknowledgement by a primary the record does not name.
 */
import { InfraError } from '../../common/errors.ts';
import type { LeaseCheck, PortOutcome, ReplicaControl, TrafficControl } from '../ports.ts';
import type { FencingToken, Lsn, MemberState, PrimaryLease, RunbookProgress, StoreMode, StoreState, SyncSet } from '../types.ts';
import { fakeReplica } from './fake-replica.ts';
import type { Clock } from '../ports.ts';

/** The fake world's clock: the VirtualClock, or a ManualClock the shell under test runs on. */
export type FakeClock = Clock & { advance(ms: number): void | Promise<void> };

export interface FakeMemberInit {
  readonly region: string;
  readonly role: 'primary' | 'standby';
  readonly lsn: Lsn;
  readonly timeline?: number;
  /** Standbys: defaults to the primary. null: frozen. */
  readonly upstream?: string | null;
  /** Sync mode: listed in the primary's synchronous set. Default: every standby is. */
  readonly synchronous?: boolean;
  /** A reason makes it ineligible (as the data adapter would judge a stalled replay). */
  readonly ineligible?: string;
}

export interface FakeClusterInit {
  readonly clock: FakeClock;
  readonly members: readonly FakeMemberInit[];
  readonly store?: string;
  readonly mode?: StoreMode;
  readonly primaryToken?: FencingToken;
  readonly dnsName?: string;
  readonly leaseTtlMs?: number;
  /** failover.syncStrict, as the primary's agent applies it. @default true */
  readonly syncStrict?: boolean;
}

export interface FakeMember {
  region: string;
  role: 'primary' | 'standby';
  timeline: number;
  lsn: Lsn;
  /** Where primary_conninfo points (standbys); null: frozen. */
  follows: string | null;
  /** Set by `propagate`: the primary it streams from now. */
  upstream: string | null;
  /** Where each ended timeline switched (this member's own history, as its history files say). */
  history: Map<number, Lsn>;
  ineligible: string | undefined;
  /** The database answers (the process runs and is not frozen). */
  reachable: boolean;
  /** The database process runs (false after a crash or a hard fence). */
  running: boolean;
  regionDown: boolean;
  needsRejoin: boolean;
  /** Refuses writes: fenced, marked for rejoin, or writes blocked for a switchover. */
  readOnly: boolean;
  /** A switchover's write block: its agent keeps it fenced and takes no lease. */
  writesBlocked: boolean;
  /** Primaries: synchronous_standby_names. */
  syncNames: SyncSet;
  /** Since when it follows the recorded primary without streaming (notStreamingForMs). */
  notStreamingSinceMs: number | undefined;
}

export type PortMethod = keyof ReplicaControl | keyof TrafficControl;

export interface Effect {
  readonly method: PortMethod;
  readonly region: string;
  readonly detail: string;
}

export interface Ack {
  readonly region: string;
  readonly timeline: number;
  readonly lsn: Lsn;
}

export class FakeCluster {
  readonly clock: FakeClock;
  readonly store: string;
  readonly mode: StoreMode;
  readonly dnsName: string;
  readonly leaseTtlMs: number;
  readonly syncStrict: boolean;
  readonly members: FakeMember[];
  record: { region: string; token: FencingToken };
  dnsTarget: string | null;
  /** The synchronous set recorded beside the record (sync mode). */
  syncSet: SyncSet | null;
  /** Every state change a port made, in order (a no-op repeat adds nothing). */
  readonly effects: Effect[] = [];
  readonly violations: string[] = [];
  /** Every acknowledged commit, in order. */
  readonly acks: Ack[] = [];
  /** Called before every port effect: a test injects a fault (a heal, a cut) in the middle of a runbook. */
  beforeEffect: ((method: PortMethod, region: string) => void) | undefined;
  /** @internal (fake ports) */
  readonly leases = new Map<FencingToken, { region: string; expiresAtMs: number | null }>();
  /** @internal (fake ports) */
  readonly faults = new Map<PortMethod, 'throw' | 'refuse' | 'half'>();
  /** @internal (fake ports): rebuilds report `pending` this many times before they finish. */
  rejoinTakesCalls = 0;
  /** @internal (fake ports) */
  readonly rejoinCalls = new Map<string, number>();
  private revision: bigint;
  private coordinatorToken: FencingToken | null = null;
  /**
   * When the shell under test holds a real (in-memory quorum) coordinator lease, the fake ports
   * accept exactly its token: set this to ask the shell's lease.
   */
  coordinatorIs: ((token: FencingToken) => boolean) | undefined;

  constructor(init: FakeClusterInit) {
    this.clock = init.clock;
    this.store = init.store ?? 'orders';
    this.mode = init.mode ?? 'async';
    this.dnsName = init.dnsName ?? 'primary.orders.db';
    this.leaseTtlMs = init.leaseTtlMs ?? 2000;
    this.syncStrict = init.syncStrict ?? true;
    const primary = init.members.find((m) => m.role === 'primary');
    if (!primary) throw new Error('fake cluster needs a primary');
    const standbys = init.members.filter((m) => m.role === 'standby');
    const listed = standbys.some((m) => m.synchronous) ? standbys.filter((m) => m.synchronous) : standbys;
    const sync: SyncSet = this.mode === 'sync' ? { count: 1, members: listed.map((m) => m.region) } : { count: 0, members: [] };
    this.members = init.members.map((m) => ({
      region: m.region,
      role: m.role,
      timeline: m.timeline ?? 1,
      lsn: m.lsn,
      follows: m.role === 'primary' ? null : m.upstream === undefined ? primary.region : m.upstream,
      upstream: null,
      history: new Map(),
      ineligible: m.ineligible,
      reachable: true,
      running: true,
      regionDown: false,
      needsRejoin: false,
      readOnly: false,
      writesBlocked: false,
      syncNames: m.role === 'primary' ? sync : { count: 0, members: [] },
      notStreamingSinceMs: undefined,
    }));
    const token = init.primaryToken ?? 5n;
    this.revision = token;
    this.record = { region: primary.region, token };
    this.leases.set(token, { region: primary.region, expiresAtMs: null });
    this.dnsTarget = primary.region;
    this.syncSet = this.mode === 'sync' ? sync : null;
    // The members' positions are given as they are: streaming starts with the first change.
    for (const m of this.members) if (m.role === 'standby' && m.follows === primary.region && this.canStream(m, this.member(primary.region))) m.upstream = primary.region;
  }

  /** @internal (fake ports): a fresh, larger token, as an etcd revision. */
  nextToken(): FencingToken {
    return ++this.revision;
  }

  // ── faults ─────────────────────────────────────────────────────────────────────────────

  member(region: string): FakeMember {
    const m = this.members.find((x) => x.region === region);
    if (!m) throw new Error(`no member ${region}`);
    return m;
  }

  /** The whole region is cut off: quorum sees it down, its agent stops renewing its leases. */
  failRegion(region: string): void {
    const m = this.member(region);
    m.regionDown = true;
    m.reachable = false;
    this.stopRenewing(region);
    this.propagate();
  }

  /** Only the database is down (stopped, or frozen); the region is up. */
  failDatabase(region: string, how: 'stopped' | 'frozen' = 'stopped'): void {
    const m = this.member(region);
    m.reachable = false;
    if (how === 'stopped') m.running = false;
    this.stopRenewing(region);
    this.propagate();
  }

  /**
   * Region and database answer again, with whatever role and data they had. A primary without a
   * live lease is fenced by its agent (it lost the lease while cut); standbys re-attach to
   * whatever their primary_conninfo names, as PostgreSQL's WAL receivers do.
   */
  restore(region: string): void {
    const m = this.member(region);
    m.regionDown = false;
    if (m.running) m.reachable = true;
    if (m.role === 'primary' && !this.liveLeaseHolders().includes(region)) m.readOnly = true;
    this.propagate();
  }

  setIneligible(region: string, reason: string | undefined): void {
    this.member(region).ineligible = reason;
  }

  /** A new coordinator takes the coordinator lease: the previous one is fenced. */
  newCoordinator(): FencingToken {
    this.coordinatorToken = ++this.revision;
    return this.coordinatorToken;
  }

  loseCoordinator(): void {
    this.coordinatorToken = null;
  }

  /** The next call of `method` throws, is refused, or (promote only) records the primary but dies before promoting. */
  failNext(method: PortMethod, how: 'throw' | 'refuse' | 'half' = 'throw'): void {
    this.faults.set(method, how);
  }

  // ── clients and agents ─────────────────────────────────────────────────────────────────

  /**
   * A client's commit on the member the primary name resolves to (the record). Returns whether it
   * was acknowledged: the WAL is written either way, as PostgreSQL writes it before waiting.
   */
  write(bytes: Lsn = 0x10n): 'acked' | 'refused' | 'waiting' {
    const p = this.members.find((m) => m.region === this.dnsTarget);
    return p ? this.commitOn(p, bytes) : 'refused';
  }

  /** A client pinned to `region`'s address (a zombie acknowledging would be caught here). */
  writeTo(region: string, bytes: Lsn = 0x10n): 'acked' | 'refused' | 'waiting' {
    return this.commitOn(this.member(region), bytes);
  }

  /** A client inside `region`: a cut of the region does not keep it from its own database. */
  writeInRegion(region: string, bytes: Lsn = 0x10n): 'acked' | 'refused' | 'waiting' {
    const m = this.member(region);
    if (!m.running || !m.regionDown) return this.commitOn(m, bytes);
    m.reachable = true;
    try {
      return this.commitOn(m, bytes);
    } finally {
      m.reachable = false;
    }
  }

  /** What every member's own agent does between two coordinator ticks (local-guard.ts). */
  agentsTick(): void {
    this.expireLeases();
    for (const m of this.members) {
      if (m.regionDown) continue;
      if (!m.running && this.record.region !== m.region) this.startAsStandby(m);
      if (m.role === 'primary' && m.reachable) this.primaryAgent(m);
    }
    this.propagate();
  }

  /** Members that would accept a write right now. */
  writablePrimaries(): string[] {
    return this.members.filter((m) => m.reachable && m.role === 'primary' && !m.readOnly).map((m) => m.region);
  }

  snapshot(runbook: RunbookProgress | null = null): StoreState {
    this.expireLeases();
    return {
      store: this.store,
      mode: this.mode,
      primary: { ...this.record },
      members: this.memberStates(),
      lease: this.leaseOf(this.record.region, this.record.token),
      dns: { name: this.dnsName, target: this.dnsTarget },
      coordinator: { token: this.coordinatorToken ?? 0n },
      runbook,
      syncSet: this.syncSet,
    };
  }

  ports(): { replica: ReplicaControl; traffic: TrafficControl; lease: LeaseCheck } {
    return { replica: fakeReplica(this), traffic: this.traffic, lease: this.leaseCheck };
  }

  // ── the model ──────────────────────────────────────────────────────────────────────────

  private commitOn(p: FakeMember, bytes: Lsn): 'acked' | 'refused' | 'waiting' {
    if (!p.reachable || p.role !== 'primary' || p.readOnly) return 'refused';
    p.lsn += bytes;
    this.propagate();
    const confirming = p.syncNames.members.filter((r) => this.member(r).upstream === p.region).length;
    if (p.syncNames.count > 0 && confirming < p.syncNames.count) return 'waiting';
    this.acks.push({ region: p.region, timeline: p.timeline, lsn: p.lsn });
    if (p.region !== this.record.region) this.violations.push(`${p.region} acknowledged a write at ${p.lsn} while the record names ${this.record.region}`);
    return 'acked';
  }

  private primaryAgent(m: FakeMember): void {
    const holds = this.leaseOf(m.region, this.record.token).kind === 'held' && this.record.region === m.region;
    if (holds) {
      if (!m.readOnly) this.maintainSyncSet(m);
      return;
    }
    if (this.record.region !== m.region || m.needsRejoin || m.writesBlocked) {
      m.readOnly = true;
      return;
    }
    if (this.liveLeaseHolders().length > 0) return;
    // The record still names it and the key is free: a new lease, then the fence is lifted.
    const fresh = this.nextToken();
    this.record = { region: m.region, token: fresh };
    this.leases.set(fresh, { region: m.region, expiresAtMs: null });
    m.readOnly = false;
    this.check('re-acquire', m.region);
  }

  /** The primary's agent: the set follows the standbys that stream; strict keeps the last one when none does. */
  private maintainSyncSet(p: FakeMember): void {
    if (this.mode !== 'sync') return;
    const streaming = this.members.filter((s) => s.upstream === p.region).map((s) => s.region);
    if (streaming.length === 0 && this.syncStrict) return;
    const wanted: SyncSet = streaming.length === 0 ? { count: 0, members: [] } : { count: 1, members: streaming };
    if (sameSet(wanted, p.syncNames) && this.syncSet && sameSet(wanted, this.syncSet)) return;
    // Grow the recorded set first, change the database, then (after a commit) shrink the record.
    this.syncSet = { count: 1, members: [...new Set([...(this.syncSet?.members ?? []), ...wanted.members])] };
    p.syncNames = wanted;
    if (this.commitOn(p, 0x8n) === 'acked') this.syncSet = wanted;
  }

  private startAsStandby(m: FakeMember): void {
    m.running = true;
    m.reachable = !m.regionDown;
    m.role = 'standby';
    m.follows = this.record.region;
    m.readOnly = false;
  }

  /** Streaming: every standby whose conninfo names a reachable primary it can follow takes its WAL. */
  propagate(): void {
    const now = this.clock.nowMs();
    for (const m of this.members) {
      m.upstream = null;
      if (m.role !== 'standby' || !m.reachable || m.follows === null) continue;
      const source = this.members.find((s) => s.region === m.follows);
      if (!source || source.role !== 'primary' || !source.reachable || source.regionDown || m.regionDown || !this.canStream(m, source)) continue;
      m.upstream = source.region;
      m.timeline = source.timeline;
      m.lsn = source.lsn;
      m.history = new Map(source.history);
    }
    for (const m of this.members) {
      const waiting = m.role === 'standby' && m.reachable && m.follows === this.record.region && m.upstream !== this.record.region;
      m.notStreamingSinceMs = waiting ? (m.notStreamingSinceMs ?? now) : undefined;
    }
    this.check('propagate', '');
  }

  /** PostgreSQL's rule: a standby follows a server whose history contains its own position. */
  canStream(m: FakeMember, source: FakeMember): boolean {
    if (m.timeline > source.timeline) return false;
    if (m.timeline === source.timeline) return m.lsn <= source.lsn && !this.forkedAway(m, source);
    const switchAt = source.history.get(m.timeline);
    return switchAt !== undefined && m.lsn <= switchAt;
  }

  /** Same timeline number, different branch: both ended an older timeline at different points. */
  private forkedAway(m: FakeMember, source: FakeMember): boolean {
    for (const [tl, at] of m.history) if (source.history.get(tl) !== at) return true;
    return false;
  }

  /** @internal (fake ports): it cannot stream from the recorded primary as it is. */
  diverged(m: FakeMember): boolean {
    const p = this.member(this.record.region);
    if (p === m || p.role !== 'primary') return false;
    return !this.canStream(m, p);
  }

  private expireLeases(): void {
    const holder = this.leaseOf(this.record.region, this.record.token);
    const p = this.member(this.record.region);
    // An agent fences on its lease's local deadline, even while cut off.
    if (holder.kind === 'expired' && p.role === 'primary' && p.running) p.readOnly = true;
  }

  private stopRenewing(region: string): void {
    for (const lease of this.leases.values()) {
      if (lease.region === region && lease.expiresAtMs === null) lease.expiresAtMs = this.clock.nowMs() + this.leaseTtlMs;
    }
  }

  /** @internal (fake ports) */
  leaseOf(region: string, token: FencingToken): PrimaryLease {
    const lease = this.leases.get(token);
    if (!lease || lease.region !== region) return { kind: 'expired' };
    const now = this.clock.nowMs();
    if (lease.expiresAtMs !== null && now >= lease.expiresAtMs) return { kind: 'expired' };
    return { kind: 'held', token, validUntilMs: lease.expiresAtMs ?? now + this.leaseTtlMs };
  }

  /** @internal (fake ports) */
  liveLeaseHolders(): string[] {
    return [...this.leases.entries()]
      .filter(([token, l]) => this.leaseOf(l.region, token).kind === 'held')
      .map(([, l]) => l.region);
  }

  /** @internal (fake ports) */
  memberStates(): MemberState[] {
    const now = this.clock.nowMs();
    return this.members.map((m) => ({
      region: m.region,
      reachable: m.reachable,
      role: m.role,
      timeline: m.timeline,
      replayLsn: m.lsn,
      receiveLsn: m.lsn,
      eligibility: m.ineligible ? { eligible: false, reason: m.ineligible } : { eligible: true },
      regionDownByQuorum: m.regionDown,
      upstream: m.role === 'standby' && m.reachable ? m.upstream : null,
      ...(m.role === 'standby' && m.upstream ? { upstreamTimeline: m.timeline } : {}),
      ...(m.role === 'standby' ? { follows: m.follows } : {}),
      ...(m.notStreamingSinceMs !== undefined ? { notStreamingForMs: now - m.notStreamingSinceMs } : {}),
      synchronous: this.member(this.record.region).syncNames.members.includes(m.region),
      diverged: m.role === 'standby' && m.reachable && this.diverged(m),
      needsRejoin: m.needsRejoin,
      ...(m.role === 'primary' ? { writable: !m.readOnly } : {}),
    }));
  }

  /** @internal (fake ports) */
  effect(method: PortMethod, region: string, detail: string): PortOutcome {
    this.effects.push({ method, region, detail });
    this.check(method, region);
    return { kind: 'done', detail };
  }

  /** Safety invariants after every change. */
  private check(what: string, region: string): void {
    const writable = this.writablePrimaries();
    if (writable.length > 1) this.violations.push(`after ${what} ${region}: ${writable.join(' and ')} both accept writes`);
  }

  /** @internal (fake ports): sync mode: every acknowledged write of the timeline `m` forks from must be in it. */
  checkNoAckedWriteLost(m: FakeMember): void {
    if (this.mode !== 'sync') return;
    const lost = this.acks.filter((a) => a.timeline === m.timeline && a.lsn > m.lsn);
    if (lost.length > 0) this.violations.push(`promoted ${m.region} at ${m.lsn} on timeline ${m.timeline}: ${lost.length} acknowledged write(s) up to ${lost.at(-1)!.lsn} lost`);
  }

  /** Applies an injected fault, or checks the coordinator's fence. @internal (fake ports) */
  guard(method: PortMethod, region: string, token: FencingToken): PortOutcome | undefined {
    this.beforeEffect?.(method, region);
    const fault = this.faults.get(method);
    if (fault && fault !== 'half') {
      this.faults.delete(method);
      if (fault === 'throw') throw new InfraError(`${method} ${region}: injected failure`);
      return { kind: 'refused', detail: `${method} ${region}: injected refusal` };
    }
    if (!this.isCoordinator(token)) return { kind: 'refused', detail: `fenced: token ${token} is not the coordinator's` };
    return undefined;
  }

  /** @internal (fake ports) */
  reachable(method: PortMethod, region: string): FakeMember {
    const m = this.member(region);
    if (!m.reachable) throw new InfraError(`${method}: ${region} does not answer`);
    return m;
  }

  // ── ports ──────────────────────────────────────────────────────────────────────────────

  private readonly traffic: TrafficControl = {
    switchDns: async (name, to, token) => {
      const refused = this.guard('switchDns', to, token);
      if (refused) return refused;
      if (this.dnsTarget === to) return { kind: 'done', detail: `${name} already points at ${to}` };
      if (this.record.region !== to) return { kind: 'refused', detail: `the record names ${this.record.region}, not ${to}` };
      this.dnsTarget = to;
      return this.effect('switchDns', to, `${name} points at ${to}`);
    },
  };

  private readonly leaseCheck: LeaseCheck = {
    // As the etcd adapter: whoever holds the key for `region` now, whatever the token asked about.
    primaryLease: async (region) => {
      this.expireLeases();
      const live = [...this.leases.entries()].filter(([t, l]) => l.region === region && this.leaseOf(region, t).kind === 'held');
      const newest = live.map(([t]) => t).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))[0];
      return newest === undefined ? { kind: 'expired' } : this.leaseOf(region, newest);
    },
    coordinator: async (token) =>
      this.isCoordinator(token) ? { kind: 'valid' } : { kind: 'lost', detail: `the coordinator key is held by another token` },
  };

  private isCoordinator(token: FencingToken): boolean {
    return this.coordinatorIs ? this.coordinatorIs(token) : token === this.coordinatorToken;
  }
}

function sameSet(a: SyncSet, b: SyncSet): boolean {
  return a.count === b.count && a.members.length === b.members.length && a.members.every((r) => b.members.includes(r));
}
