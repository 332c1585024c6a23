/**
 * `meridian failback --store S --region R`, the imperative shell: read the agents, ask the pure
 * decisions (failback-switchover.ts, failback-gate.ts, failback-ramp.ts), send what they say.
 *   1. Plan: the coordinator's switchover preview (GET /v1/stores/S/plan?to=R) and the ramp from
 *      the traffic controls in force. `--dry-run` prints both and stops.
 *   2. Switch the primary over to R (POST /v1/stores/S/switchover), unless R already is it; then
 *      wait until the agents OBSERVE it done (the request's answer is printed, never trusted).
 *   3. Ramp R's traffic back in steps, each after a health gate; stop at the first failing gate,
 *      leaving the last good step in force, and print what blocks, how to continue and how to undo.
 * Every failure ends in one line (the error) and an exit code: 1 refused, stopped or timed out,
 * 2 bad input. Requests name who asked (MERIDIAN_OPERATOR, else user@host).
 */
import { getJson } from '../common/http-get.ts';
import { postJsonForAnswer } from '../health/http-post.ts';
import { CheckFailed, InfraError, InputError } from '../common/errors.ts';
import { formatDurationMs } from '../common/duration.ts';
import { readAgentStatuses, type AgentReading } from '../agent/status-client.ts';
import type { StorePlanPreview } from '../agent/store/plan-preview.ts';
import { NO_CONTROLS, type TrafficControls } from '../gslb/traffic-controls.ts';
import type { TrafficRequest } from '../gslb/traffic-change.ts';
import type { Topology } from '../spec/index.ts';
import { coordinatorOf } from './commands/store.ts';
import { authHeaders } from './credentials.ts';
import { healthGate } from './failback-gate.ts';
import { decideRamp, planRamp, type RampPlan } from './failback-ramp.ts';
import { describeRequest, nextActions, renderRamp } from './failback-render.ts';
import { observeSwitchover, preflight } from './failback-switchover.ts';
import { renderStorePlan } from './plan-render.ts';
import { loadTopologyOrLab } from './topology-source.ts';

export interface FailbackOptions {
  readonly file: string | undefined;
  readonly store: string;
  readonly region: string;
  readonly percents: readonly number[];
  readonly stepWaitMs: number;
  /** Bound on the switchover being observed done. */
  readonly timeoutMs: number;
  readonly dryRun: boolean;
  readonly by: string;
  /** How often the agents are read while waiting. @default 1000 */
  readonly pollMs?: number;
}

const STATUS_TIMEOUT_MS = 2_000;
const PLAN_TIMEOUT_MS = 60_000;
/** A planned switchover answers when its runbook ends (a base backup of a member may take long). */
const SWITCHOVER_ANSWER_MS = 30 * 60_000;
const TRAFFIC_ANSWER_MS = 15_000;
/** Every agent reads the controls within a probe interval; far longer than that, one cannot. */
const SETTLE_TIMEOUT_MS = 30_000;

type Headers = Readonly<Record<string, string>>;
const say = (line: string): void => void process.stdout.write(`${line}\n`);

export async function runFailback(o: FailbackOptions): Promise<void> {
  const topology = loadTopologyOrLab(o.file);
  checkNames(topology, o.store, o.region);
  const headers = authHeaders('operator', o.file);
  const pollMs = o.pollMs ?? 1000;
  const readings = await readAgentStatuses(topology, STATUS_TIMEOUT_MS, headers);
  if (readings.every((r) => r.kind !== 'ok')) throw new InfraError(`no agent answered (${reasons(readings)}); nothing changed`);
  const preview = await switchoverPreview(topology, o, headers);
  const ramp = planRamp(topology, o.region, newestControls(readings).controls, o.percents);
  const verdict = preflight(readings, o.store, o.region, preview);

  if (o.dryRun) {
    process.stdout.write(`dry run: failback of ${o.store} to ${o.region}; nothing was changed\n`);
    if (verdict.kind === 'already') say(`switchover: ${verdict.detail}`);
    else process.stdout.write(renderStorePlan(preview));
    process.stdout.write(renderRamp(ramp, newestControls(readings).controls));
    if (verdict.kind === 'refused') throw new CheckFailed(`the failback would be refused: ${verdict.detail}`);
    return;
  }
  if (verdict.kind === 'refused') throw new CheckFailed(verdict.detail);
  if (verdict.kind === 'already') say(`switchover: ${verdict.detail}`);
  else await switchOver(topology, o, headers, pollMs);
  await rampTraffic(topology, o, ramp, headers, Math.min(pollMs, 500));
}

