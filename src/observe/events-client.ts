/**
 * Reads GET /v1/events from every region's agent (for `meridian events`). Never throws for an
 * agent that does not answer: it comes back as unreachable with the reason, so one dead region
 * never stops the merged view.
 */
import type { Topology } from '../spec/index.ts';
import type { EventsPage } from './timeline.ts';

export type EventsReading =
  | { readonly region: string; readonly api: string; readonly kind: 'ok'; readonly page: EventsPage }
  | { readonly region: string; readonly api: string; readonly kind: 'unreachable'; readonly reason: string };

/** `since` per region (the last seq seen from that agent's current boot); absent means 0. */
export async function readAgentEvents(
  topology: Topology,
  since: ReadonlyMap<string, { readonly boot: string; readonly lastSeq: number }> = new Map(),
  timeoutMs = 2_000,
): Promise<EventsReading[]> {
  return Promise.all(
    topology.regions.map(async (r): Promise<EventsReading> => {
      const api = r.agent?.api;
      if (!api) return { region: r.name, api: '', kind: 'unreachable', reason: 'no agent address in the topology' };
      const known = since.get(r.name);
      let got = await getPage(api, known?.lastSeq ?? 0, timeoutMs);
      // A restarted agent numbers its events from 1 again: read it from the start.
      if ('page' in got && known && got.page.boot !== known.boot) got = await getPage(api, 0, timeoutMs);
      return 'page' in got ? { region: r.name, api, kind: 'ok', page: got.page } : { region: r.name, api, kind: 'unreachable', reason: got.error };
    }),
  );
}

async function getPage(api: string, since: number, timeoutMs: number): Promise<{ page: EventsPage } | { error: string }> {
  try {
    const res = await fetch(new URL(`/v1/events?since=${since}`, api), { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) return { error: `status ${res.status}` };
    const body = (await res.json()) as EventsPage;
    if (!Array.isArray(body.events) || typeof body.boot !== 'string') return { error: 'response is not an events page' };
    return { page: body };
  } catch (err) {
    return { error: describeFetchError(err) };
  }
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  return cause?.code ?? (err instanceof Error ? err.message : String(err));
}
