/**
 * Reads GET /v1/events from every region's agent (for `meridian events`). Never throws for an
 * agent that does not answer: it comes back as unreachable with the reason, so one dead region
 * never stops the merged view.
 */
import { getJson } from '../common/http-get.ts';
import type { Topology } from '../spec/index.ts';
import { mergeTimelines, type EventsPage, type TimelineEvent } from './timeline.ts';

export type EventsReading =
  | { readonly region: string; readonly api: string; readonly kind: 'ok'; readonly page: EventsPage }
  | { readonly region: string; readonly api: string; readonly kind: 'unreachable'; readonly reason: string };

/** `since` per region (the last seq seen from that agent's current boot); absent means 0. */
export async function readAgentEvents(
  topology: Topology,
  since: ReadonlyMap<string, { readonly boot: string; readonly lastSeq: number }> = new Map(),
  timeoutMs = 2_000,
  headers: Readonly<Record<string, string>> = {},
): Promise<EventsReading[]> {
  return Promise.all(
    topology.regions.map(async (r): Promise<EventsReading> => {
      const api = r.agent?.api;
      if (!api) return { region: r.name, api: '', kind: 'unreachable', reason: 'no agent address in the topology' };
      const known = since.get(r.name);
      let got = await getPage(api, known?.lastSeq ?? 0, timeoutMs, headers);
      // A restarted agent numbers its events from 1 again: read it from the start.
      if ('page' in got && known && got.page.boot !== known.boot) got = await getPage(api, 0, timeoutMs, headers);
      return 'page' in got ? { region: r.name, api, kind: 'ok', page: got.page } : { region: r.name, api, kind: 'unreachable', reason: got.error };
    }),
  );
}

async function getPage(api: string, since: number, timeoutMs: number, headers: Readonly<Record<string, string>>): Promise<{ page: EventsPage } | { error: string }> {
  // node:https rather than fetch: an https agent is verified against MERIDIAN_API_CA (common/api-ca.ts).
  const got = await getJson(new URL(`/v1/events?since=${since}`, api), { timeoutMs, headers });
  if ('error' in got) return got;
  const body = got.body as EventsPage;
  if (!Array.isArray(body.events) || typeof body.boot !== 'string') return { error: 'response is not an events page' };
  return { page: body };
}

export interface FollowRound {
  /** New events of this round, merged in time order. */
  readonly events: readonly TimelineEvent[];
  /** Agents that did not answer this round but did (or had not been asked) before. */
  readonly lost: readonly Extract<EventsReading, { kind: 'unreachable' }>[];
  /** Agents that answer again after being unreachable. */
  readonly back: readonly string[];
  /** Agents an event page reported as truncated: events were dropped from their ring. */
  readonly truncated: readonly string[];
  readonly reachable: number;
}

/**
 * Reads every agent's new events round after round, remembering where each agent's timeline was
 * left (per boot), and which agents were unreachable, so each is reported once per change.
 */
export class TimelineFollower {
  private readonly cursors = new Map<string, { boot: string; lastSeq: number }>();
  private readonly down = new Set<string>();

  constructor(
    private readonly topology: Topology,
    private readonly timeoutMs = 2_000,
    /** The caller's credential (a viewer token at least). */
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  async round(): Promise<FollowRound> {
    const readings = await readAgentEvents(this.topology, this.cursors, this.timeoutMs, this.headers);
    const lost: Extract<EventsReading, { kind: 'unreachable' }>[] = [];
    const back: string[] = [];
    const truncated: string[] = [];
    const pages: TimelineEvent[][] = [];
    for (const r of readings) {
      if (r.kind === 'unreachable') {
        if (!this.down.has(r.region)) lost.push(r);
        this.down.add(r.region);
        continue;
      }
      if (this.down.delete(r.region)) back.push(r.region);
      if (r.page.truncated && r.page.events.length > 0) truncated.push(r.region);
      this.cursors.set(r.region, { boot: r.page.boot, lastSeq: r.page.lastSeq });
      pages.push([...r.page.events]);
    }
    return { events: mergeTimelines(pages), lost, back, truncated, reachable: readings.length - this.down.size };
  }
}