function checkNames(topology: Topology, storeName: string, region: string): void {
  const store = topology.stores.find((s) => s.name === storeName);
  if (!store) throw new InputError(`no store '${storeName}' in the topology (stores: ${topology.stores.map((s) => s.name).join(', ') || 'none'})`);
  const members = [store.primaryRegion, ...store.replicaRegions];
  if (!members.includes(region)) throw new InputError(`region '${region}' is not a member of store '${storeName}' (members: ${members.join(', ')})`);
  if (!topology.regions.some((r) => r.etcd)) throw new InputError('a failback needs etcd (the primary lease and the traffic controls live there): the topology has no etcd members (regions[].etcd.client); nothing changed');
}

function reasons(readings: readonly AgentReading[]): string {
  return readings.map((r) => `${r.region}: ${r.kind === 'ok' ? (r.status.stores?.reason ?? 'no coordinator known') : r.reason}`).join('; ');
}

/** The coordinator's preview of the switchover to R; while the election changes hands, asked again. */
async function switchoverPreview(topology: Topology, o: FailbackOptions, headers: Headers): Promise<StorePlanPreview> {
  const path = `/v1/stores/${encodeURIComponent(o.store)}/plan?to=${encodeURIComponent(o.region)}`;
  const deadline = Date.now() + 2 * topology.failover.leaseTtl + 3000;
  for (;;) {
    const readings = await readAgentStatuses(topology, STATUS_TIMEOUT_MS, headers);
    const coordinator = coordinatorOf(readings, o.store);
    const api = topology.regions.find((r) => r.name === coordinator)?.agent?.api;
    const got = api ? await getJson(new URL(path, api), { timeoutMs: PLAN_TIMEOUT_MS, headers }) : undefined;
    if (got && 'body' in got) return got.body as StorePlanPreview;
    if (Date.now() > deadline || (got && !got.error.startsWith('status 409'))) {
      throw new InfraError(`no switchover plan for store '${o.store}': ${got ? `the coordinator ${coordinator} answered ${got.error}` : `no failover coordinator found (${reasons(readings)})`}; nothing changed`);
    }
    await sleep(500);
  }
}

interface Answer {
  readonly outcome?: string;
  readonly reason?: string;
  readonly detail?: string;
  readonly error?: string;
  readonly runbookId?: string;
  readonly coordinator?: string | null;
  readonly handledBy?: string;
}

async function postJson(url: URL, body: unknown, headers: Headers, timeoutMs: number): Promise<{ status: number; answer: Answer } | { error: string }> {
  // node:https rather than fetch: an https agent is verified against MERIDIAN_API_CA (common/api-ca.ts).
  const got = await postJsonForAnswer(url.toString(), body, { headers, timeoutMs });
  return got.kind === 'answered' ? { status: got.status, answer: got.body as Answer } : { error: `did not answer (${got.reason})` };
}

