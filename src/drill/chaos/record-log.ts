/**
 * Where the primary record is, as the agents show it: keeps the first sighting of every record
 * token (for the zombie check) and the newest record (where the next round's fault goes). Fed by
 * a background poll of the agents' /status and by every other /status read the rounds make.
 */
import type { Clock } from '../clock.ts';
import type { AgentStoreStatus, RecordView } from './agent-status.ts';
import { compareTokens } from './convergence.ts';
import type { ChaosEnvironment } from './types.ts';
import type { RecordSighting } from './zombies.ts';

export class RecordLog {
  private readonly byToken = new Map<string, RecordSighting>();
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;

  constructor(
    private readonly env: Pick<ChaosEnvironment, 'readAgentStatuses'>,
    private readonly clock: Clock,
    private readonly intervalMs = 200,
  ) {}

  get sightings(): RecordSighting[] {
    return [...this.byToken.values()].sort((a, b) => compareTokens(a.token, b.token));
  }

  /** The record with the newest token seen so far. */
  newest(): RecordView | null {
    const last = this.sightings.at(-1);
    return last ? { region: last.region, token: last.token, ...(last.timeline === undefined ? {} : { timeline: last.timeline }) } : null;
  }

  note(statuses: readonly AgentStoreStatus[], atMs: number): void {
    for (const s of statuses) {
      const r = s.record;
      if (!r || this.byToken.has(r.token)) continue;
      this.byToken.set(r.token, { token: r.token, region: r.region, ...(r.timeline === undefined ? {} : { timeline: r.timeline }), firstSeenAtMs: atMs, by: s.agentRegion });
    }
  }

  /** Reads the agents now (and notes what they show). */
  async poll(): Promise<readonly AgentStoreStatus[]> {
    const statuses = await this.env.readAgentStatuses().catch(() => []);
    this.note(statuses, this.clock.nowMs());
    return statuses;
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

  private tick(): void {
    if (this.busy) return;
    this.busy = this.poll().then(() => undefined).finally(() => (this.busy = undefined));
  }
}
