/**
 * Between two drills of the Patroni baseline: Patroni rejoins a healed old leader by itself
 * (pg_rewind), so this waits, bounded, until the cluster is whole. When it is not whole in time
 * because replicas do not stream from the leader (a replica that diverged on the same timeline
 * number, which Patroni never rewinds), it does what an operator does, `patronictl reinit` of
 * those members (their REST `POST /reinitialize`), waits again, and says so: the intervention
 * is recorded with the drill and counted in the results.
 */
import type { Restored } from './series.ts';
import { readPatroniCluster, reinitialize } from './patroni-rest.ts';

export interface PatroniRestoreOptions {
  /** How long Patroni gets on its own. */
  readonly selfHealMs: number;
  /** How long the members get after the reinit. */
  readonly afterReinitMs: number;
  readonly pollMs?: number;
}

export async function restorePatroni(addresses: Readonly<Record<string, string>>, signal: AbortSignal, o: PatroniRestoreOptions): Promise<Restored> {
  const first = await waitWhole(addresses, o.selfHealMs, signal, o.pollMs);
  if (first.ok) return { ok: true };
  const { notStreaming } = await readPatroniCluster(addresses);
  if (notStreaming.length === 0) return { ok: false, reason: first.reason };
  const answers = await Promise.all(notStreaming.map(async (name) => `${name}: ${await reinitialize(addresses[name]!)}`));
  const second = await waitWhole(addresses, o.afterReinitMs, signal, o.pollMs);
  const what = `patronictl reinit of ${notStreaming.join(', ')} (${answers.join('; ')}) after ${first.reason}`;
  return second.ok ? { ok: true, intervention: what } : { ok: false, reason: `${what}; then ${second.reason}` };
}

async function waitWhole(addresses: Readonly<Record<string, string>>, boundMs: number, signal: AbortSignal, pollMs = 500): Promise<{ ok: true } | { ok: false; reason: string }> {
  const deadline = Date.now() + boundMs;
  let last = '';
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    const { judgement } = await readPatroniCluster(addresses);
    if (judgement.whole) return { ok: true };
    last = judgement.waitingFor;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return { ok: false, reason: `the Patroni cluster was not whole within ${boundMs} ms (still waiting for ${last})` };
}
