/**
 * An in-memory replicated store for unit tests: members with roles, timelines and LSNs, the
 * primary record and leases of a coordination store, a DNS name. It implements the executor's
 * ports (fakes at ports only) and checks the safety invariants on every effect, collecting
 * violations: a promotion while another member's primary lease is live, or two members that
 * accept writes at once.
 */
import { InfraError } from '../../common/errors.ts';
import type { LeaseCheck, PortOutcome, ReplicaControl, TrafficControl } from '../ports.ts';
import type { FencingToken, Lsn, MemberState, PrimaryLease, RunbookProgress, StoreMode, StoreState } from '../types.ts';
import { fakeReplica } from './fake-replica.ts';
import type { VirtualClock } from './virtual-clock.ts';

export interface FakeMemberInit {
  readonly region: string;
  readonly role: 'primary' | 'standby';
  readonly lsn: Lsn;
  readonly timeline?: number;
  /** Standbys: defaults to the primary. */
  readonly upstream?: string | null;
  readonly synchronous?: boolean;
  /** A reason makes it ineligible (as the data adapter would judge a stalled replay). */
  readonly ineligible?: string;
}

export interface FakeClusterInit {
  readonly clock: VirtualClock;
  readonly members: readonly FakeMemberInit[];
  readonly store?: string;
  readonly mode?: StoreMode;
  readonly primaryToken?: FencingToken;
  readonly dnsName?: string;
  readonly leaseTtlMs?: number;
}

export interface FakeMember {
  region: string;
  role: 'primary' | 'standby';
  timeline: number;
  lsn: Lsn;
  upstream: string | null;
  synchronous: boolean;
  ineligible: string | undefined;
  reachable: boolean;
  regionDown: boolean;
  needsRejoin: boolean;
  /** Refuses writes: fenced, marked for rejoin, or writes blocked for a switchover. */
  readOnly: boolean;
}

export type PortMethod = keyof ReplicaControl | keyof TrafficControl;

export interface Effect {
  readonly method: PortMethod;
  readonly region: string;
  readonly detail: string;
}

export class FakeCluster {
  readonly clock: VirtualClock;
  readonly store: string;
  readonly mode: StoreMode;
  readonly dnsName: string;
  readonly leaseTtlMs: number;
  readonly members: FakeMember[];
  record: { region: string; token: FencingToken };
  dnsTarget: string | null;
  readonly trafficAwayFrom = new Set<string>();
  /** Every state change a port made, in order (a no-op repeat adds nothing). */
  readonly effects: Effect[] = [];
  readonly violations: string[] = [];
  /** @internal (fake ports) */
  readonly leases = new Map<FencingToken, { region: string; expiresAtMs: number | null }>();
  /** @internal (fake ports): where each promotion forked a new timeline. */
  readonly forks: { timeline: number; lsn: Lsn }[] = [];
  /** @internal (fake ports) */
  readonly faults = new Map<PortMethod, 'throw' | 'refuse' | 'half'>();
  private revision: bigint;

  /** @internal (fake ports): a fresh, larger token, as an etcd revision. */
  nextToken(): FencingToken {
    return ++this.revision;
  }
  private coordinatorToken: FencingToken | null = null;

  constructor(init: FakeClusterInit) {
    this.clock = init.clock;
    this.store = init.store ?? 'orders';
    this.mode = init.mode ?? 'async';
    this.dnsName = init.dnsName ?? 'primary.orders.db';
    this.leaseTtlMs = init.leaseTtlMs ?? 2000;
    const primary = init.members.find((m) => m.role === 'primary');
    if (!primary) throw new Error('fake cluster needs a primary');
    this.members = init.members.map((m) => ({
      region: m.region,
      role: m.role,
      timeline: m.timeline ?? 1,
      lsn: m.lsn,
      upstream: m.role === 'primary' ? null : m.upstream === undefined ? primary.region : m.upstream,
      synchronous: m.synchronous ?? false,
      ineligible: m.ineligible,
      reachable: true,
      regionDown: false,
      needsRejoin: false,
      readOnly: false,
    }));
    const token = init.primaryToken ?? 5n;
    this.revision = token;
    this.record = { region: primary.region, token };
    this.leases.set(token, { region: primary.region, expiresAtMs: null });
    this.dnsTarget = primary.region;
  }

