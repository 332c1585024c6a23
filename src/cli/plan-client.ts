/**
 * `meridian plan …` against the agents, read-only. A store's plan is asked of the failover
 * coordinator (found through every agent's /status, as the store commands find it): only it has
 * the audit and takes the snapshot a tick plans from. A drain's plan is asked of the first agent
 * that can read etcd, in topology order, as a drain would be. A store's plan needs an operator's
 * credential (it costs a fresh look at every member), a drain's a viewer's.
 */
import { getJson } from '../common/http-get.ts';
import { CheckFailed, InfraError, InputError } from '../common/errors.ts';
import type { StorePlanPreview } from '../agent/store/plan-preview.ts';
import { invalidNames } from '../gslb/traffic-change.ts';
import type { Topology } from '../spec/index.ts';
import { coordinatorOf } from './commands/store.ts';
import { authHeaders } from './credentials.ts';
import { printJson } from './output.ts';
import { renderDrainPlan, renderStorePlan, type DrainPlanAnswer } from './plan-render.ts';
import { loadTopologyOrLab } from './topology-source.ts';

/** A preview waits for the store's tick in progress, then takes one snapshot (two samples). */
const PLAN_TIMEOUT_MS = 60_000;
const HANDOVER_SLACK_MS = 3000;
const HANDOVER_POLL_MS = 500;

export async function planStore(file: string | undefined, store: string, to: string | undefined, json: boolean): Promise<void> {
  const topology = loadTopologyOrLab(file);
  checkStore(topology, store, to);
  const { readAgentStatuses } = await import('../agent/status-client.ts');
  // A dry run costs the coordinator a fresh look at every member: the agents grant it to operators.
  const headers = authHeaders('operator', file);
  const path = `/v1/stores/${encodeURIComponent(store)}/plan${to ? `?to=${encodeURIComponent(to)}` : ''}`;
  // While the election changes hands an agent answers 409: look again, as the store commands do.
  const deadline = Date.now() + 2 * topology.failover.leaseTtl + HANDOVER_SLACK_MS;
  for (;;) {
    const readings = await readAgentStatuses(topology, 2_000, headers);
    const coordinator = coordinatorOf(readings, store);
    const api = topology.regions.find((r) => r.name === coordinator)?.agent?.api;
    const got = api ? await getJson(new URL(path, api), { timeoutMs: PLAN_TIMEOUT_MS, headers }) : undefined;
    if (got && 'body' in got) return report(got.body as StorePlanPreview, json);
    if (Date.now() > deadline || (got && !got.error.startsWith('status 409'))) {
      const why = got ? `the coordinator ${coordinator} answered ${got.error}` : `no failover coordinator found (${readings.map((r) => `${r.region}: ${r.kind === 'ok' ? (r.status.stores?.reason ?? 'no coordinator known') : r.reason}`).join('; ')})`;
      throw new InfraError(`no plan for store '${store}': ${why}`);
    }
    await new Promise((r) => setTimeout(r, HANDOVER_POLL_MS));
  }
}

function report(plan: StorePlanPreview, json: boolean): void {
  if (json) printJson(plan);
  else process.stdout.write(renderStorePlan(plan));
  if (plan.outcome === 'waits' || plan.outcome === 'blocked') {
    throw new CheckFailed(`the ${plan.kind} would ${plan.outcome === 'waits' ? 'wait' : 'be refused'}: ${plan.waits[0]?.reason ?? 'see above'}`);
  }
}

/** Names the topology does not have are bad input (exit 2), before any agent is asked. */
function checkStore(topology: Topology, storeName: string, to: string | undefined): void {
  const store = topology.stores.find((s) => s.name === storeName);
  if (!store) throw new InputError(`no store '${storeName}' in the topology (stores: ${topology.stores.map((s) => s.name).join(', ') || 'none'})`);
  const members = [store.primaryRegion, ...store.replicaRegions];
  if (to !== undefined && !members.includes(to)) throw new InputError(`region '${to}' is not a member of store '${storeName}' (members: ${members.join(', ')})`);
}

export async function planDrain(file: string | undefined, region: string, service: string | undefined, json: boolean): Promise<void> {
  const topology = loadTopologyOrLab(file);
  const invalid = invalidNames(topology, { kind: 'drain', region, by: 'plan', ...(service ? { service } : {}) });
  if (invalid) throw new InputError(invalid);
  if (!topology.regions.some((r) => r.etcd)) throw new InputError('traffic controls need etcd: the topology has no etcd members (regions[].etcd.client)');
  const headers = authHeaders('viewer', file);
  const query = new URLSearchParams({ region, ...(service ? { service } : {}) });
  const tried: string[] = [];
  for (const r of topology.regions) {
    if (!r.agent) continue;
    const got = await getJson(new URL(`/v1/traffic/plan/drain?${query}`, r.agent.api), { timeoutMs: 15_000, headers });
    if ('error' in got) {
      tried.push(`${r.name}: ${got.error}`);
      continue;
    }
    const plan = got.body as DrainPlanAnswer;
    if (json) printJson(plan);
    else process.stdout.write(renderDrainPlan(plan));
    if (plan.kind === 'drain' && plan.refusals.length > 0) throw new CheckFailed(`the drain would be refused: ${plan.refusals[0]} (--force overrides)`);
    return;
  }
  throw new InfraError(`no agent could judge the drain (${tried.join('; ') || 'no agent address in the topology'})`);
}
