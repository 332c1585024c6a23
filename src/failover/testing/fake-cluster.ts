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

interface FakeMember {
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

type PortMethod = keyof ReplicaControl | keyof TrafficControl;

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
  private readonly leases = new Map<FencingToken, { region: string; expiresAtMs: number | null }>();
  private readonly forks: { timeline: number; lsn: Lsn }[] = [];
  private readonly faults = new Map<PortMethod, 'throw' | 'refuse' | 'half'>();
  private revision: bigint;
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

  /** Region and database answer again, with whatever role and data they had. */
  restore(region: string): void {
    const m = this.member(region);
    m.regionDown = false;
    m.reachable = true;
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
    return { replica: this.replica, traffic: this.traffic, lease: this.leaseCheck };
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────

  private stopRenewing(region: string): void {
    for (const lease of this.leases.values()) {
      if (lease.region === region && lease.expiresAtMs === null) lease.expiresAtMs = this.clock.nowMs() + this.leaseTtlMs;
    }
  }

  private leaseOf(region: string, token: FencingToken): PrimaryLease {
    const lease = this.leases.get(token);
    if (!lease || lease.region !== region) return { kind: 'expired' };
    const now = this.clock.nowMs();
    if (lease.expiresAtMs !== null && now >= lease.expiresAtMs) return { kind: 'expired' };
    return { kind: 'held', token, validUntilMs: lease.expiresAtMs ?? now + this.leaseTtlMs };
  }

  private liveLeaseHolders(): string[] {
    return [...this.leases.entries()]
      .filter(([token, l]) => this.leaseOf(l.region, token).kind === 'held')
      .map(([, l]) => l.region);
  }

  private memberStates(): MemberState[] {
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
      diverged: m.role === 'standby' && this.forks.some((f) => f.timeline === m.timeline && m.lsn > f.lsn),
      needsRejoin: m.needsRejoin,
    }));
  }

  private effect(method: PortMethod, region: string, detail: string): PortOutcome {
    this.effects.push({ method, region, detail });
    const writable = this.writablePrimaries();
    if (writable.length > 1) this.violations.push(`after ${method} ${region}: ${writable.join(' and ')} both accept writes`);
    return { kind: 'done', detail };
  }

  /** Applies an injected fault, or checks the coordinator's fence and that `region` answers. */
  private guard(method: PortMethod, region: string, token: FencingToken): PortOutcome | undefined {
    const fault = this.faults.get(method);
    if (fault && fault !== 'half') {
      this.faults.delete(method);
      if (fault === 'throw') throw new InfraError(`${method} ${region}: injected failure`);
      return { kind: 'refused', detail: `${method} ${region}: injected refusal` };
    }
    if (token !== this.coordinatorToken) return { kind: 'refused', detail: `fenced: token ${token} is not the coordinator's` };
    return undefined;
  }

  private reachable(method: PortMethod, region: string): FakeMember {
    const m = this.member(region);
    if (!m.reachable) throw new InfraError(`${method}: ${region} does not answer`);
    return m;
  }

  // ── ports ──────────────────────────────────────────────────────────────────────────────

  private readonly replica: ReplicaControl = {
    readState: async () => this.memberStates(),
    promote: async (region, token) => {
      const refused = this.guard('promote', region, token);
      if (refused) return refused;
      const m = this.reachable('promote', region);
      if (this.record.region === region && m.role === 'primary') return { kind: 'done', detail: `${region} is already the primary` };
      if (m.role !== 'standby') return { kind: 'refused', detail: `${region} is not a standby` };
      const others = this.liveLeaseHolders().filter((r) => r !== region);
      if (others.length > 0) this.violations.push(`promoted ${region} while ${others.join(', ')} still held a primary lease`);
      if (this.record.region !== region) {
        const fresh = ++this.revision;
        this.record = { region, token: fresh };
        this.leases.set(fresh, { region, expiresAtMs: null });
      }
      if (this.faults.get('promote') === 'half') {
        this.faults.delete('promote');
        throw new InfraError(`promote ${region}: recorded, then the coordinator died before pg_promote`);
      }
      this.forks.push({ timeline: m.timeline, lsn: m.lsn });
      m.role = 'primary';
      m.timeline += 1;
      m.upstream = null;
      m.readOnly = false;
      return this.effect('promote', region, `${region} promoted to timeline ${m.timeline} under token ${this.record.token}`);
    },
    repoint: async (region, to, token) => {
      const refused = this.guard('repoint', region, token);
      if (refused) return refused;
      const m = this.reachable('repoint', region);
      const target = this.member(to);
      if (m.role !== 'standby') return { kind: 'refused', detail: `${region} is not a standby` };
      if (this.forks.some((f) => f.timeline === m.timeline && m.lsn > f.lsn)) return { kind: 'refused', detail: `${region} has diverged` };
      if (m.upstream === to && m.timeline === target.timeline) return { kind: 'done', detail: `${region} already streams from ${to}` };
      m.upstream = to;
      m.timeline = target.timeline;
      m.lsn = target.lsn;
      return this.effect('repoint', region, `${region} streams from ${to}`);
    },
    demote: async (region, to, token) => {
      const refused = this.guard('demote', region, token);
      if (refused) return refused;
      const m = this.reachable('demote', region);
      if (m.role === 'standby' && m.upstream === to) return { kind: 'done', detail: `${region} is already a standby of ${to}` };
      const target = this.member(to);
      m.lsn += 0x28n; // the shutdown checkpoint, shipped to the standbys before the old primary stops
      for (const s of this.members) if (s.role === 'standby' && s.upstream === region && s.reachable) s.lsn = m.lsn;
      m.role = 'standby';
      m.upstream = to;
      m.readOnly = false;
      if (target.role === 'primary') m.timeline = target.timeline;
      return this.effect('demote', region, `${region} restarted as a standby of ${to}`);
    },
    fence: async (region, token) => {
      const refused = this.guard('fence', region, token);
      if (refused) return refused;
      const m = this.member(region);
      if (!m.reachable) return { kind: 'done', detail: `${region} does not answer: the expired lease fences it` };
      if (m.readOnly) return { kind: 'done', detail: `${region} already refuses writes` };
      m.readOnly = true;
      return this.effect('fence', region, `${region} made read-only`);
    },
    validateWrite: async (region, token) => {
      const refused = this.guard('validateWrite', region, token);
      if (refused) return refused;
      const m = this.reachable('validateWrite', region);
      if (m.role !== 'primary' || m.readOnly || this.record.region !== region) {
        return { kind: 'refused', detail: `${region} does not accept writes` };
      }
      m.lsn += 0x100n;
      for (const s of this.members) if (s.role === 'standby' && s.upstream === region && s.reachable) s.lsn = m.lsn;
      return { kind: 'done', detail: `test write committed on ${region} at ${m.lsn}` };
    },
    markRejoin: async (region, token) => {
      const refused = this.guard('markRejoin', region, token);
      if (refused) return refused;
      const m = this.member(region);
      if (m.needsRejoin) return { kind: 'done', detail: `${region} already marked` };
      m.needsRejoin = true;
      if (m.role === 'primary') m.readOnly = true;
      return this.effect('markRejoin', region, `${region} marked for rejoin`);
    },
    blockWrites: async (region, token) => {
      const refused = this.guard('blockWrites', region, token);
      if (refused) return refused;
      const m = this.reachable('blockWrites', region);
      m.readOnly = true;
      const lease = this.leases.get(this.record.token);
      if (lease && lease.region === region) lease.expiresAtMs = Math.min(lease.expiresAtMs ?? Infinity, this.clock.nowMs());
      return this.effect('blockWrites', region, `${region} refuses writes and released its lease`);
    },
    resumeWrites: async (region, token) => {
      const refused = this.guard('resumeWrites', region, token);
      if (refused) return refused;
      const m = this.reachable('resumeWrites', region);
      if (!m.readOnly) return { kind: 'done', detail: `${region} already accepts writes` };
      m.readOnly = false;
      const fresh = ++this.revision;
      this.record = { region, token: fresh };
      this.leases.set(fresh, { region, expiresAtMs: null });
      return this.effect('resumeWrites', region, `${region} accepts writes again under token ${fresh}`);
    },
    rejoin: async (region, from, method, token) => {
      const refused = this.guard('rejoin', region, token);
      if (refused) return refused;
      const m = this.reachable('rejoin', region);
      const source = this.member(from);
      m.role = 'standby';
      m.upstream = from;
      m.timeline = source.timeline;
      m.lsn = source.lsn;
      m.readOnly = false;
      m.needsRejoin = false;
      return this.effect('rejoin', region, `${region} rejoined from ${from} by ${method}`);
    },
  };

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
