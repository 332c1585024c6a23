/**
 * The steps that need a member's own files and processes (a clean shutdown, pg_rewind, a base
 * backup) run on that member's host: by its region's agent. `localMemberHost` does them over
 * src/data; the agent reaches another region's host through that agent's API (src/agent/store).
 *
 * A rebuild can take long (a base backup of a large database: many minutes), and a coordinator
 * must never wait on it: the store's other members and its next failover would wait too. So
 * `rejoin` starts the rebuild in the background and answers at once: `pending` while it runs,
 * `done` once the member streams from the new upstream, `refused` with the error when it failed
 * (the next call starts it again). Both steps are idempotent: a re-run after a crash finishes the job.
 */
import { describeError } from '../../common/errors.ts';
import {
  adminTarget, ensureMemberSlot, readMemberState, rewindAndRejoin, start, stop, writeStandbyConfig,
  type DbTimeouts, type PgAuth, type PgEndpoint, type PgMember, type RejoinResult,
} from '../../data/index.ts';
import type { PortOutcome } from '../ports.ts';
import type { RejoinMethod } from '../types.ts';

export interface MemberHost {
  /** Clean shutdown of this primary (its last WAL reaches its standbys), restart as a standby of `to`. */
  demote(to: PgEndpoint): Promise<PortOutcome>;
  /** Rebuild as a standby of `from` via pg_rewind (or a new base backup), in the background. */
  rejoin(from: PgEndpoint, method: RejoinMethod): Promise<PortOutcome>;
}

/** What the member's agent reports about its rebuild, for /status. */
export interface RejoinJobStatus {
  readonly state: 'running' | 'done' | 'failed';
  readonly from: string;
  readonly startedAt: string;
  readonly detail: string;
}

/** Runs `work` while the agent's own checks of this member are held (the database stops and starts). */
export type Exclusive = <T>(work: () => Promise<T>) => Promise<T>;

export interface LocalMemberHost extends MemberHost {
  /** The current or last rebuild, if any. */
  job(): RejoinJobStatus | undefined;
}

export function localMemberHost(
  member: PgMember | undefined,
  auth: PgAuth,
  timeouts?: Partial<DbTimeouts>,
  exclusive: Exclusive = (work) => work(),
): LocalMemberHost {
  const missing = (what: string): PortOutcome => ({
    kind: 'refused',
    detail: `${what} needs the member's data directory, and this agent was given none (meridian agent --pg-data STORE=DIR)`,
  });
  let job: { status: RejoinJobStatus; result?: PortOutcome; from: PgEndpoint } | undefined;
  let last: RejoinJobStatus | undefined;

  const rebuild = async (m: PgMember, from: PgEndpoint, method: RejoinMethod): Promise<PortOutcome> => {
    // pg_rewind first in both cases: rewindAndRejoin falls back to a base backup by itself
    // when rewinding is impossible, and moves the old directory aside instead of deleting it.
    const result = await rewindAndRejoin(m, from, auth, { allowBaseBackup: true, ...(timeouts ? { timeouts } : {}) });
    return rejoinOutcome(m, from, method, result);
  };

  return {
    job: () => job?.status ?? last,
    async demote(to) {
      if (!member) return missing('demote');
      return exclusive(() => demoteNow(member, to, auth, timeouts));
    },
    async rejoin(from, method) {
      if (!member) return missing('rejoin');
      // One rebuild at a time, whatever it was asked from: two would fight over the directory.
      if (job?.status.state === 'running') return { kind: 'pending', detail: `${member.name}: rebuild from ${job.status.from} running since ${job.status.startedAt}` };
      if (job && job.from.host === from.host && job.from.port === from.port && job.result) {
        const result = job.result;
        last = job.status;
        job = undefined;
        return result;
      }
      const started = new Date().toISOString();
      const current = { status: { state: 'running' as const, from: from.name, startedAt: started, detail: `rebuild as a standby of ${from.name} (pg_rewind, else a base backup)` }, from } as NonNullable<typeof job>;
      job = current;
      void exclusive(() => rebuild(member, from, method))
        .catch((err: unknown): PortOutcome => ({ kind: 'refused', detail: `rebuild of ${member.name} from ${from.name} failed: ${describeError(err)}` }))
        .then((result) => {
          current.result = result;
          current.status = { ...current.status, state: result.kind === 'done' ? 'done' : 'failed', detail: result.detail };
        });
      return { kind: 'pending', detail: `${member.name}: rebuild from ${from.name} started` };
    },
  };
}

async function demoteNow(member: PgMember, to: PgEndpoint, auth: PgAuth, timeouts?: Partial<DbTimeouts>): Promise<PortOutcome> {
  const state = await readMemberState(adminTarget(member, auth), timeouts);
  if (state.reachable && state.role === 'standby') {
    const sender = state.walReceiver;
    if (sender?.senderHost === to.host && sender.senderPort === to.port) {
      return { kind: 'done', detail: `${member.name} is already a standby of ${to.name}` };
    }
  }
  const slot = await ensureMemberSlot(to, auth, member.name, timeouts);
  if (slot.kind === 'unreachable') return { kind: 'refused', detail: `${to.name} does not answer, so ${member.name} has nothing to follow: ${slot.reason}` };
  // A fast shutdown writes the shutdown checkpoint and waits until the WAL senders shipped it.
  const stopped = await stop(member, { mode: 'fast', timeoutSec: 30 });
  await writeStandbyConfig(member, to, auth, { clearFence: true });
  await start(member);
  const how = stopped.kind === 'stopped' ? 'shut down cleanly' : 'was not running';
  return { kind: 'done', detail: `${member.name} ${how} and restarted as a standby of ${to.name} (slot ${slot.slot})` };
}

function rejoinOutcome(member: PgMember, from: PgEndpoint, method: RejoinMethod, result: RejoinResult): PortOutcome {
  switch (result.kind) {
    case 'alreadyFollowing':
      return { kind: 'done', detail: `${member.name} already streams from ${from.name}` };
    case 'unreachable':
      return { kind: 'refused', detail: `${result.member} does not answer: ${result.reason}` };
    case 'rejoined': {
      const asked = method === 'base-backup' ? ' (base backup asked; rewind tried first)' : '';
      const extra = result.path === 'baseBackup' ? `; rewind failed (${result.rewindError}), old data kept at ${result.oldDataKeptAt ?? 'nowhere (none)'}` : '';
      return { kind: 'done', detail: `${member.name} rejoined as a standby of ${from.name} by ${result.path}${asked}${extra}` };
    }
  }
}
