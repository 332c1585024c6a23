/**
 * agent/capacity: the capacity check on one agent (docs/capacity.md). It runs the load monitor
 * (src/capacity), judges the overload holds of `capacity.onOverload: hold` services from the
 * health snapshot, the traffic controls and the readings (gslb/capacity-rules.ts), records their
 * start and end on the timeline, and answers "what if this region were lost" for plans and
 * failovers.
 *
 * A caller must: pass `held()` to every answer table it builds, call `judge()` before building
 * one (health or controls changed), rebuild when `onHoldsChanged` fires (the load changed the
 * holds), `start()` after the first table and `close()` on shutdown.
 */
import type { Logger } from '../../common/log.ts';
import {
  capacityStatus, describeCapacity, LoadMonitor, regionCondition, type CapacityCheck, type CapacityStatus, type LoadQuery,
  type LoadReadings, type VectorParse,
} from '../../capacity/index.ts';
import {
  capacityIfLost, heldRegions, overloadHolds, serviceCapacity, type HeldRegions, type OverloadHold, type TrafficControls,
} from '../../gslb/index.ts';
import type { HealthSnapshot } from '../../health/index.ts';
import type { NewEvent } from '../../observe/index.ts';
import type { Topology } from '../../spec/index.ts';
import { failoverCheckEvent, holdEvent, releaseEvent } from './events.ts';

export interface AgentCapacityInput {
  readonly topology: Topology;
  readonly region: string;
  readonly logger: Logger;
  readonly health: () => HealthSnapshot;
  readonly controls: () => TrafficControls;
  readonly record: (event: NewEvent) => void;
  /** The load changed the holds: rebuild the answer table. */
  readonly onHoldsChanged: () => void;
  /** Wall clock, milliseconds. @default Date.now */
  readonly now?: () => number;
  /** The load source. @default Prometheus over HTTP */
  readonly query?: (q: LoadQuery) => Promise<VectorParse>;
}

export class AgentCapacity {
  private holds: readonly OverloadHold[] = [];
  private held_: HeldRegions = heldRegions([]);
  private readonly monitor: LoadMonitor;
  private readonly log: Logger;

  constructor(private readonly o: AgentCapacityInput) {
    this.log = o.logger.child({ component: 'capacity' });
    this.monitor = new LoadMonitor({
      topology: o.topology, logger: this.log, ...(o.now ? { now: o.now } : {}), ...(o.query ? { query: o.query } : {}),
      onChange: () => {
        if (this.judge()) o.onHoldsChanged();
      },
    });
  }

  private get nowMs(): number {
    return (this.o.now ?? Date.now)();
  }

  loads(): LoadReadings {
    return this.monitor.readings();
  }

  held(): HeldRegions {
    return this.held_;
  }

  currentHolds(): readonly OverloadHold[] {
    return this.holds;
  }

  /** Judges the holds again; true when the held regions changed (each change is on the timeline). */
  judge(): boolean {
    const next = overloadHolds(this.o.topology, this.o.health(), this.o.controls(), this.loads(), this.nowMs);
    const key = (h: { service: string; region: string }) => `${h.service}/${h.region}`;
    const before = new Set(this.holds.map(key));
    const after = new Set(next.map(key));
    const started = next.filter((h) => !before.has(key(h)));
    const ended = this.holds.filter((h) => !after.has(key(h)));
    this.holds = next;
    if (started.length === 0 && ended.length === 0) return false;
    this.held_ = heldRegions(next);
    for (const h of started) {
      const event = holdEvent(this.o.region, h);
      this.log.warn({ event: 'capacity.hold', service: h.service, region: h.region, shortfallRps: h.check.shortfallRps }, event.summary);
      this.o.record(event);
    }
    for (const h of ended) {
      const event = releaseEvent(this.o.region, h.service, h.region, this.whyReleased(h.service, h.region));
      this.log.info({ event: 'capacity.release', service: h.service, region: h.region }, event.summary);
      this.o.record(event);
    }
    return true;
  }

  status(): CapacityStatus {
    return capacityStatus(this.o.topology, this.o.health(), this.loads(), this.holds, this.nowMs);
  }

  /** Every service's check if `region` were lost now. */
  ifLost(region: string): CapacityCheck[] {
    return capacityIfLost(this.o.topology, this.o.health(), this.o.controls(), this.loads(), [region], this.nowMs);
  }

  /** An automatic failover starts: its capacity check goes on the timeline and in the log. */
  failoverStarted(e: { readonly store: string; readonly lost: string; readonly runbookId: string }): void {
    const event = failoverCheckEvent(this.o.region, e, this.ifLost(e.lost));
    this.log.info({ event: 'capacity.check', store: e.store, lost: e.lost, runbookId: e.runbookId }, event.summary);
    this.o.record(event);
  }

  start(): void {
    this.monitor.start();
  }

  /** Reads every service's load now, outside the monitor's own rhythm (tests). */
  refreshLoads(): Promise<void> {
    return this.monitor.refresh();
  }

  close(): void {
    this.monitor.close();
  }

  private whyReleased(serviceName: string, region: string): string {
    const service = this.o.topology.services.find((s) => s.name === serviceName);
    if (!service) return 'not in the topology';
    const condition = regionCondition(service, region, this.o.health());
    if (condition === 'up') return 'routed up again';
    if (condition === 'dead') return 'dead now (no vantage point gets an answer): its traffic moves to the others whatever their capacity';
    const check = serviceCapacity(service, this.o.topology, this.o.health(), this.o.controls(), this.loads(), [region], this.nowMs);
    return `its traffic moves to the others: ${describeCapacity(check)}`;
  }
}
