/**
 * This vantage point's probing loop: every endpoint of every service (its own region's and the
 * other regions'), each on its own timer at its service's interval. A probe of an endpoint never
 * overlaps the previous probe of the same endpoint: the next one is scheduled when it ends.
 * Results go through the thresholds; only state changes are reported.
 */
import { INITIAL_THRESHOLD_STATE, applyProbeResult, type ThresholdState } from './thresholds.ts';
import { createProbeAgent, probeEndpoint, type ProbeOptions, type ProbeResult, type ProbeTarget } from './probe.ts';
import type { ProbedEndpoint } from './endpoints.ts';
import type { EndpointRef, EndpointState } from './types.ts';

export interface EndpointTransition {
  readonly key: string;
  readonly ref: EndpointRef;
  readonly from: EndpointState;
  readonly to: EndpointState;
  /** The probe result that completed the streak. */
  readonly result: ProbeResult;
}

export type ProbeFn = (target: ProbeTarget, options: ProbeOptions) => Promise<ProbeResult>;

export interface ProberOptions {
  readonly endpoints: readonly ProbedEndpoint[];
  /** This agent's own address, used as the probes' source address. */
  readonly localAddress?: string;
  readonly onTransition: (t: EndpointTransition) => void;
  /** The probe to run; the real HTTP probe unless a unit test passes another at this port. */
  readonly probe?: ProbeFn;
}

interface Slot {
  readonly endpoint: ProbedEndpoint;
  thresholds: ThresholdState;
  last?: ProbeResult;
  timer?: NodeJS.Timeout;
  inFlight?: Promise<void>;
}

export class Prober {
  private readonly slots: Slot[];
  private readonly agent = createProbeAgent();
  private closed = false;

  constructor(private readonly options: ProberOptions) {
    this.slots = options.endpoints.map((endpoint) => ({ endpoint, thresholds: INITIAL_THRESHOLD_STATE }));
  }

  start(): void {
    for (const slot of this.slots) this.runProbe(slot);
  }

  /** Current state of every endpoint, keyed by endpointKey. */
  states(): Record<string, EndpointState> {
    return Object.fromEntries(this.slots.map((s) => [s.endpoint.key, s.thresholds.state]));
  }

  lastResult(key: string): ProbeResult | undefined {
    return this.slots.find((s) => s.endpoint.key === key)?.last;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots) clearTimeout(slot.timer);
    await Promise.all(this.slots.map((s) => s.inFlight));
    this.agent.destroy();
  }

  private runProbe(slot: Slot): void {
    if (this.closed) return;
    const { endpoint } = slot;
    const health = endpoint.service.health;
    const started = performance.now();
    const target: ProbeTarget = {
      address: endpoint.ref.address,
      port: endpoint.service.port,
      path: health.path,
      hostname: endpoint.fqdn,
      timeoutMs: health.timeout,
    };
    const probe = this.options.probe ?? probeEndpoint;
    // A probe reports failures as results; a throw would be a bug, but must not stop the loop.
    const attempt = Promise.resolve()
      .then(() => probe(target, { localAddress: this.options.localAddress, agent: this.agent }))
      .catch((err: unknown): ProbeResult => ({ kind: 'failed', reason: err instanceof Error ? err.message : String(err), latencyMs: 0 }));
    slot.inFlight = attempt.then((result) => {
      slot.inFlight = undefined;
      this.record(slot, result);
      if (this.closed) return;
      const wait = Math.max(0, health.interval - (performance.now() - started));
      slot.timer = setTimeout(() => this.runProbe(slot), wait);
    });
  }

  private record(slot: Slot, result: ProbeResult): void {
    slot.last = result;
    const before = slot.thresholds.state;
    slot.thresholds = applyProbeResult(slot.thresholds, result.kind === 'ok', slot.endpoint.service.health);
    const after = slot.thresholds.state;
    if (before !== after && !this.closed) {
      this.options.onTransition({ key: slot.endpoint.key, ref: slot.endpoint.ref, from: before, to: after, result });
    }
  }
}
