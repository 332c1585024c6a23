/**
 * The store supervisor of one agent: wires etcd, the per-store checks (records, local guard,
 * DNS names), the coordinator election and the store routes. Thin: every decision lives in
 * local-decision.ts, coordinator-policy.ts, dns-names.ts and the failover planners.
 *
 * The data plane never waits on it: DNS reads `staticNames()` from the last check, and etcd that
 * cannot be reached only shows as "coordination unavailable" while the checks keep retrying.
 */
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../common/clock.ts';
import { describeError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { coordKeys, EtcdStore, KEY_PREFIX, type CoordinationStore } from '../../coord/index.ts';
import type { DbTimeouts } from '../../data/index.ts';
import { jsonlAuditSink, teeAudit } from '../../failover/index.ts';
import {
  StoreObserver, coordAuditSink, localMemberHost, realPorts, type AdapterContext, type LocalMemberHost, type MemberHost,
} from '../../failover/adapters/index.ts';
import type { StaticNames } from '../../gslb/index.ts';
import type { HealthSnapshot } from '../../health/index.ts';
import { APPROVAL_EXPIRY_DEFAULT_MS, type Topology } from '../../spec/index.ts';
import { readStoreRuns } from './approval-records.ts';
import { planSupervision, type StorePlan, type StoreSupervisionOptions } from './config.ts';
import { Coordinator } from './coordinator.ts';
import { mergeStaticNames, regionDownByHealth } from './dns-names.ts';
import { LocalGuard } from './local-guard.ts';
import { remoteMemberHost, type MemberAgent } from './remote-host.ts';
import { replicationRows } from './replication.ts';
import type { RequestAuth } from '../auth/index.ts';
import { authorizeLocal, type CoordinatorNow, type PeerCaller } from '../tls/index.ts';
import { holderRegion } from '../../failover/adapters/index.ts';
import { handleStoreRoute, type LocalRequest, type RouteAnswer } from './routes.ts';
import type { StoreStatus, StoresStatus } from './status.ts';
import { StoreAgent } from './store-agent.ts';
import { StoreCoordinator, type StoreCoordinatorOptions } from './store-coordinator.ts';

export interface StoreSupervisorInput {
  readonly topology: Topology;
  readonly region: string;
  readonly bootId: string;
  readonly health: () => HealthSnapshot;
  /** Called when the store names DNS should answer changed: rebuild the answer table. */
  readonly onNamesChanged: () => void;
  readonly logger: Logger;
  readonly options: StoreSupervisionOptions;
  /** The coordination store. @default an etcd client on the topology's members (tests: the in-memory quorum). */
  readonly coord?: CoordinationStore;
  /** @default systemClock (monotonic) */
  readonly clock?: Clock;
  /** Where another region's agent serves the local routes: its peer listener over mutual TLS when both have one. @default its API, in clear */
  readonly memberAgent?: (region: string) => MemberAgent | undefined;
  /** The capacity check (agent/capacity): in failover plans, and recorded when a failover starts. */
  readonly capacity?: Pick<StoreCoordinatorOptions, 'capacityIfLost' | 'onFailoverStart'>;
}

export interface StoreSupervisor {
  start(): Promise<void>;
  staticNames(): StaticNames;
  status(): StoresStatus;
  /** Serves the store routes of the agent API; resolves false for other paths. */
  handle(req: IncomingMessage, res: ServerResponse, auth: RequestAuth, peer?: PeerCaller): Promise<boolean>;
  close(): Promise<void>;
}

/** SQL from an agent: a dead region must not hold a check or a snapshot for long. */
const SHORT: Partial<DbTimeouts> = { connectMs: 1000, statementMs: 2000 };
/**
 * The local guard's SQL to its own database, which is never across a cut: a failed check counts
 * toward killing it (hard fence), so a slow connection must not look like a dead server. With 1 s,
 * a loaded 2-core machine (CI, chaos rounds) had healthy primaries killed; a frozen one is still
 * found within two checks.
 */
const LOCAL: Partial<DbTimeouts> = { connectMs: 2500, statementMs: 2500 };

export function createStoreSupervisor(input: StoreSupervisorInput): StoreSupervisor {
  const plan = planSupervision(input.topology, input.region, input.options);
  if (plan.kind === 'none') {
    input.logger.info({ event: 'stores.unsupervised', reason: plan.reason }, `stores not supervised: ${plan.reason}`);
    return {
      start: async () => {},
      staticNames: () => ({}),
      status: () => ({ supervised: false, reason: plan.reason, stores: [] }),
      handle: async (req, res, auth) => handleStoreRoute(req, res, {
        operator: async () => ({ status: 409, body: { error: `stores are not supervised by this agent: ${plan.reason}` } }),
        plan: async () => ({ status: 409, body: { error: `stores are not supervised by this agent: ${plan.reason}` } }),
        runs: async () => ({ status: 409, body: { error: `stores are not supervised by this agent: ${plan.reason}` } }),
        local: async () => ({ status: 409, body: { kind: 'refused', detail: `stores are not supervised by this agent: ${plan.reason}` } }),
      }, auth),
      close: async () => {},
    };
  }
  return new Supervisor(input, plan);
}

type Supervise = Extract<ReturnType<typeof planSupervision>, { kind: 'supervise' }>;

class Supervisor implements StoreSupervisor {
  private readonly coord: CoordinationStore;
  private readonly agents: StoreAgent[] = [];
  private readonly guards = new Map<string, { guard: LocalGuard; host: LocalMemberHost; plan: StorePlan }>();
  private readonly coordinators = new Map<string, StoreCoordinator>();
  private readonly unsupervised: StoreStatus[] = [];
  private readonly coordinator: Coordinator;
  private electionHolder: { holder: string | null; token: string | null } = { holder: null, token: null };
  private names: StaticNames = {};
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private recheck = false;
  private leaderPlacedAtMs = 0;
  private closed = false;
  private watch: { close(): void } | undefined;
  private coordinatorProblem: string | undefined;

  constructor(private readonly input: StoreSupervisorInput, private readonly plan: Supervise) {
    const { region, logger } = input;
    this.coord = input.coord ?? new EtcdStore({ endpoints: plan.etcdEndpoints, log: logger.child({ component: 'coord' }) });
    const regionDown = (r: string) => r !== region && regionDownByHealth(input.health(), r);
    for (const setup of plan.stores) {
      if (setup.kind === 'unsupervised') {
        this.unsupervised.push(unsupervisedStatus(setup.store.name, setup.reason));
        continue;
      }
      this.addStore(setup.plan, regionDown);
    }
    this.coordinator = new Coordinator({
      coord: this.coord, self: region, leaseTtlMs: plan.leaseTtlMs, periodMs: Math.max(500, Math.floor(plan.leaseTtlMs / 2)),
      stores: this.coordinators, log: logger.child({ component: 'coordinator' }),
      shouldStepAside: () => this.holdsPrimaryWithAnAlternative(),
      ...(input.clock ? { clock: input.clock } : {}),
    });
  }

  private addStore(storePlan: StorePlan, regionDown: (r: string) => boolean): void {
    const { topology, region, logger } = this.input;
    const { auth, leaseTtlMs, stateDir } = this.plan;
    const store = storePlan.store;
    const leaseKey = coordKeys.primaryLease(store.name);
    const log = logger.child({ store: store.name });
    const observer = new StoreObserver({
      store, primaryName: storePlan.primaryName, members: storePlan.members, auth, coord: this.coord, leaseKey, leaseTtlMs,
      self: region, regionDown, timeouts: SHORT,
    });
    const local = storePlan.local;
    const failover = topology.failover;
    const guard = local
      ? new LocalGuard({
          store: store.name, self: region, bootId: this.input.bootId, bootstrapRegion: store.primaryRegion, member: local,
          regions: storePlan.members.map((m) => m.region), auth, coord: this.coord, leaseKey, leaseTtlMs,
          peers: new Map(storePlan.members.filter((m) => m.region !== region).map((m) => [m.region, m.endpoint])),
          mode: store.replication, syncStrict: failover.syncStrict, autoRejoin: failover.autoRejoin,
          timeouts: LOCAL, log,
        })
      : undefined;
    // Rebuilds run in the background with the guard's checks of this member held (host.rejoin).
    const host = guard && local ? localMemberHost(local.dataDir ? local : undefined, auth, undefined, (work) => guard.whilePaused(work)) : undefined;
    if (guard && host) this.guards.set(store.name, { guard, host, plan: storePlan });
    this.agents.push(new StoreAgent({ plan: storePlan, zone: topology.zone, coord: this.coord, leaseKey, observer, guard, regionDown, ...(host ? { rebuild: () => host.job() } : {}) }));
    const ctx: AdapterContext = {
      store, primaryName: storePlan.primaryName, members: storePlan.members, auth, coord: this.coord, leaseTtlMs, self: region,
      coordinatorLease: () => this.coordinator.heldLease(),
      hostOf: (r) => this.hostOf(store.name, r),
      dataDirOf: (r) => (r === region && local?.dataDir ? local.dataDir : undefined),
      observer, timeouts: SHORT, log,
    };
    this.coordinators.set(store.name, new StoreCoordinator({
      store: store.name, coord: this.coord, ports: realPorts(ctx), snapshots: observer,
      audit: teeAudit(coordAuditSink(this.coord, store.name, region), jsonlAuditSink(join(stateDir, `audit-${store.name}.jsonl`))),
      settings: {
        automatic: failover.automatic, autoRejoin: failover.autoRejoin, syncStrict: failover.syncStrict,
        ...(failover.maxLagOnFailover !== undefined ? { maxLagOnFailoverBytes: BigInt(failover.maxLagOnFailover) } : {}),
      },
      coordinatorLease: () => this.coordinator.heldLease(), regions: storePlan.members.map((m) => m.region),
      ...(this.input.clock ? { clock: this.input.clock } : {}),
      leaseTtlMs, leaseKey, log, onStepRecord: (r) => this.input.options.onStepRecord?.(store.name, r),
      approval: { mode: store.failover?.approval ?? 'automatic', expiryMs: store.failover?.approvalExpiry ?? APPROVAL_EXPIRY_DEFAULT_MS }, self: region,
      lagSeconds: (primary) => new Map(replicationRows(observer.primaryObservation(), primary, storePlan.members.map((m) => m.region)).map((r) => [r.region, r.lagSeconds])),
      ...this.input.capacity,
    }));
  }

  /** The member's own agent runs its file-level steps: this one for our region, the API for others. */
  private hostOf(store: string, region: string): MemberHost {
    const mine = this.guards.get(store);
    if (region === this.input.region && mine) return mine.host;
    const api = this.input.topology.regions.find((r) => r.name === region)?.agent?.api;
    if (!api) return { demote: async () => noAgent(region), rejoin: async () => noAgent(region) };
    return remoteMemberHost(this.input.memberAgent?.(region) ?? { baseUrl: api }, store, () => this.coordinator.heldLease()?.token);
  }

  async start(): Promise<void> {
    try {
      await mkdir(this.plan.stateDir, { recursive: true });
      this.coordinator.start();
    } catch (err) {
      // Without a local audit file this agent must not coordinate; it still guards its database.
      this.coordinatorProblem = `state directory ${this.plan.stateDir} unusable (${describeError(err)}): this agent does not run for coordinator`;
      this.input.logger.error({ event: 'stores.stateDir', err: describeError(err) }, this.coordinatorProblem);
    }
    // A record moving or a lease expiring shows in DNS and wakes the coordinator within a round
    // trip, not at the next check: the periodic check stays, for a watch stalled on a bad link.
    const own = this.input.topology.regions.find((r) => r.name === this.input.region)?.etcd?.client;
    const via = own && this.plan.etcdEndpoints.some((e) => sameEndpoint(e, own)) ? { via: own } : {};
    this.watch = this.coord.watchPrefix?.(KEY_PREFIX, () => {
      this.checkSoon();
      this.coordinator.nudge();
    }, via);
    const loop = async () => {
      await this.checkAll();
      if (!this.closed) this.timer = setTimeout(() => void loop(), this.plan.checkMs);
    };
    void loop();
  }

  private checkSoon(): void {
    if (this.closed) return;
    if (this.checking) this.recheck = true;
    else void this.checkAll();
  }

  private async checkAll(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const [holder] = await Promise.all([
        this.coord.currentHolder(coordKeys.election()),
        ...this.agents.map((a) => a.check().catch((err: unknown) => this.input.logger.error({ event: 'stores.checkFailed', store: a.name, err: describeError(err) }, 'store check failed'))),
      ]);
      if (holder && holder.kind !== 'unavailable') {
        this.electionHolder = holder.kind === 'held' ? { holder: holder.holder, token: holder.token.toString() } : { holder: null, token: null };
      }
      this.placeEtcdLeader();
      const names = mergeStaticNames(this.agents.map((a) => a.staticNames()));
      if (JSON.stringify(names) !== JSON.stringify(this.names)) {
        this.names = names;
        this.input.onNamesChanged();
      }
    } finally {
      this.checking = false;
    }
    if (this.recheck) {
      this.recheck = false;
      this.checkSoon();
    }
  }

  /** The region each store's primary record names (one entry per store that has a record). */
  private primaryRegions(): string[] {
    return this.agents.map((a) => a.recordedPrimary()).filter((r): r is string => r !== undefined);
  }

  /** Our region holds a primary, and a region that holds none is up (its agent could coordinate). */
  private holdsPrimaryWithAnAlternative(): boolean {
    const primaries = new Set(this.primaryRegions());
    const { region, topology, health } = this.input;
    if (!primaries.has(region)) return false;
    return topology.regions.some((r) => r.name !== region && !primaries.has(r.name) && !regionDownByHealth(health(), r.name));
  }

  /**
   * The coordinator keeps the etcd leader out of the primaries' regions (coord/leader-placement.ts),
   * so losing a primary's region does not also cost an etcd election and a lease extension.
   */
  private placeEtcdLeader(): void {
    const now = (this.input.clock ?? systemClock).nowMs();
    if (!this.coordinator.heldLease() || !this.coord.placeLeader || now - this.leaderPlacedAtMs < LEADER_PLACEMENT_EVERY_MS) return;
    this.leaderPlacedAtMs = now;
    const primaries = this.primaryRegions();
    const regionOf = (url: string) => this.input.topology.regions.find((r) => r.etcd && sameEndpoint(r.etcd.client, url))?.name;
    void this.coord.placeLeader(primaries, regionOf).then((outcome) => {
      if (outcome.startsWith('etcd leader moved')) this.input.logger.info({ event: 'coordinator.etcdLeader' }, outcome);
      else this.input.logger.debug({ event: 'coordinator.etcdLeader' }, outcome);
    });
  }

  staticNames(): StaticNames {
    return this.names;
  }

  status(): StoresStatus {
    const held = this.coordinator.heldLease();
    const coordinator = held
      ? { holder: this.input.region, token: held.token.toString(), self: true }
      : { ...this.electionHolder, self: false };
    const stores = this.agents.map((a) => a.status(coordinator, this.coordinators.get(a.name)));
    return {
      supervised: true,
      ...(this.coordinatorProblem ? { reason: this.coordinatorProblem } : {}),
      stores: [...stores, ...this.unsupervised],
    };
  }

  handle(req: IncomingMessage, res: ServerResponse, auth: RequestAuth, peer: PeerCaller = { kind: 'plain' }): Promise<boolean> {
    return handleStoreRoute(req, res, {
      operator: (store, request) => this.coordinator.request(store, request),
      plan: (store, to) => this.coordinator.plan(store, to),
      runs: (store) => this.runs(store),
      local: (store, request) => this.local(store, request, peer).catch((err: unknown) => ({ status: 500, body: { error: describeError(err) } })),
    }, auth);
  }

  /** Any agent reads a store's runs from etcd: the coordinator need not answer. */
  private async runs(store: string): Promise<RouteAnswer> {
    if (!this.coordinators.has(store)) return { status: 404, body: { error: `store '${store}' is not supervised by this agent` } };
    const read = await readStoreRuns(this.coord, store);
    return read.kind === 'read' ? { status: 200, body: read.runs } : { status: 503, body: { error: `runs of ${store} not readable: etcd ${read.reason}` } };
  }

  /** `caller`: over mutual TLS, the region the caller's certificate names must be the coordinator's (../tls/peer-access.ts). */
  private async local(store: string, request: LocalRequest, caller: PeerCaller): Promise<RouteAnswer> {
    const mine = this.guards.get(store);
    if (!mine) return { status: 404, body: { kind: 'refused', detail: `${this.input.region} has no member of store '${store}'` } };
    const holder = await this.coord.currentHolder(coordKeys.election());
    const coordinator: CoordinatorNow = holder.kind === 'held' ? { kind: 'held', region: holderRegion(holder.holder), token: holder.token.toString() } : holder;
    const verdict = authorizeLocal({ certRegion: caller.kind === 'mtls' ? caller.region : undefined, token: request.token, coordinator });
    if (verdict.kind === 'refused') return { status: verdict.status, body: { kind: 'refused', detail: verdict.reason } };
    const peer = mine.plan.members.find((m) => m.region === (request.kind === 'demote' ? request.to : request.from));
    if (!peer) return { status: 400, body: { error: `not a member of ${store}` } };
    const outcome = request.kind === 'demote'
      ? await mine.host.demote(peer.endpoint)
      : await mine.host.rejoin(peer.endpoint, request.method);
    return { status: 200, body: outcome };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.watch?.close();
    await this.coordinator.close();
    await Promise.all([...this.guards.values()].map((g) => g.guard.close()));
    await Promise.all(this.agents.map((a) => a.close()));
    await this.coord.close();
  }
}

/** Between two looks at where the etcd leader is. */
const LEADER_PLACEMENT_EVERY_MS = 5000;

/** `http://10.0.0.1:2379` and `http://10.0.0.1:2379/` are one endpoint. */
function sameEndpoint(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function unsupervisedStatus(store: string, reason: string): StoreStatus {
  return {
    store, supervised: false, reason, etcd: { ok: false, reason }, primary: null, lease: null, marks: { rejoin: [], blocked: [] },
    dns: {}, coordinator: { holder: null, token: null, self: false }, local: null, lastPlan: null, lastRunbook: null,
    replication: [], runningRunbook: null,
  };
}

function noAgent(region: string): { kind: 'refused'; detail: string } {
  return { kind: 'refused', detail: `region ${region} has no agent address (regions[].agent.api): its file-level steps cannot run` };
}

