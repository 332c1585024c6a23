/**
 * The event timeline: each agent keeps a bounded ring of what happened from its point of view
 * (health transitions, answer changes, peer reachability, later failover steps and operator
 * actions). `mergeTimelines` turns several agents' rings into one time-ordered view. Pure, apart
 * from the ring's mutation; the clock is an input.
 */

export type TimelineKind =
  | 'agent.started'
  | 'health.transition'
  | 'answers.changed'
  | 'peer.reachability'
  | 'failover.step'
  | 'operator.action'
  /** An overload hold starts (capacity.onOverload hold), ends, or a failover's capacity check (docs/capacity.md). */
  | 'capacity.hold'
  | 'capacity.release'
  | 'capacity.check';

export interface TimelineEvent {
  /** Per agent process, from 1, without gaps; with `boot` it identifies the event. */
  readonly seq: number;
  /** Wall-clock milliseconds of the source agent (merging across agents needs a shared clock). */
  readonly atMs: number;
  /** Source agent's region. */
  readonly region: string;
  /** Source agent's bootId: seq starts again at 1 after a restart. */
  readonly boot: string;
  readonly kind: TimelineKind;
  /** One line a person reads. */
  readonly summary: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** `atMs` only for something learned after the fact (a runbook step seen when the runbook ended); default now. */
export type NewEvent = Pick<TimelineEvent, 'kind' | 'summary' | 'details'> & { readonly atMs?: number };

/** GET /v1/events?since=SEQ: the events after SEQ still in the ring. */
export interface EventsPage {
  readonly region: string;
  readonly boot: string;
  /** Seq of the newest event (0 when none yet): pass it as `since` next time. */
  readonly lastSeq: number;
  /** Events between `since` and the oldest kept one were dropped from the ring. */
  readonly truncated: boolean;
  readonly events: readonly TimelineEvent[];
}

export const DEFAULT_RING_SIZE = 1000;

export class EventRing {
  private readonly events: TimelineEvent[] = [];
  private lastSeq = 0;
  private readonly listeners = new Set<(e: TimelineEvent) => void>();

  constructor(
    readonly region: string,
    readonly boot: string,
    private readonly capacity = DEFAULT_RING_SIZE,
    private readonly now: () => number = Date.now,
  ) {
    if (!(capacity >= 1)) throw new Error(`invariant: ring capacity ${capacity} must be at least 1`);
  }

  record(event: NewEvent): TimelineEvent {
    const full: TimelineEvent = {
      seq: ++this.lastSeq,
      atMs: event.atMs ?? this.now(),
      region: this.region,
      boot: this.boot,
      kind: event.kind,
      summary: event.summary,
      details: event.details,
    };
    this.events.push(full);
    // A shift per event is fine at this size; the ring is written a few times a second at most.
    if (this.events.length > this.capacity) this.events.shift();
    for (const listener of this.listeners) listener(full);
    return full;
  }

  page(since = 0): EventsPage {
    const oldest = this.events[0]?.seq ?? this.lastSeq + 1;
    return {
      region: this.region,
      boot: this.boot,
      lastSeq: this.lastSeq,
      truncated: since < oldest - 1,
      events: this.events.filter((e) => e.seq > since),
    };
  }

  /** Called with every new event; returns the unsubscribe function. */
  subscribe(listener: (e: TimelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Identity of an event across fetches: the same agent process never reuses a seq. */
export function eventId(e: Pick<TimelineEvent, 'region' | 'boot' | 'seq'>): string {
  return `${e.region}/${e.boot}/${e.seq}`;
}

/**
 * One time-ordered view of several agents' events, each event once (pages fetched repeatedly or
 * from overlapping `since` values repeat events). Ties on time keep each agent's own order (seq)
 * and are broken by region name, so the result does not depend on the order of the input.
 */
export function mergeTimelines(perAgent: readonly (readonly TimelineEvent[])[]): TimelineEvent[] {
  const byId = new Map<string, TimelineEvent>();
  for (const events of perAgent) for (const e of events) if (!byId.has(eventId(e))) byId.set(eventId(e), e);
  return [...byId.values()].sort(
    (a, b) => a.atMs - b.atMs || a.region.localeCompare(b.region) || a.boot.localeCompare(b.boot) || a.seq - b.seq,
  );
}

/** Parses the `since` query parameter: a non-negative integer, default 0. */
export function parseSince(raw: string | null): number | { error: string } {
  if (raw === null || raw === '') return 0;
  if (!/^\d{1,15}$/.test(raw)) return { error: `since must be a non-negative integer, got '${raw.slice(0, 40)}'` };
  return Number(raw);
}
