/**
 * The coordinator-crash fault's second half: watch the agents until a failover runbook has
 * started, then kill the agent coordinating it at once, so the runbook is interrupted half way
 * and another agent must finish it from the audit (docs/failover.md, re-planning).
 */
import type { Clock } from '../clock.ts';
import type { Undo } from './faults.ts';
import { openRunbook } from './progress.ts';
import type { CoordinatorKill } from './report.ts';
import type { DbDrillEnvironment } from './types.ts';

export interface CoordinatorKillOptions {
  readonly maxWaitMs: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  readonly emit: (step: string, detail: string, atMs?: number) => void;
  /** The restart of the killed agent is pushed here. */
  readonly undo: Undo[];
  /** @default 50 */
  readonly pollMs?: number;
}

export async function awaitRunbookAndKillCoordinator(env: DbDrillEnvironment, o: CoordinatorKillOptions): Promise<CoordinatorKill | undefined> {
  const from = o.clock.nowMs();
  for (;;) {
    const views = await env.readAgents().catch(() => []);
    const open = openRunbook(views);
    const region = open?.coordinator;
    if (open && region) {
      const killedAtMs = o.clock.nowMs();
      await env.killAgent(region);
      o.undo.push({ what: `restart ${region}'s agent`, run: () => env.restartAgent(region) });
      const stepsDoneBeforeKill = [
        ...new Set(views.filter((v) => v.runbookId === open.runbookId).flatMap((v) => v.steps.filter((s) => s.result === 'ok').map((s) => s.stepId))),
      ];
      o.emit('coordinatorKilled', `${region}'s agent killed in runbook ${open.runbookId}`, killedAtMs);
      return { region, killedAtMs, runbookId: open.runbookId, stepsDoneBeforeKill };
    }
    if (o.clock.nowMs() - from >= o.maxWaitMs) {
      o.emit('runbookNotSeen', `no agent showed a failover runbook with a coordinator within ${o.maxWaitMs} ms; no coordinator was killed`);
      return undefined;
    }
    await o.clock.sleep(o.pollMs ?? 50, o.signal);
  }
}
