/**
 * A member whose PostgreSQL is stopped while the record names another region is started again
 * as a standby of that primary, by its own agent: standby.signal and primary_conninfo are written
 * BEFORE the start, so it can never come up as a primary, and the fence a hard fence left in its
 * configuration is cleared (a standby refuses writes anyway). This covers a primary that its own
 * agent killed to fence it (frozen, then failed over), a crash, and an agent that died half way
 * through a rebuild. If it does not start, a rebuild (pg_rewind, else a base backup) follows
 * when failover.autoRejoin allows. Paused stores are left alone.
 */
import { describeError } from '../../common/errors.ts';
import {
  ensureMemberSlot, hasDataDir, isRunning, rewindAndRejoin, start, writeStandbyConfig,
  type DbTimeouts, type PgAuth, type PgEndpoint, type PgMember,
} from '../../data/index.ts';
import type { StoreView } from '../../failover/adapters/index.ts';
import { clearStalePidFile } from './hard-fence.ts';

export interface RestartContext {
  readonly self: string;
  readonly member: PgMember;
  readonly auth: PgAuth;
  readonly peers: ReadonlyMap<string, PgEndpoint>;
  readonly autoRejoin: boolean;
  readonly timeouts: Partial<DbTimeouts>;
}

export type RestartDecision =
  | { readonly kind: 'start'; readonly upstream: PgEndpoint; readonly reason: string }
  /** Nothing left to start (a rebuild that failed half way removed it): a base backup. */
  | { readonly kind: 'rebuild'; readonly upstream: PgEndpoint; readonly reason: string }
  | { readonly kind: 'leave'; readonly reason: string };

/** Pure: start it, or why not. `running` is what pg_ctl status said (undefined: unknown). */
export function decideRestart(
  ctx: Pick<RestartContext, 'self' | 'peers' | 'autoRejoin'>,
  view: StoreView,
  running: boolean | undefined,
  hasData: boolean,
): RestartDecision {
  if (running !== false) return { kind: 'leave', reason: running ? 'its postmaster runs: frozen or overloaded, not stopped' : 'no data directory to look at (--pg-data)' };
  if (view.paused) return { kind: 'leave', reason: `the store is paused by ${view.paused.by}: nothing is started (meridian resume)` };
  if (typeof view.record !== 'object') return { kind: 'leave', reason: 'no readable primary record: nothing to follow' };
  if (view.record.region === ctx.self) return { kind: 'leave', reason: 'the record names this region: a failover, not a restart, is due' };
  const upstream = ctx.peers.get(view.record.region);
  if (!upstream) return { kind: 'leave', reason: `the recorded primary ${view.record.region} is not a member` };
  if (!hasData) {
    // A rebuild that lost its source half way (a second cut) leaves no data directory, and the
    // coordinator never asks a member that does not answer SQL: only this agent can bring it back.
    return ctx.autoRejoin
      ? { kind: 'rebuild', upstream, reason: `no data directory while ${view.record.region} is the primary: rebuilt from it (a base backup)` }
      : { kind: 'leave', reason: `no data directory, and failover.autoRejoin is off: meridian db rejoin --region ${ctx.self} --force` };
  }
  return { kind: 'start', upstream, reason: `stopped while ${view.record.region} is the primary: started as its standby` };
}

/** Rebuilds a member with nothing left to start (rewindAndRejoin falls back to a base backup). */
export async function rebuildFrom(ctx: RestartContext, upstream: PgEndpoint): Promise<string> {
  const rebuilt = await rewindAndRejoin(ctx.member, upstream, ctx.auth, { allowBaseBackup: true, timeouts: ctx.timeouts });
  return rebuilt.kind === 'unreachable'
    ? `nothing rebuilt: ${rebuilt.member} does not answer (${rebuilt.reason}); tried again on a later check`
    : `rebuilt as a standby of ${upstream.name} (${rebuilt.kind === 'rejoined' ? rebuilt.path : 'already following'})`;
}

/** Does what decideRestart said; one line for the guard's status. */
export async function startAsStandby(ctx: RestartContext, upstream: PgEndpoint): Promise<string> {
  try {
    // Its slot on the new primary may not exist (it was made on the old one): without it the WAL
    // receiver is refused ("replication slot does not exist") and the member never streams.
    const slot = await ensureMemberSlot(upstream, ctx.auth, ctx.member.name, ctx.timeouts);
    const slotNote = slot.kind === 'unreachable' ? `; its slot on ${upstream.name} not made (${slot.reason}): the repoint makes it` : '';
    await clearStalePidFile(ctx.member.dataDir);
    await writeStandbyConfig(ctx.member, upstream, ctx.auth, { clearFence: true });
    await start(ctx.member);
    return `started as a standby of ${upstream.name}${slotNote}`;
  } catch (err) {
    const why = describeError(err);
    if (!ctx.autoRejoin) return `did not start as a standby of ${upstream.name} (${why}); failover.autoRejoin is off: meridian db rejoin --region ${ctx.self} --force`;
    const rebuilt = await rewindAndRejoin(ctx.member, upstream, ctx.auth, { allowBaseBackup: true, timeouts: ctx.timeouts });
    return rebuilt.kind === 'unreachable'
      ? `did not start (${why}) and ${rebuilt.member} does not answer for a rebuild: ${rebuilt.reason}`
      : `did not start (${why}); rebuilt as a standby of ${upstream.name} (${rebuilt.kind === 'rejoined' ? rebuilt.path : 'already following'})`;
  }
}

/** pg_ctl status of a member with a data directory (undefined without one). */
export async function postmasterRunning(member: PgMember): Promise<{ running: boolean | undefined; hasData: boolean }> {
  if (!member.dataDir) return { running: undefined, hasData: false };
  const hasData = await hasDataDir(member);
  if (!hasData) return { running: false, hasData };
  return { running: await isRunning(member).catch(() => undefined), hasData };
}
