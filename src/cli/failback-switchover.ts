/**
 * The store half of `meridian failback`, pure: may the switchover back to R start (`preflight`),
 * and is it done as the agents OBSERVE it (`observeSwitchover`), never as the switchover request
 * answered. Done means: every agent that reads the store's records sees the primary record name
 * R, R's own agent holding the primary lease under the record's token, and the coordinator has
 * closed the switchover's runbook `completed` with nothing running (or, when the coordinator
 * changed hands since and never saw that runbook, it plans nothing more: everything follows R).
 */
import type { AgentReading } from '../agent/status-client.ts';
import type { StorePlanPreview } from '../agent/store/plan-preview.ts';
import type { StoreStatus } from '../agent/store/status.ts';

export type Preflight =
  /** R already is the primary with its lease, and nothing is running: skip to the ramp. */
  | { readonly kind: 'already'; readonly detail: string }
  | { readonly kind: 'go' }
  /** One line: what blocks, and the command that unblocks it. */
  | { readonly kind: 'refused'; readonly detail: string };

export type SwitchoverProgress =
  | { readonly kind: 'done'; readonly detail: string }
  | { readonly kind: 'waiting'; readonly detail: string }
  | { readonly kind: 'failed'; readonly detail: string };

type Ok = Extract<AgentReading, { kind: 'ok' }>;

/** Each answering agent's view of the store, where it supervises it and reads etcd. */
export function storeViews(readings: readonly AgentReading[], store: string): { readonly agent: string; readonly view: StoreStatus }[] {
  return readings
    .filter((r): r is Ok => r.kind === 'ok')
    .flatMap((r) => (r.status.stores?.stores ?? []).filter((s) => s.store === store && s.supervised && s.etcd.ok).map((view) => ({ agent: r.region, view })));
}

/** The coordinator's own view of the store (only it knows the runbooks), if an agent says it is one. */
export function coordinatorView(readings: readonly AgentReading[], store: string): { readonly agent: string; readonly view: StoreStatus } | undefined {
  return storeViews(readings, store).find((v) => v.view.coordinator.self);
}

/** R named by the record, and its own agent holding the lease under the record's token. */
function primaryHeldBy(view: StoreStatus, region: string): string | undefined {
  const { primary, lease } = view;
  if (!primary || primary.region !== region) return `the primary record names ${primary ? `${primary.region} (token ${primary.token})` : 'nobody'}`;
  if (!lease) return `nobody holds the primary lease (the record names ${region})`;
  if (!lease.holder.startsWith(`${region}/agent:`)) return `the primary lease is held by ${lease.holder}, not by ${region}'s agent`;
  if (lease.token !== primary.token) return `${region}'s lease (token ${lease.token}) is not yet the record's (token ${primary.token})`;
  return undefined;
}

export function preflight(readings: readonly AgentReading[], store: string, region: string, plan: StorePlanPreview): Preflight {
  const coordinator = coordinatorView(readings, store);
  if (!coordinator) return { kind: 'refused', detail: `no failover coordinator reports store ${store} (meridian db status shows who should)` };
  const view = coordinator.view;
  const running = view.runningRunbook ?? null;
  if (primaryHeldBy(view, region) === undefined && !running && plan.outcome === 'noop') {
    return { kind: 'already', detail: `${region} already is ${store}'s primary, holding its lease (token ${view.lease?.token}): no switchover needed` };
  }
  if (view.paused) {
    const why = view.paused.reason ? ` (${view.paused.reason})` : '';
    return { kind: 'refused', detail: `store ${store} is paused by ${view.paused.by} since ${view.paused.at}${why}: a failback moves its primary, so it waits for the maintenance to end; resume with: meridian resume --store ${store}` };
  }
  const failover = openFailover(view);
  if (failover) return { kind: 'refused', detail: `${failover}: let the reconciler finish it (follow with meridian db status), or close it with: meridian db runbook abort --store ${store}` };
  if (plan.outcome === 'blocked' || plan.outcome === 'waits') {
    const why = plan.waits[0]?.reason ?? plan.plans[0]?.summary ?? 'no reason given';
    return {
      kind: 'refused',
      detail: `cannot fail ${store} back to ${region}: ${why}; ${region} must be a healthy standby streaming from the primary ${plan.primary.region} on its timeline (meridian db status shows it; a member that does not come back by itself: meridian db rejoin --store ${store} --region ${region})`,
    };
  }
  return { kind: 'go' };
}

/** A failover runbook the coordinator is running, left open, or planned and not executed; or undefined. */
function openFailover(view: StoreStatus): string | undefined {
  const running = view.runningRunbook;
  if (running?.kind === 'failover') return `a failover runbook of ${view.store} is running (${running.runbookId}: ${running.summary})`;
  const last = view.lastRunbook;
  if (last?.kind === 'failover' && last.outcome !== 'completed') return `a failover runbook of ${view.store} is open (${last.runbookId} ended ${last.outcome}${last.detail ? `: ${last.detail}` : ''})`;
  const plan = view.lastPlan;
  if (plan?.kind === 'run' && plan.runbookId?.includes('/failover/') && !plan.executed) {
    return `the reconciler has a failover of ${view.store} planned and waits (${plan.notExecuted ?? plan.reason})`;
  }
  return undefined;
}

/** `runbookId`: what the switchover request answered (absent: it answered without one). */
export function observeSwitchover(readings: readonly AgentReading[], store: string, region: string, runbookId: string | undefined): SwitchoverProgress {
  const views = storeViews(readings, store);
  if (views.length === 0) return { kind: 'waiting', detail: `no agent that answers reads store ${store}'s records from etcd` };
  const coordinator = views.find((v) => v.view.coordinator.self);
  const last = coordinator?.view.lastRunbook ?? null;
  const ours = (id: string | undefined) => id !== undefined && (id === runbookId || id.startsWith(`${store}/switchover/${region}/`));
  const missing = views.flatMap(({ agent, view }) => {
    const why = primaryHeldBy(view, region);
    return why ? [`the agent in ${agent} reads: ${why}`] : [];
  });
  if (last && ours(last.runbookId) && last.outcome === 'completed' && missing.length === views.length) {
    return { kind: 'failed', detail: `the switchover to ${region} ended without moving the primary: ${last.summary}` };
  }
  if (missing.length > 0) return { kind: 'waiting', detail: missing.join('; ') };
  if (!coordinator) return { kind: 'waiting', detail: 'no agent reports itself the failover coordinator (the election may be changing hands)' };
  const running = coordinator.view.runningRunbook;
  if (running) return { kind: 'waiting', detail: `the coordinator (${coordinator.agent}) is running ${running.runbookId}: ${running.summary}` };
  if (last && ours(last.runbookId)) {
    if (last.outcome === 'completed') return { kind: 'done', detail: `${region} is the primary of ${store}, holding its lease; runbook ${last.runbookId} closed ok` };
    return { kind: 'waiting', detail: `runbook ${last.runbookId} ended ${last.outcome}${last.detail ? ` (${last.detail})` : ''}: the reconciler finishes it` };
  }
  const plan = coordinator.view.lastPlan;
  if (plan?.kind === 'noop') return { kind: 'done', detail: `${region} is the primary of ${store}, holding its lease; the coordinator (${coordinator.agent}) has nothing left to do: ${plan.reason}` };
  return { kind: 'waiting', detail: `the coordinator (${coordinator.agent}) still plans: ${plan ? `${plan.kind}: ${plan.reason}` : 'no plan yet'}` };
}