/** Ask the coordinator for the switchover, then wait until the agents show it done. */
async function switchOver(topology: Topology, o: FailbackOptions, headers: Headers, pollMs: number): Promise<void> {
  const path = `/v1/stores/${encodeURIComponent(o.store)}/switchover`;
  const deadline = Date.now() + o.timeoutMs;
  let runbookId: string | undefined;
  for (let asked = false; !asked;) {
    const readings = await readAgentStatuses(topology, STATUS_TIMEOUT_MS, headers);
    const coordinator = coordinatorOf(readings, o.store);
    const api = topology.regions.find((r) => r.name === coordinator)?.agent?.api;
    const got = api ? await postJson(new URL(path, api), { to: o.region, by: o.by }, headers, SWITCHOVER_ANSWER_MS) : undefined;
    if (got && 'status' in got && got.status !== 409) {
      const a = got.answer;
      say(`switchover asked of the coordinator ${coordinator}: ${a.outcome ?? 'error'}: ${a.reason ?? a.error ?? `status ${got.status}`}${a.runbookId ? ` (runbook ${a.runbookId})` : ''}`);
      if (got.status !== 200 || a.outcome === 'blocked' || a.outcome === 'unavailable') {
        throw new CheckFailed(`the switchover to ${o.region} was refused: ${a.reason ?? a.error ?? `status ${got.status}`}; no traffic was changed`);
      }
      runbookId = a.runbookId;
      asked = true;
    } else if (Date.now() > deadline) {
      throw new InfraError(`the switchover could not be asked: ${got ? ('error' in got ? got.error : `the coordinator ${coordinator} answered 409: ${got.answer.error ?? ''}`) : `no failover coordinator found (${reasons(readings)})`}`);
    } else {
      await sleep(500); // the election is changing hands: ask the new coordinator
    }
  }
  say(`waiting until the agents observe ${o.region} as ${o.store}'s primary with its lease and the runbook closed (up to ${formatDurationMs(o.timeoutMs)})`);
  let last = '';
  for (;;) {
    const progress = observeSwitchover(await readAgentStatuses(topology, STATUS_TIMEOUT_MS, headers), o.store, o.region, runbookId);
    if (progress.kind === 'done') return say(`switchover observed done: ${progress.detail}`);
    if (progress.kind === 'failed') throw new CheckFailed(`${progress.detail}; no traffic was changed`);
    if (progress.detail !== last) say(`  waiting: ${progress.detail}`);
    last = progress.detail;
    if (Date.now() > deadline) throw new CheckFailed(`the switchover to ${o.region} was not observed done within ${formatDurationMs(o.timeoutMs)} (${progress.detail}); no traffic was changed; follow with meridian db status, then run the failback again`);
    await sleep(pollMs);
  }
}

/** The controls of the highest etcd revision any agent read, and the agents that read an older one. */
export function newestControls(readings: readonly AgentReading[]): { readonly controls: TrafficControls; readonly revision: bigint; readonly behind: string[] } {
  const read = readings.flatMap((r) => (r.kind === 'ok' && r.status.traffic?.source === 'etcd' && r.status.traffic.revision != null ? [{ region: r.region, revision: BigInt(r.status.traffic.revision), controls: r.status.traffic.controls }] : []));
  const newest = read.reduce<(typeof read)[number] | undefined>((a, b) => (a === undefined || b.revision > a.revision ? b : a), undefined);
  if (!newest) return { controls: NO_CONTROLS, revision: -1n, behind: [] };
  return { controls: newest.controls, revision: newest.revision, behind: read.filter((r) => r.revision < newest.revision).map((r) => `${r.region} (revision ${r.revision} < ${newest.revision})`) };
}

