/**
 * The demo app's request counter, for the capacity check's load source: `GET /metrics` serves
 * `meridian_demo_requests_total{service,region}` in the Prometheus text format, so the
 * lab's Prometheus can scrape it and the agents can read each region's load with
 * `sum by (region) (rate(meridian_demo_requests_total{service="web"}[30s]))` (docs/capacity.md).
 *
 * Health probes (`/healthz`) and scrapes (`/metrics`) are not counted: the load is what users
 * send, and the agents' probes would otherwise make an idle region look busy. Hand-written text,
 * not prom-client: one counter does not need a registry, and the demo stays light.
 */
import type { DemoIdentity } from './app.ts';

export const REQUESTS_METRIC = 'meridian_demo_requests_total';
const NOT_COUNTED = new Set(['/healthz', '/metrics']);

export class RequestCounter {
  private count = 0;

  /** Counts a request unless it is a probe or a scrape. */
  observe(path: string): void {
    if (!NOT_COUNTED.has(path)) this.count++;
  }

  get total(): number {
    return this.count;
  }

  exposition(id: DemoIdentity): string {
    // No `instance` label: Prometheus gives every target its own, and one of ours would be renamed.
    const labels = `service="${escape(id.service)}",region="${escape(id.region)}"`;
    return [
      `# HELP ${REQUESTS_METRIC} Requests this demo instance answered (health probes and scrapes excluded).`,
      `# TYPE ${REQUESTS_METRIC} counter`,
      `${REQUESTS_METRIC}{${labels}} ${this.count}`,
      '',
    ].join('\n');
  }
}

/** Label values escape backslash, double quote and newline (the text format's rule). */
function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
