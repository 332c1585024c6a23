/**
 * Which standby to promote. Only evidence counts: reachability, the data adapter's eligibility
 * (replay really advancing, on the cluster's history), the timeline and the replayed LSN.
 * A status label ("streaming", lag 0) never makes a standby eligible.
 *
 * Rule: among reachable, eligible standbys on the latest timeline, the highest replayed LSN
 * wins; ties go to the earlier region in topology order. In sync mode only synchronous
 * standbys qualify (they hold every acknowledged write), unless the caller accepts data loss.
 */
import { formatLsn, lagBytes } from './lsn.ts';
import { position } from './member.ts';
import type { MemberState, StoreState } from './types.ts';

export type CandidateChoice =
  | { readonly kind: 'chosen'; readonly member: MemberState; readonly reason: string }
  | { readonly kind: 'none'; readonly reason: string };

export interface CandidateOptions {
  /** Sync mode: promote an asynchronous standby when no synchronous one qualifies. @default false */
  readonly allowDataLossInSyncMode?: boolean;
}

export function chooseCandidate(state: StoreState, oldPrimary: MemberState, options: CandidateOptions = {}): CandidateChoice {
  const rejected: string[] = [];
  let pool: MemberState[] = [];
  for (const m of state.members) {
    if (m.region === oldPrimary.region) continue;
    const why = disqualification(m);
    if (why) rejected.push(`${m.region}: ${why}`);
    else pool.push(m);
  }
  if (pool.length === 0) return { kind: 'none', reason: `no standby can be promoted (${listOr(rejected, 'no other member')})` };

  const latest = Math.max(...pool.map((m) => m.timeline));
  for (const m of pool.filter((m) => m.timeline < latest)) rejected.push(`${m.region}: on timeline ${m.timeline}, older than ${latest}`);
  pool = pool.filter((m) => m.timeline === latest);

  let syncNote = '';
  if (state.mode === 'sync') {
    const synchronous = pool.filter((m) => m.synchronous);
    if (synchronous.length > 0) {
      for (const m of pool.filter((m) => !m.synchronous)) rejected.push(`${m.region}: asynchronous`);
      pool = synchronous;
      syncNote = ', a synchronous standby (it holds every acknowledged write)';
    } else if (!options.allowDataLossInSyncMode) {
      return {
        kind: 'none',
        reason:
          `sync mode and no synchronous standby can be promoted: promoting an asynchronous one could lose ` +
          `acknowledged writes (${listOr([...rejected, ...pool.map((m) => `${m.region}: asynchronous`)], '')})`,
      };
    } else syncNote = ', asynchronous: data loss accepted because no synchronous standby qualifies';
  }

  // Stable sort keeps topology order among equal LSNs.
  const best = [...pool].sort((a, b) => (a.replayLsn === b.replayLsn ? 0 : a.replayLsn > b.replayLsn ? -1 : 1))[0]!;
  const others = pool.filter((m) => m !== best).map((m) => `${m.region} ${formatLsn(m.replayLsn)}`);
  const rest = [...others, ...rejected];
  const reason =
    `${best.region} has the highest replayed LSN ${position(best)}${syncNote}` +
    (rest.length > 0 ? ` (${rest.join('; ')})` : '') +
    lossNote(state, oldPrimary, best);
  return { kind: 'chosen', member: best, reason };
}

function disqualification(m: MemberState): string | undefined {
  if (m.regionDownByQuorum) return 'region down by quorum';
  if (!m.reachable) return 'unreachable';
  if (m.role !== 'standby') return m.role === 'primary' ? 'runs as a primary' : 'role unknown';
  if (m.needsRejoin) return 'awaits rejoin';
  if (m.diverged) return 'diverged from the timeline history';
  if (!m.eligibility.eligible) return `not eligible: ${m.eligibility.reason}${m.eligibility.detail ? ` (${m.eligibility.detail})` : ''}`;
  return undefined;
}

/** Async mode: how much WAL the old primary had beyond the candidate, when it is known. */
function lossNote(state: StoreState, oldPrimary: MemberState, best: MemberState): string {
  if (state.mode === 'sync' && best.synchronous) return '';
  if (oldPrimary.timeline !== best.timeline) return '';
  const bytes = lagBytes(oldPrimary.replayLsn, best.replayLsn);
  if (bytes === 0n) return '';
  return `; the old primary ${oldPrimary.region} was last seen at ${formatLsn(oldPrimary.replayLsn)}: up to ${bytes} bytes of WAL may be lost`;
}

function listOr(items: readonly string[], empty: string): string {
  return items.length > 0 ? items.join('; ') : empty;
}
