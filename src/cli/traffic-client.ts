/**
 * `meridian traffic …` against the agents: a change goes to the first agent that can serve it (any
 * agent can: it writes etcd with a compare-and-put), in topology order, skipping agents that do
 * not answer or cannot reach etcd; `status` reads every agent's /status and shows the controls of
 * the newest revision read.
 */
import { CheckFailed, InfraError, InputError } from '../common/errors.ts';
import type { TrafficControls } from '../gslb/traffic-controls.ts';
import { invalidNames, type TrafficRequest } from '../gslb/traffic-change.ts';
import { postJsonForAnswer } from '../health/http-post.ts';
import { authHeaders } from './credentials.ts';
import { formatTable, printJson } from './output.ts';

const NO_ETCD = 'traffic controls need etcd: the topology has no etcd members (regions[].etcd.client); nothing changed';
/** The agent answers once etcd has: a few round trips, and a few more when operators race. */
const ANSWER_TIMEOUT_MS = 15_000;

interface Answer {
  readonly outcome?: string;
  readonly detail?: string;
  readonly error?: string;
  readonly handledBy?: string;
  readonly auditProblem?: string;
}

export async function sendTrafficRequest(file: string | undefined, request: TrafficRequest, json: boolean): Promise<void> {
  const { loadTopologyOrLab } = await import('./topology-source.ts');
  const topology = loadTopologyOrLab(file);
  const invalid = invalidNames(topology, request);
  if (invalid) throw new InputError(invalid);
  if (!topology.regions.some((r) => r.etcd)) throw new InputError(NO_ETCD);
  const tried: string[] = [];
  // Overriding a safety rule is an admin's call; the lab's admin token is picked only then.
  const headers = authHeaders(request.kind !== 'undrain' && request.force ? 'admin' : 'operator', file);
  for (const region of topology.regions) {
    if (!region.agent) continue;
    const got = await post(new URL(`/v1/traffic/${request.kind}`, region.agent.api), request, headers);
    if ('error' in got || got.status === 503) {
      tried.push(`${region.name}: ${'error' in got ? got.error : got.answer.detail}`);
      continue;
    }
    return report(got.status, got.answer, json);
  }
  throw new InfraError(`no agent could serve the request; nothing changed (${tried.join('; ') || 'no agent address in the topology'})`);
}

function report(status: number, answer: Answer, json: boolean): void {
  if (json) printJson(answer);
  const line = answer.detail ?? answer.error ?? `status ${status}`;
  if (status === 400) throw new InputError(line);
  if (status !== 200) throw new CheckFailed(line);
  if (!json) {
    process.stdout.write(`${answer.outcome} (agent ${answer.handledBy}): ${line}\n`);
    if (answer.auditProblem) process.stderr.write(`warning: not recorded in the etcd audit: ${answer.auditProblem}\n`);
  }
}

async function post(url: URL, request: TrafficRequest, headers: Readonly<Record<string, string>>): Promise<{ status: number; answer: Answer } | { error: string }> {
  const { kind: _kind, ...body } = request;
  // node:https rather than fetch: an https agent is verified against MERIDIAN_API_CA (common/api-ca.ts).
  const got = await postJsonForAnswer(url.toString(), body, { headers, timeoutMs: ANSWER_TIMEOUT_MS });
  return got.kind === 'answered' ? { status: got.status, answer: got.body as Answer } : { error: `did not answer (${got.reason})` };
}

interface TrafficReading {
  readonly region: string;
  readonly reachable: boolean;
  readonly reason?: string;
  readonly source?: 'etcd' | 'none';
  readonly ok?: boolean;
  readonly revision?: string | null;
  readonly readAt?: string | null;
  readonly controls?: TrafficControls;
}

export async function showTrafficStatus(file: string | undefined, json: boolean): Promise<void> {
  const [{ statusAgents }, { readStatusesOf }] = await Promise.all([import('./status-agents.ts'), import('../agent/status-client.ts')]);
  const readings: TrafficReading[] = (await readStatusesOf(await statusAgents(file), 2_000, authHeaders('viewer', file))).map((r) =>
    r.kind === 'ok'
      ? { region: r.region, reachable: true, ...(r.status.traffic ?? { source: 'none', reason: 'this agent reports no traffic controls (an older version?)' }) }
      : { region: r.region, reachable: false, reason: r.reason });
  const newest = readings.filter((r) => r.source === 'etcd' && r.revision != null).sort((a, b) => Number(BigInt(b.revision ?? 0) - BigInt(a.revision ?? 0)))[0];
  if (json) printJson({ revision: newest?.revision ?? null, readBy: newest?.region ?? null, controls: newest?.controls ?? null, agents: readings.map(({ controls: _c, ...r }) => r) });
  else printReadings(readings, newest);
  if (readings.every((r) => !r.reachable)) throw new CheckFailed('no agent answered');
  if (!newest) throw new CheckFailed(readings.find((r) => r.reason)?.reason ?? 'no agent has read the traffic controls');
}

function printReadings(readings: readonly TrafficReading[], newest: TrafficReading | undefined): void {
  if (newest?.controls) {
    const c = newest.controls;
    const rows = [
      ...c.drains.map((d) => ['drain', d.region, d.service ?? '(every service)', '-', d.by, d.at, `${d.reason}${d.forced ? ' [forced]' : ''}`]),
      ...c.weights.map((w) => ['weight', w.region, w.service, String(w.weight), w.by, w.at, `${w.reason}${w.forced ? ' [forced]' : ''}`]),
    ];
    process.stdout.write(`traffic controls at etcd revision ${newest.revision}, as read by ${newest.region}\n`);
    process.stdout.write(rows.length > 0 ? formatTable(['control', 'region', 'service', 'weight', 'by', 'since', 'reason'], rows) : 'none in force: every region answers as the topology and health say\n');
  }
  const lines = readings.map((r) => {
    if (!r.reachable) return [r.region, 'unreachable', r.reason ?? ''];
    if (r.source !== 'etcd') return [r.region, 'no controls', r.reason ?? ''];
    const behind = newest && r.revision !== newest.revision ? `behind: revision ${r.revision}` : `revision ${r.revision}`;
    return [r.region, r.ok ? 'ok' : 'stale', `${behind}${r.reason ? `; ${r.reason}` : ''}`];
  });
  process.stdout.write(formatTable(['agent', 'reading', 'detail'], lines));
}
