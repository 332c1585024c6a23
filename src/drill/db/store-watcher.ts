/**
 * Polls the store's status and the agents' view of it during a drill, and keeps what it saw:
 * every store snapshot (the drill waits on them), the agents' runbook views (the report shows
 * the runbook steps). One poll at a time: a slow status read is not piled on.
 */
import { systemClock, type Clock } from '../clock.ts';
import { describeSnapshot } from './report.ts';
import type { AgentStoreView, DbDrillEnvironment, StoreSnapshot } from './types.ts';

export class StoreWatcher {
  readonly snapshots: StoreSnapshot[] = [];
  readonly agentPolls: (readonly AgentStoreView[])[] = [];
  /** Failed reads, by message (a flapping status read is worth a line in the report). */
  readonly errors = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private readonly clock: Clock;

  constructor(
    private readonly env: Pick<DbDrillEnvironment, 'readStore' | 'readAgents'>,
    private readonly intervalMs = 200,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.busy;
  }

  /** Snapshots in which the primary or a member's role or reachability changed (the first one included). */
  changes(): StoreSnapshot[] {
    return this.snapshots.filter((s, i) => i === 0 || describeSnapshot(s) !== describeSnapshot(this.snapshots[i - 1]!));
  }

  snapshotsSince(atMs: number): StoreSnapshot[] {
    return this.snapshots.filter((s) => s.atMs >= atMs);
  }

  private tick(): void {
    if (this.busy) return;
    this.busy = this.poll().finally(() => (this.busy = undefined));
  }

  private async poll(): Promise<void> {
    const [store, agents] = await Promise.allSettled([this.env.readStore(), this.env.readAgents()]);
    // Stamped by the drill's clock when the answer arrived: what the drill knew, and when.
    const atMs = this.clock.nowMs();
    if (store.status === 'fulfilled') this.snapshots.push({ ...store.value, atMs });
    else this.noteError(store.reason);
    if (agents.status === 'fulfilled') this.agentPolls.push(agents.value);
    else this.noteError(agents.reason);
  }

  private noteError(reason: unknown): void {
    const message = reason instanceof Error ? reason.message : String(reason);
    this.errors.set(message, (this.errors.get(message) ?? 0) + 1);
  }
}
