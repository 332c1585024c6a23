/**
 * Rejoin: bring a former primary (or a diverged standby) back as a standby of the current
 * primary, with pg_rewind (fast: copies only what changed since the fork) or a new base
 * backup (always works, copies everything). The rejoin port clears the "needs rejoin" mark
 * once the member streams from the primary; the plan then checks that it really catches up.
 */
import { dropCompleted } from './converge.ts';
import { memberIn, position, primaryHealth, recordedPrimary } from './member.ts';
import { blocked, continues, noop, run } from './plan-common.ts';
import { step } from './steps.ts';
import type { Plan, RejoinMethod, Step, StoreState } from './types.ts';

export interface RejoinOptions {
  /** @default 'rewind'; use 'base-backup' when pg_rewind cannot work (no wal_log_hints/checksums, lost WAL). */
  readonly method?: RejoinMethod;
  /** Lag under which the rejoined standby counts as caught up. @default 16 MiB */
  readonly catchupLagBytes?: bigint;
  /**
   * The member does not answer SQL (stopped, or its region was unreachable): ask its agent to
   * rebuild it anyway. The agent reaches its own files; without it the step fails, recorded.
   */
  readonly force?: boolean;
}

const DEFAULT_CATCHUP_LAG = 16n * 1024n * 1024n;

/**
 * An unfinished runbook of another kind does not block an operator: the new one replaces it
 * (runbookProgress follows the newest), and every planner works from the observed world.
 */
export function planRejoin(state: StoreState, region: string, nowMs: number, options: RejoinOptions = {}): Plan {
  const open = state.runbook;
  if (open && !(open.kind === 'rejoin' && open.subject === region)) state = { ...state, runbook: null };
  const member = memberIn(state, region);
  if (!member) return blocked(`${region} is not a member of ${state.store}`);
  const primary = recordedPrimary(state);
  if (primary.region === region) return blocked(`${region} is the primary: nothing to rejoin (meridian switchover moves the primary role)`);
  const health = primaryHealth(primary);
  if (health.kind !== 'healthy') {
    return blocked(`the primary ${primary.region} is not healthy (${health.kind === 'down' ? health.why : 'it runs as a standby'}): a member can only rejoin a primary that answers; the reconciler fails over or finishes the promotion by itself (meridian db status shows why it waits)`);
  }
  const silent = member.regionDownByQuorum || !member.reachable;
  if (silent && !options.force) {
    return blocked(`${region} does not answer SQL: it rejoins by itself once it is back; if its database is stopped and its agent runs, ask that agent to rebuild it: meridian db rejoin --store ${state.store} --region ${region} --force`);
  }

  const p = primary.region;
  const following = !silent && member.role === 'standby' && !member.diverged && member.upstream === p && member.timeline === primary.timeline;
  const unfinished = continues(state, 'rejoin', region);
  if (following && !member.needsRejoin && !unfinished) return noop(`${region} already streams from ${p} at ${position(member)}`);

  const method = options.method ?? 'rewind';
  const lag = options.catchupLagBytes ?? DEFAULT_CATCHUP_LAG;
  const steps: Step[] = [];
  if (member.role === 'primary' && !silent && member.writable !== false) {
    steps.push(step.fence(region, `${region} runs as a writable primary while ${p} is the primary: it must refuse writes now`));
  }
  if (member.role === 'primary' && !member.needsRejoin) {
    steps.push(step.markRejoin(region, `${region} ${silent ? 'last ran' : 'runs'} as a primary on timeline ${member.timeline} while ${p} is the primary: it must never take writes again`));
  }
  if (!following || member.needsRejoin) {
    const how = method === 'rewind' ? 'pg_rewind (copies only the blocks changed since the fork)' : 'a new base backup';
    steps.push(step.rejoin(region, p, method, `${region} is at ${position(member)} as ${member.role}; it restarts as a standby of ${p} (${primary.timeline === member.timeline ? 'same timeline' : `timeline ${primary.timeline}`}) via ${how}`));
  }
  steps.push(step.awaitCatchup(region, p, lag, `${region} must stream from ${p} and come within ${lag} bytes of it`));
  // The rejoin step is `pending` while the member's agent rebuilds it (a base backup can take long):
  // await-catchup then polls until it streams, within the executor's catch-up bound.
  return run(state, 'rejoin', region, nowMs, `rejoin ${region} as a standby of ${p}`, dropCompleted(state, 'rejoin', steps));
}
