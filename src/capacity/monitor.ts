/**
 * The agent's load monitor: for every service that declares `capacity.load`, one instant query
 * every `interval`, never two at once for a service. It keeps the last reading per region
 * (loads.ts) and calls `onChange` when a reading or a problem changes, so the agent can judge the
 * overload holds again. Nothing on the DNS path waits for it.
 */
import type { Logger } from '../common/log.ts';
import type { Service, Topology } from '../spec/index.ts';
import { withProblem, withReadings, type LoadReadings, type ServiceLoad } from './loads.ts';
import { queryLoad, type LoadQuery, type VectorParse } from './prometheus.ts';

/** A query slower than this is given up: the next one comes at the next interval. */
const MAX_QUERY_MS = 5000;

export interface LoadMonitorOptions {
  readonly topology: Topology;
  readonly logger: Logger;
  readonly onChange: () => void;
  /** Wall clock in milliseconds. @default Date.now */
  readonly now?: () => number;
  /** The load source. @default queryLoad (Prometheus over HTTP) */
  readonly query?: (q: LoadQuery) => Promise<VectorParse>;
}

export class LoadMonitor {
  private readonly loads = new Map<string, ServiceLoad>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly o: LoadMonitorOptions) {}

  readings(): LoadReadings {
    return this.loads;
  }

  start(): void {
    for (const service of this.o.topology.services) if (service.capacity?.load) void this.loop(service);
  }

  /** Queries every measured service once now (tests, and the first reading at start). */
  async refresh(): Promise<void> {
    await Promise.all(this.o.topology.services.filter((s) => s.capacity?.load).map((s) => this.once(s)));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async loop(service: Service): Promise<void> {
    if (this.closed) return;
    await this.once(service);
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.loop(service);
    }, service.capacity?.load?.interval ?? MAX_QUERY_MS);
    timer.unref();
    this.timers.add(timer);
  }

  private async once(service: Service): Promise<void> {
    const load = service.capacity?.load;
    if (!load) return;
    const regions = this.o.topology.regions.map((r) => r.name);
    const q = { urls: load.prometheus, query: load.query, regionLabel: load.regionLabel, regions, timeoutMs: Math.min(MAX_QUERY_MS, load.interval) };
    const answer = await (this.o.query ?? queryLoad)(q);
    if (this.closed) return;
    const before = this.loads.get(service.name);
    const now = (this.o.now ?? Date.now)();
    const next = answer.kind === 'ok' ? withReadings(before, answer.rps, now) : withProblem(before, answer.reason);
    this.loads.set(service.name, next);
    if (answer.kind === 'error' && before?.problem !== answer.reason) {
      this.o.logger.warn({ event: 'capacity.load.failed', service: service.name, reason: answer.reason }, `load of ${service.name} not read: ${answer.reason}`);
    }
    if (answer.kind === 'ok' && answer.ignored.length > 0 && before?.lastSuccessMs === undefined) {
      this.o.logger.warn({ event: 'capacity.load.ignored', service: service.name, ignored: answer.ignored }, `load of ${service.name}: series ignored (${answer.ignored.join(', ')}): not a region of the topology`);
    }
    if (changed(before, next)) this.o.onChange();
  }
}

function changed(before: ServiceLoad | undefined, next: ServiceLoad): boolean {
  if (!before || before.problem !== next.problem || before.regions.size !== next.regions.size) return true;
  for (const [region, reading] of next.regions) if (before.regions.get(region)?.rps !== reading.rps) return true;
  return false;
}
