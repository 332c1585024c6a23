/**
 * `meridian status` as tables: the health of every service/region as each vantage point sees it,
 * with the routed verdict, and the current answers. Pure: readings in, rows out.
 */
import type { AgentReading } from './status-client.ts';
import type { AgentStatus, EndpointStatus } from './status.ts';

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

type Ok = Extract<AgentReading, { kind: 'ok' }>;

export function agentsTable(readings: readonly AgentReading[]): Table {
  return {
    header: ['agent', 'api', 'state', 'fresh peer views'],
    rows: readings.map((r) =>
      r.kind === 'ok'
        ? [r.region, r.api, 'ok', r.status.peers.filter((p) => p.fresh).map((p) => p.region).join(', ') || 'none']
        : [r.region, r.api || '-', `unreachable (${r.reason})`, '-'],
    ),
  };
}

/** Rows service/region; one column per vantage point (each agent's own view); then the routed verdict. */
export function healthTable(readings: readonly AgentReading[]): Table {
  const ok = readings.filter((r): r is Ok => r.kind === 'ok');
  const reference = ok[0]?.status;
  const rows: string[][] = [];
  for (const service of reference?.services ?? []) {
    for (const { region } of service.regions) {
      const cells = readings.map((r) => {
        if (r.kind !== 'ok') return 'unreachable';
        const endpoints = endpointsOf(r.status, service.service, region);
        return summarize(endpoints.map((e) => e.vantages[r.region]?.state ?? 'unknown'));
      });
      const routed = ok.map((r) => ({ agent: r.region, verdict: summarize(endpointsOf(r.status, service.service, region).map((e) => e.routed)) }));
      rows.push([`${service.service}/${region}`, ...cells, routedCell(routed)]);
    }
  }
  return { header: ['service/region', ...readings.map((r) => `seen from ${r.region}`), 'routed'], rows };
}

export function answersTable(status: AgentStatus): Table {
  return {
    header: ['service', 'name', 'policy', 'clients', 'regions', 'addresses', 'reason'],
    rows: status.answers.flatMap((s) =>
      s.answers.map((a) => [
        s.service,
        s.fqdn,
        s.policy,
        a.clientNetwork,
        a.weights ? Object.entries(a.weights).map(([r, w]) => `${r}:${w}`).join(' ') : a.regions.join(' ') || '-',
        a.addresses.join(' ') || '-',
        `${a.failOpen ? 'FAIL-OPEN ' : ''}${a.reason}`,
      ]),
    ),
  };
}

function endpointsOf(status: AgentStatus, service: string, region: string): readonly EndpointStatus[] {
  return status.services.find((s) => s.service === service)?.regions.find((r) => r.region === region)?.endpoints ?? [];
}

/** `up` when every endpoint agrees, else counts such as `1 up, 1 down`. */
export function summarize(states: readonly string[]): string {
  if (states.length === 0) return '-';
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  if (counts.size === 1) return states[0] ?? '-';
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${n} ${s}`).join(', ');
}

/** The verdict when every reachable agent agrees, else who decided what. */
function routedCell(routed: readonly { agent: string; verdict: string }[]): string {
  const verdicts = [...new Set(routed.map((r) => r.verdict))];
  if (verdicts.length <= 1) return verdicts[0] ?? '-';
  return verdicts.map((v) => `${v} (${routed.filter((r) => r.verdict === v).map((r) => r.agent).join(', ')})`).join('; ');
}