async function rampTraffic(topology: Topology, o: FailbackOptions, plan: RampPlan, headers: Headers, pollMs: number): Promise<void> {
  const gated = plan.services.filter((s) => s.admission !== 'none').map((s) => s.service);
  const initial = newestControls(await readAgentStatuses(topology, STATUS_TIMEOUT_MS, headers));
  for (const note of plan.notes) say(`note: ${note}`);
  let lastChangeAtMs: number | undefined;
  let settlingSince: number | undefined;
  let shown = '';
  const show = (line: string) => (line !== shown ? say((shown = line)) : undefined);
  // A ramp found half-way (a failback stopped and run again) holds a full step before going on.
  const resumed = decideRamp(plan, { controls: initial.controls, behind: [], gate: { ok: true }, nowMs: 0, lastChangeAtMs: undefined, stepWaitMs: 0 }, o.by);
  if (resumed.kind === 'apply' && resumed.step > 1) lastChangeAtMs = Date.now();
  for (;;) {
    const readings = await readAgentStatuses(topology, STATUS_TIMEOUT_MS, headers);
    const { controls, behind } = newestControls(readings);
    const gate = healthGate({ readings, region: o.region, services: gated, store: o.store });
    const move = decideRamp(plan, { controls, behind, gate, nowMs: Date.now(), lastChangeAtMs, stepWaitMs: o.stepWaitMs }, o.by);
    const n = plan.percents.length;
    const at = (k: number) => (k === 0 ? 'before step 1 (nothing admitted by this ramp yet)' : `at step ${k} of ${n} (${plan.percents[k - 1]} %)`);
    switch (move.kind) {
      case 'done':
        say(`failback of ${o.store} to ${o.region} done: ${o.region} is the primary and takes its declared share of traffic, healthy by the majority view of every agent`);
        return;
      case 'blocked':
        for (const b of move.blockers) say(`blocked: ${b}`);
        for (const line of nextActions(o.store, o.region, o.file)) say(line);
        throw new CheckFailed(`failback stopped ${at(move.reached)}, left in force: ${move.blockers[0]}`);
      case 'settling':
        settlingSince ??= Date.now();
        show(`  waiting for every agent to apply the controls: ${move.behind.join(', ')}`);
        if (Date.now() - settlingSince > SETTLE_TIMEOUT_MS) {
          for (const line of nextActions(o.store, o.region, o.file)) say(line);
          throw new CheckFailed(`failback stopped ${at(move.reached)}: agents still answer with older traffic controls after ${formatDurationMs(SETTLE_TIMEOUT_MS)}: ${move.behind.join(', ')}`);
        }
        break;
      case 'hold':
        settlingSince = undefined;
        show(`  holding ${at(move.reached)} until ${new Date(move.untilMs).toISOString()}, gated every ${formatDurationMs(pollMs)}`);
        break;
      case 'apply':
        settlingSince = undefined;
        say(`step ${move.step} of ${n} (${move.percent} %): ${move.requests.map(describeRequest).join('; ') || 'no change'}`);
        for (const request of move.requests) await sendTraffic(topology, request, headers, o, move.step);
        lastChangeAtMs = Date.now();
        continue; // read again at once: the next move waits for every agent to apply it
    }
    await sleep(pollMs);
  }
}

/** One traffic request, to the first agent that can serve it (as `meridian traffic` sends it). */
async function sendTraffic(topology: Topology, request: TrafficRequest, headers: Headers, o: FailbackOptions, step: number): Promise<void> {
  const { kind, ...body } = request;
  const tried: string[] = [];
  for (const region of topology.regions) {
    if (!region.agent) continue;
    const got = await postJson(new URL(`/v1/traffic/${kind}`, region.agent.api), body, headers, TRAFFIC_ANSWER_MS);
    if ('error' in got || got.status === 503) {
      tried.push(`${region.name}: ${'error' in got ? got.error : (got.answer.detail ?? 'unavailable')}`);
      continue;
    }
    const line = got.answer.detail ?? got.answer.error ?? `status ${got.status}`;
    if (got.status !== 200) {
      for (const next of nextActions(o.store, o.region, o.file)) say(next);
      throw new CheckFailed(`failback stopped at step ${step}: the agent in ${region.name} refused ${describeRequest(request)}: ${line}`);
    }
    say(`  ${got.answer.outcome} (agent ${got.answer.handledBy ?? region.name}): ${line}`);
    return;
  }
  for (const next of nextActions(o.store, o.region, o.file)) say(next);
  throw new InfraError(`failback stopped at step ${step}: no agent could serve ${describeRequest(request)} (${tried.join('; ') || 'no agent address in the topology'})`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
