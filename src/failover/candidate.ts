/**
 * Which standby to promote. Only evidence counts: reachability, the data adapter's eligibility
 * (replay really advancing, on the cluster's history), the timeline and the WAL it holds. A
 * status label ("streaming", lag 0) never makes a standby eligible.
 *
 * Rule: candidates are frozen standbys (the reconciler stops every WAL receiver before it
 * chooses, so positions no longer move), reachable, eligible, on the latest timeline. In sync
 * mode a candidate must provably hold every acknowledged write (sync-proof.ts); without that
 * proof the choice waits, unless the operator accepts the loss. The one holding the most WAL
 * wins; ties go to the earlier region in topology order. In async mode (or a degraded sync set)
 * `maxLagOnFailoverBytes` bounds how far behind the old primary's last known position it may be.
 */
import { rejoinRecheckMs } from './converge.ts';
import { formatLsn, heldLsn, lagBytes } from './lsn.ts';
import { position } from './member.ts';
import { isFrozen, syncProof, type SyncProof } from './sync-proof.ts';
import type { Lsn, MemberState, StoreState } from './types.ts';

export type CandidateChoice =
  | { readonly kind: 'chosen'; readonly member: MemberState; readonly reason: string }
  | { readonly kind: 'none'; readonly reason: string; readonly code: 'no-candidate' | 'sync-proof' | 'max-lag' };

export interface CandidateOptions {
  /** Sync mode: promote without the proof that the candidate holds every acknowledged write. @default false */
  readonly allowDataLossInSyncMode?: boolean;
  /** Async promotion may lose at most this much WAL behind the old primary's last known position. @default unbounded */
  readonly maxLagOnFailoverBytes?: bigint;
}

export function chooseCandidate(state: StoreState, oldPrimary: MemberState, options: CandidateOptions = {}, nowMs?: number): CandidateChoice {
  const rejected: string[] = [];
  let pool: MemberState[] = [];
  for (const m of state.members) {
    if (m.region === oldPrimary.region) continue;
    const why = disqualification(m, nowMs);
    if (why) rejected.push(`${m.region}: ${why}`);
    else pool.push(m);
  }
  if (pool.length === 0) return { kind: 'none', code: 'no-candidate', reason: `no standby can be promoted (${listOr(rejected, 'no other member')})` };

  const latest = Math.max(...pool.map((m) => m.timeline));
  for (const m of pool.filter((m) => m.timeline < latest)) rejected.push(`${m.region}: on timeline ${m.timeline}, older than ${latest}`);
  pool = pool.filter((m) => m.timeline === latest);

  const proof: SyncProof = state.mode === 'sync' ? syncProof(state, oldPrimary.region) : { kind: 'none', detail: 'asynchronous store' };
  let note = '';
  /** The candidate provably holds every acknowledged write: nothing to bound. */
  let proven = false;
  if (proof.kind === 'unproven') {
    if (!options.allowDataLossInSyncMode) return { kind: 'none', code: 'sync-proof', reason: `${proof.reason}; promoting now could lose acknowledged writes` };
    note = `; ${proof.reason}, data loss accepted (allowDataLossInSyncMode)`;
  } else if (proof.kind === 'proven') {
    const holding = pool.filter((m) => heldLsn(m) >= proof.floor);
    for (const m of pool.filter((m) => heldLsn(m) < proof.floor)) rejected.push(`${m.region}: holds ${formatLsn(heldLsn(m))}, short of ${formatLsn(proof.floor)}`);
    if (holding.length === 0) {
      if (!options.allowDataLossInSyncMode) return { kind: 'none', code: 'sync-proof', reason: `no promotable standby holds every acknowledged write: ${proof.detail} (${listOr(rejected, '')})` };
      note = `; data loss accepted (allowDataLossInSyncMode): ${proof.detail}`;
    } else {
      pool = holding;
      proven = true;
      note = `; ${proof.detail}`;
    }
  }

  // Stable sort keeps topology order among equal positions.
  const best = [...pool].sort((a, b) => (heldLsn(a) === heldLsn(b) ? 0 : heldLsn(a) > heldLsn(b) ? -1 : 1))[0]!;
  const loss = proven ? undefined : lossBound(oldPrimary, best, options);
  if (loss?.kind === 'tooFar') return { kind: 'none', code: 'max-lag', reason: loss.reason };
  const others = pool.filter((m) => m !== best).map((m) => `${m.region} ${formatLsn(heldLsn(m))}`);
  const rest = [...others, ...rejected];
  const stale = best.needsRejoin ? `; its rejoin mark is stale (it is a standby on the cluster's history, its rebuild done): the promotion clears it` : '';
  const reason =
    `${best.region} holds the most WAL, ${formatLsn(heldLsn(best))} on timeline ${best.timeline}` +
    (rest.length > 0 ? ` (${rest.join('; ')})` : '') + note + (loss?.kind === 'within' ? loss.note : '') + stale;
  return { kind: 'chosen', member: best, reason };
}