  // ── the world ──────────────────────────────────────────────────────────────────────────

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
  }

  /** Only the database is down; the region is up. */
  failDatabase(region: string): void {
    this.member(region).reachable = false;
    this.stopRenewing(region);
  }

  /**
   * Region and database answer again, with whatever role and data they had. A primary without
   * a live lease comes back read-only: its agent never lets it take writes without one.
   */
  restore(region: string): void {
    const m = this.member(region);
    m.regionDown = false;
    m.reachable = true;
    if (m.role === 'primary' && !this.liveLeaseHolders().includes(region)) m.readOnly = true;
    // A standby reconnecting to a live primary follows its timeline switch (recovery_target_timeline=latest).
    const upstream = this.members.find((u) => u.region === m.upstream);
    if (m.role === 'standby' && upstream?.role === 'primary' && upstream.reachable && !this.diverged(m)) {
      m.timeline = upstream.timeline;
      m.lsn = upstream.lsn;
    }
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

  /** Members that would accept a write right now. */
  writablePrimaries(): string[] {
    return this.members.filter((m) => m.reachable && m.role === 'primary' && !m.readOnly).map((m) => m.region);
  }

  snapshot(runbook: RunbookProgress | null = null): StoreState {
    return {
      store: this.store,
      mode: this.mode,
      primary: { ...this.record },
      members: this.memberStates(),
      lease: this.leaseOf(this.record.region, this.record.token),
      dns: { name: this.dnsName, target: this.dnsTarget },
      coordinator: { token: this.coordinatorToken ?? 0n },
      runbook,
    };
  }

  ports(): { replica: ReplicaControl; traffic: TrafficControl; lease: LeaseCheck } {
    return { replica: fakeReplica(this), traffic: this.traffic, lease: this.leaseCheck };
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────

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
    return this.members.map((m) => ({
      region: m.region,
      reachable: m.reachable,
      role: m.role,
      timeline: m.timeline,
      replayLsn: m.lsn,
      eligibility: m.ineligible ? { eligible: false, reason: m.ineligible } : { eligible: true },
      regionDownByQuorum: m.regionDown,
      upstream: m.role === 'standby' ? m.upstream : null,
      synchronous: m.synchronous,
      diverged: m.role === 'standby' && this.diverged(m),
      needsRejoin: m.needsRejoin,
    }));
  }

  /** @internal (fake ports): it holds WAL past the point where its timeline forked. */
  diverged(m: FakeMember): boolean {
    return this.forks.some((f) => f.timeline === m.timeline && m.lsn > f.lsn);
  }

  /** @internal (fake ports) */
  effect(method: PortMethod, region: string, detail: string): PortOutcome {
    this.effects.push({ method, region, detail });
    const writable = this.writablePrimaries();
    if (writable.length > 1) this.violations.push(`after ${method} ${region}: ${writable.join(' and ')} both accept writes`);
    return { kind: 'done', detail };
  }

  /** Applies an injected fault, or checks the coordinator's fence and that `region` answers. */
  /** @internal (fake ports) */
  guard(method: PortMethod, region: string, token: FencingToken): PortOutcome | undefined {
    const fault = this.faults.get(method);
    if (fault && fault !== 'half') {
      this.faults.delete(method);
      if (fault === 'throw') throw new InfraError(`${method} ${region}: injected failure`);
      return { kind: 'refused', detail: `${method} ${region}: injected refusal` };
    }
    if (token !== this.coordinatorToken) return { kind: 'refused', detail: `fenced: token ${token} is not the coordinator's` };
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
    shiftTraffic: async (from, token) => {
      const refused = this.guard('shiftTraffic', from, token);
      if (refused) return refused;
      if (this.trafficAwayFrom.has(from)) return { kind: 'done', detail: `traffic already away from ${from}` };
      this.trafficAwayFrom.add(from);
      return this.effect('shiftTraffic', from, `traffic shifted away from ${from}`);
    },
    switchDns: async (name, to, token) => {
      const refused = this.guard('switchDns', to, token);
      if (refused) return refused;
      if (this.dnsTarget === to) return { kind: 'done', detail: `${name} already points at ${to}` };
      this.dnsTarget = to;
      return this.effect('switchDns', to, `${name} points at ${to}`);
    },
  };

  private readonly leaseCheck: LeaseCheck = {
    primaryLease: async (region, token) => this.leaseOf(region, token),
    coordinator: async (token) =>
      token === this.coordinatorToken ? { kind: 'valid' } : { kind: 'lost', detail: `the coordinator key is held by another token` },
  };
}
