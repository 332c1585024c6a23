/**
 * One store as every agent follows it, coordinator or not: read the store's records from etcd on
 * each check (the primary record drives DNS, the marks drive the local guard), run the local
 * guard on this region's database, and keep the observer's memory of the primary fresh so a newly
 * elected coordinator knows the primary's last position and history.
 */
import type { CoordinationStore } from '../../coord/index.ts';
import type { ApprovalRun } from '../../failover/index.ts';
import { readCurrentRun } from './approval-records.ts';
import { readStoreView, type PrimaryRecord, type StoreObserver, type StoreView } from '../../failover/adapters/index.ts';
import type { StaticNames } from '../../gslb/index.ts';
import { addressesOf, storeStaticNames } from './dns-names.ts';
import type { LocalGuard, LocalStatus } from './local-guard.ts';
import type { StorePlan } from './config.ts';
import { replicationRows } from './replication.ts';
import { viewStatus, type StoreStatus } from './status.ts';
import type { StoreCoordinator } from './store-coordinator.ts';

export interface StoreAgentOptions {
  readonly plan: StorePlan;
  readonly zone: string;
  readonly coord: CoordinationStore;
  readonly leaseKey: string;
  readonly observer: StoreObserver;
  readonly guard: LocalGuard | undefined;
  /** This member's rebuild, as its host reports it. */
  readonly rebuild?: () => LocalStatus['rebuild'];
  readonly regionDown: (region: string) => boolean;
}

/** Refresh the remembered primary position every this many checks. */
const OBSERVE_PRIMARY_EVERY = 4;

export class StoreAgent {
  private view: StoreView | undefined;
  private etcd: { ok: boolean; reason?: string } = { ok: false, reason: 'not read yet' };
  private checks = 0;
  private run: ApprovalRun | null = null;

  constructor(private readonly o: StoreAgentOptions) {}

  get name(): string {
    return this.o.plan.store.name;
  }

  async check(): Promise<void> {
    const regions = this.o.plan.members.map((m) => m.region);
    const read = () => readStoreView(this.o.coord, this.name, this.o.leaseKey, regions);
    const outcome = this.o.guard ? await this.o.guard.check(read) : await read();
    if (outcome.kind === 'read') {
      this.view = outcome.view;
      this.etcd = { ok: true };
    } else {
      this.etcd = { ok: false, reason: `coordination unavailable: ${outcome.reason}` };
    }
    // The approval run is read only where it can exist (manual, off): the default mode costs nothing.
    if (this.approvalMode() !== 'automatic') {
      const run = await readCurrentRun(this.o.coord, this.name);
      if (run.kind === 'read') this.run = run.run;
    }
    const record = this.record();
    if (record && this.checks++ % OBSERVE_PRIMARY_EVERY === 0) await this.o.observer.observePrimary(record.region).catch(() => undefined);
  }

  /** Ends the observer's kept sessions (the agent's shutdown). */
  close(): Promise<void> {
    return this.o.observer.close();
  }

  /** The region the primary record names, as last read. */
  recordedPrimary(): string | undefined {
    return this.record()?.region;
  }

  /** The primary record as last read, when it was readable. */
  private record(): PrimaryRecord | undefined {
    return this.view && typeof this.view.record === 'object' ? this.view.record : undefined;
  }

  staticNames(): StaticNames {
    return storeStaticNames({
      zone: this.o.zone,
      store: this.o.plan.store,
      regions: this.o.plan.members.map((m) => m.region),
      view: this.view,
      regionDown: this.o.regionDown,
    });
  }

  status(coordinator: StoreStatus['coordinator'], coordination: StoreCoordinator | undefined): StoreStatus {
    const record = this.record();
    const regions = this.o.plan.members.map((m) => m.region);
    return {
      store: this.name,
      supervised: true,
      etcd: this.etcd,
      ...viewStatus(this.view),
      dns: addressesOf(this.staticNames()),
      coordinator,
      local: this.o.guard?.status(this.o.rebuild?.()) ?? null,
      replication: replicationRows(this.o.observer.primaryObservation(), record?.region, regions),
      lastPlan: coordinator.self ? (coordination?.lastPlan ?? null) : null,
      lastRunbook: coordination?.lastRunbook ?? null,
      runningRunbook: coordination?.runningRunbook ?? null,
      approval: { mode: this.approvalMode(), run: this.run },
    };
  }

  private approvalMode() {
    return this.o.plan.store.failover?.approval ?? 'automatic';
  }
}