/**
 * A rejoin mark alone does not disqualify: the mark says "must come back as a standby", and a
 * member observed frozen as a standby on the cluster's history (eligibility checks it, `diverged`
 * holds what is past the fork) has come back. The mark stays until a rejoin step sees it follow
 * the primary, and in a benchmark the primary died first: the only standby left, rebuilt and
 * streaming, was refused for its stale mark and the store never failed over. Only a rebuild its
 * agent may still be running (asked about within the recheck window) keeps it out.
 */
function disqualification(m: MemberState, nowMs: number | undefined): string | undefined {
  if (m.regionDownByQuorum) return 'region down by quorum';
  if (!m.reachable) return 'unreachable';
  if (m.role !== 'standby') return m.role === 'primary' ? 'runs as a primary' : 'role unknown';
  if (m.needsRejoin && (nowMs === undefined || rebuildMayRun(m, nowMs))) return 'awaits rejoin';
  if (m.diverged) return 'diverged from the timeline history';
  if (!isFrozen(m)) return 'still streaming: not frozen yet';
  if (!m.eligibility.eligible) return `not eligible: ${m.eligibility.reason}${m.eligibility.detail ? ` (${m.eligibility.detail})` : ''}`;
  return undefined;
}

function rebuildMayRun(m: MemberState, nowMs: number): boolean {
  const job = m.rejoinJob;
  return job !== undefined && nowMs - job.askedAtMs < rejoinRecheckMs(job, nowMs);
}

type LossBound = { readonly kind: 'within'; readonly note: string } | { readonly kind: 'tooFar'; readonly reason: string };

/** How much WAL the old primary had beyond the candidate, when it is known, against the bound. */
function lossBound(oldPrimary: MemberState, best: MemberState, options: CandidateOptions): LossBound {
  if (oldPrimary.timeline !== best.timeline) return { kind: 'within', note: '' };
  const bytes: Lsn = lagBytes(oldPrimary.replayLsn, heldLsn(best));
  const max = options.maxLagOnFailoverBytes;
  if (max !== undefined && bytes > max) {
    return {
      kind: 'tooFar',
      reason: `the best standby ${best.region} (${position(best)}) is ${bytes} bytes behind the old primary ${oldPrimary.region}'s last known ${formatLsn(oldPrimary.replayLsn)}, more than failover.maxLagOnFailover (${max} bytes): waiting for ${oldPrimary.region} to come back (raise the bound to accept the loss)`,
    };
  }
  if (bytes === 0n) return { kind: 'within', note: '' };
  return { kind: 'within', note: `; the old primary ${oldPrimary.region} was last seen at ${formatLsn(oldPrimary.replayLsn)}: up to ${bytes} bytes of WAL may be lost` };
}

function listOr(items: readonly string[], empty: string): string {
  return items.length > 0 ? items.join('; ') : empty;
}
