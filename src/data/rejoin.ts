/**
 * Bringing a former primary (or a diverged standby) back as a standby of the new primary.
 *
 * Preferred path: pg_rewind, which copies only the blocks that changed since the fork and
 * throws away the member's diverged WAL (a zombie primary's writes after the promotion).
 * Fallback, when rewind is impossible (WAL back to the fork point is gone, the directory is
 * damaged, ...): a fresh base backup. The old directory is moved aside, never deleted, so the
 * diverged rows can still be examined. The result says which path was taken.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { adminTarget, ensureSlot, isUnreachable, orUnreachable, standbyConninfo } from './admin.ts';
import { conninfo, slotNameFor } from './conf.ts';
import { libpqSslParams } from './tls.ts';
import type { DbTimeouts } from './connect.ts';
import { baseBackup, hasDataDir, moveAside, start, stopSurely } from './control.ts';
import { locateOnHistory } from './history.ts';
import { readMemberState } from './observe.ts';
import { lastLine, runPg } from './process.ts';
import { writeStandbyConfig } from './standby-config.ts';
import type { DbState, PgAuth, PgEndpoint, PgMember, Unreachable } from './types.ts';

export type RejoinResult =
  | { readonly kind: 'rejoined'; readonly path: 'rewind' | 'noRewindNeeded' }
  | { readonly kind: 'rejoined'; readonly path: 'baseBackup'; readonly rewindError: string; readonly oldDataKeptAt: string | undefined }
  | { readonly kind: 'alreadyFollowing' }
  | (Unreachable & { readonly member: string });

export interface RejoinOptions {
  readonly timeouts?: Partial<DbTimeouts>;
  /** @default true. When false, a failed rewind throws instead of rebuilding. */
  readonly allowBaseBackup?: boolean;
}

export async function rewindAndRejoin(member: PgMember, newPrimary: PgEndpoint, auth: PgAuth, opts: RejoinOptions = {}): Promise<RejoinResult> {
  if (member.host === newPrimary.host && member.port === newPrimary.port) {
    throw new Error(`cannot rejoin ${member.name} to itself (${newPrimary.name})`);
  }
  const primaryState = await readMemberState(adminTarget(newPrimary, auth), opts.timeouts);
  if (!primaryState.reachable) return { kind: 'unreachable', reason: primaryState.reason, member: newPrimary.name };
  if (await alreadyFollows(member, newPrimary, auth, primaryState, opts)) return { kind: 'alreadyFollowing' };

  // pg_rewind reads the source's timeline from its control file, which a freshly promoted
  // server updates only at its next checkpoint.
  const prepared = await orUnreachable(adminTarget(newPrimary, auth), async (c) => {
    await ensureSlot(c, slotNameFor(member.name));
    await c.query('CHECKPOINT');
  }, { ...opts.timeouts, statementMs: 60_000 });
  if (isUnreachable(prepared)) return { ...prepared, member: newPrimary.name };

  await stopSurely(member);
  const rewind = await tryRewind(member, newPrimary, auth);
  let result: RejoinResult;
  if (rewind.ok) {
    result = { kind: 'rejoined', path: rewind.needed ? 'rewind' : 'noRewindNeeded' };
  } else {
    if (opts.allowBaseBackup === false) throw new Error(`pg_rewind of ${member.name} failed: ${rewind.error}`);
    const kept = (await hasDataDir(member)) ? await moveAside(member) : undefined;
    await baseBackup(member, newPrimary, auth);
    result = { kind: 'rejoined', path: 'baseBackup', rewindError: rewind.error, oldDataKeptAt: kept };
  }
  await writeStandbyConfig(member, newPrimary, auth, { clearFence: true });
  await start(member);
  return result;
}

type RewindOutcome = { readonly ok: true; readonly needed: boolean } | { readonly ok: false; readonly error: string };

async function tryRewind(member: PgMember, source: PgEndpoint, auth: PgAuth): Promise<RewindOutcome> {
  if (!(await hasDataDir(member))) return { ok: false, error: 'no data directory to rewind' };
  // After a crash pg_rewind first runs single-user crash recovery, which refuses to start with
  // a signal file present ("standby mode is not supported by single-user servers"). The files
  // are written again once the rewind is done.
  for (const signal of ['standby.signal', 'recovery.signal']) await rm(join(member.dataDir, signal), { force: true });
  const server = conninfo({ host: source.host, port: source.port, user: auth.replicationUser, dbname: 'postgres', connect_timeout: 5, ...libpqSslParams(auth.tls) });
  const result = await runPg(member, 'pg_rewind', ['--target-pgdata', member.dataDir, '--source-server', server],
    { env: { PGPASSWORD: auth.replicationPassword }, timeoutMs: 600_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.code !== 0) return { ok: false, error: firstError(result.stderr || result.stdout) };
  return { ok: true, needed: !/no rewind required/i.test(output) };
}

/** pg_rewind prints `error:` then `detail:`/`hint:` lines; the error line says what went wrong. */
function firstError(output: string): string {
  return output.split('\n').find((l) => /error:/i.test(l))?.trim() ?? lastLine(output);
}

/** Running as a standby of `newPrimary`, at a position on its history: nothing to do. */
async function alreadyFollows(member: PgMember, newPrimary: PgEndpoint, auth: PgAuth, primary: DbState, opts: RejoinOptions): Promise<boolean> {
  if (!primary.reachable || primary.role !== 'primary' || !primary.history) return false;
  const state = await readMemberState(adminTarget(member, auth), opts.timeouts);
  if (!state.reachable || state.role !== 'standby') return false;
  const onHistory = locateOnHistory(primary.history, { timeline: state.timeline, lsn: state.replayLsn }).kind === 'onHistory';
  const conninfoNow = await orUnreachable(adminTarget(member, auth), async (c) => {
    const rows = await c.query<{ v: string }>("SELECT current_setting('primary_conninfo') AS v");
    return rows.rows[0]?.v;
  }, opts.timeouts);
  return onHistory && conninfoNow === standbyConninfo(member, newPrimary, auth);
}
