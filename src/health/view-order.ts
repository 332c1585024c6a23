/**
 * Which incoming peer view replaces the one we hold, and how a view on the wire is validated.
 * Pure. Views from one agent process carry increasing seq numbers; a restarted agent has a new
 * random bootId and starts again at 1, so a different bootId is always accepted.
 *
 * Known, bounded imprecision: a view from the old process still in flight after a restart is
 * accepted too (bootIds are not ordered); the new process pushes again within one exchange
 * period and, having a different bootId again, replaces it.
 */
import { z } from 'zod';
import type { VantageView } from './types.ts';

export type ViewVerdict = 'accepted' | 'olderSeq' | 'duplicate';

export function orderView(held: VantageView | undefined, incoming: VantageView): ViewVerdict {
  if (!held || held.bootId !== incoming.bootId) return 'accepted';
  if (incoming.seq > held.seq) return 'accepted';
  return incoming.seq === held.seq ? 'duplicate' : 'olderSeq';
}

export const VantageViewSchema = z.strictObject({
  vantage: z.string().min(1).max(64),
  bootId: z.string().min(1).max(64),
  seq: z.number().int().min(1),
  sentAtMs: z.number(),
  endpoints: z.record(z.string(), z.enum(['up', 'down', 'unknown'])),
});

/** Parses a view received from a peer, or says in one line why it is not one. */
export function parseView(body: unknown): { view: VantageView } | { error: string } {
  const parsed = VantageViewSchema.safeParse(body);
  if (parsed.success) return { view: parsed.data };
  const issue = parsed.error.issues[0];
  return { error: `invalid view: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown error'}` };
}
