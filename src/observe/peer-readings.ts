/**
 * GET /v1/regions: the other agents' status and timelines, read server-side by the agent that
 * served the dashboard, so the page reads its own origin only (no CORS anywhere; docs/security.md).
 *
 * Each agent is read on its own (status and new events in parallel, each with a short deadline),
 * at most once per `maxAgeMs` however many dashboards ask, and a request waits at most `waitMs`
 * for readings in flight: an agent that hangs (a cut region) never holds back the others, it
 * turns unreachable when its deadline passes. Each agent's timeline is mirrored incrementally
 * (only events after the last one read), so a page asks for what it has not seen yet.
 *
 * The other agents' /status and /v1/events need a viewer token: the reads carry the credential
 * of the request that caused them (the page's, already accepted by this agent), which every agent
 * accepts as long as they share one tokens file (docs/security.md).
 */
import { getJson } from '../common/http-get.ts';
import type { EventsPage, TimelineEvent } from './timeline.ts';

export interface PeerAgent {
  readonly region: string;
  /** Base URL of its API, as the topology names it. */
  readonly api: string;
}

export interface PeerReadingsOptions {
  readonly peers: readonly PeerAgent[];
  /** Deadline of one read of one agent. */
  readonly timeoutMs?: number;
  /** How long a reading is served before the agent is read again. */
  readonly maxAgeMs?: number;
  /** How long a request waits for readings in flight before it answers with the last ones. */
  readonly waitMs?: number;
  /** Events kept per agent, newest last. */
  readonly keepEvents?: number;
  /** Source address for the reads: the agent's own, as its pushes use. */
  readonly localAddress?: string;
  readonly now?: () => number;
}

/** Where a page's copy of one agent's timeline ends: `region:boot:seq`. */
export interface Cursor {
  readonly boot: string;
  readonly lastSeq: number;
}

export type RegionReading =
  | {
    readonly region: string; readonly api: string; readonly reachable: true;
    /** How old the reading is, ms (the page's clock may differ from ours, a duration does not). */
    readonly ageMs: number;
    readonly status: unknown;
    readonly timeline: { readonly boot: string; readonly lastSeq: number; readonly events: readonly TimelineEvent[] };
  }
  | { readonly region: string; readonly api: string; readonly reachable: false; readonly error: string };

interface Mirror {
  boot: string;
  lastSeq: number;
  events: TimelineEvent[];
}

interface PeerState {
  readonly peer: PeerAgent;
  status?: { readonly body: unknown; readonly atMs: number };
  error?: string;
  mirror?: Mirror;
  startedAtMs: number;
  inflight?: Promise<void>;
}

export class PeerReadings {
  private readonly states: PeerState[];
  private readonly now: () => number;

  constructor(private readonly options: PeerReadingsOptions) {
    this.states = options.peers.map((peer) => ({ peer, startedAtMs: -Infinity }));
    this.now = options.now ?? Date.now;
  }

  /** Every other agent's latest reading, with the events after each `cursors` entry. */
  async read(cursors: ReadonlyMap<string, Cursor> = new Map(), authorization?: string): Promise<RegionReading[]> {
    const waitMs = this.options.waitMs ?? 300;
    const pending = this.states.map((s) => this.maybeRefresh(s, authorization)).filter((p): p is Promise<void> => p !== undefined);
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(pending), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    }
    return this.states.map((s) => this.readingOf(s, cursors.get(s.peer.region)));
  }

  private maybeRefresh(s: PeerState, authorization: string | undefined): Promise<void> | undefined {
    if (!s.inflight && this.now() - s.startedAtMs >= (this.options.maxAgeMs ?? 1_000)) {
      s.startedAtMs = this.now();
      s.inflight = this.refresh(s, authorization).finally(() => (s.inflight = undefined));
    }
    return s.inflight;
  }

  private async refresh(s: PeerState, authorization: string | undefined): Promise<void> {
    const get = (path: string) => getJson(new URL(path, s.peer.api), {
      timeoutMs: this.options.timeoutMs ?? 800,
      ...(authorization ? { headers: { authorization } } : {}),
      ...(this.options.localAddress ? { localAddress: this.options.localAddress } : {}),
    });
    const [status, page] = await Promise.all([get('/status'), get(`/v1/events?since=${s.mirror?.lastSeq ?? 0}`)]);
    if ('error' in status) {
      s.error = status.error;
      return;
    }
    s.status = { body: status.body, atMs: this.now() };
    s.error = undefined;
    // A page that did not come is read again next time from the same point: the status still counts.
    if ('body' in page && isEventsPage(page.body)) s.mirror = await this.merged(s, page.body, get);
  }

  /** The mirror with the page's events; read from the start when the agent restarted (seq from 1 again). */
  private async merged(s: PeerState, page: EventsPage, get: (path: string) => ReturnType<typeof getJson>): Promise<Mirror | undefined> {
    let fresh = page;
    if (s.mirror && page.boot !== s.mirror.boot) {
      const again = await get('/v1/events?since=0');
      if (!('body' in again) || !isEventsPage(again.body)) return undefined;
      fresh = again.body;
    }
    const kept = s.mirror && s.mirror.boot === fresh.boot ? s.mirror.events : [];
    const events = [...kept, ...fresh.events.filter((e) => e.seq > (kept.at(-1)?.seq ?? 0))].slice(-(this.options.keepEvents ?? 1_000));
    return { boot: fresh.boot, lastSeq: fresh.lastSeq, events };
  }

  private readingOf(s: PeerState, cursor: Cursor | undefined): RegionReading {
    const { region, api } = s.peer;
    if (s.error !== undefined || !s.status) return { region, api, reachable: false, error: s.error ?? 'not read yet' };
    const mirror = s.mirror ?? { boot: '', lastSeq: 0, events: [] };
    const after = cursor && cursor.boot === mirror.boot ? cursor.lastSeq : 0;
    return {
      region, api, reachable: true,
      ageMs: this.now() - s.status.atMs,
      status: s.status.body,
      timeline: { boot: mirror.boot, lastSeq: mirror.lastSeq, events: mirror.events.filter((e) => e.seq > after) },
    };
  }
}

/** `?since=rb:BOOT:12&since=rc:BOOT:40` → cursors per region; malformed entries are ignored. */
export function parseCursors(values: readonly string[]): Map<string, Cursor> {
  const cursors = new Map<string, Cursor>();
  for (const v of values.slice(0, 64)) {
    const match = /^([^:]{1,64}):([^:]{1,64}):(\d{1,15})$/.exec(v);
    if (match) cursors.set(match[1]!, { boot: match[2]!, lastSeq: Number(match[3]) });
  }
  return cursors;
}

function isEventsPage(body: unknown): body is EventsPage {
  const page = body as Partial<EventsPage> | null;
  return typeof page === 'object' && page !== null && typeof page.boot === 'string' && typeof page.lastSeq === 'number' && Array.isArray(page.events);
}
