/**
 * The steps that need a member's own files and processes (a clean shutdown, pg_rewind, a base
 * backup) run on that member's host: by its region's agent. `localMemberHost` does them over
 * src/data; the agent reaches another region's host through that agent's API (src/agent/store).
 * Both are idempotent: a re-run after a crash finishes the job.
 */
import {
  adminTarget, ensureMemberSlot, readMemberState, rewindAndRejoin, start, stop, writeStandbyConfig,
  type DbTimeouts, type PgAuth, type PgEndpoint, type PgMember,
} from '../../data/index.ts';
import type { PortOutcome } from '../ports.ts';
import type { RejoinMethod } from '../types.ts';

export interface MemberHost {
  /** Clean shutdown of this primary (its last WAL reaches its standbys), restart as a standby of `to`. */
  demote(to: PgEndpoint): Promise<PortOutcome>;
  /** Restart as a standby of `from` via pg_rewind (or a new base backup when rewinding is impossible). */
  rejoin(from: PgEndpoint, method: RejoinMethod): Promise<PortOutcome>;
}

export function localMemberHost(member: PgMember | undefined, auth: PgAuth, timeouts?: Partial<DbTimeouts>): MemberHost {
  const missing = (what: string): PortOutcome => ({
    kind: 'refused',
    detail: `${what} needs the member's data directory, and this agent was given none (meridian agent --pg-data STORE=DIR)`,
  });
  return {
    async demote(to) {
      if (!member) return missing('demote');
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
    },
    async rejoin(from, method) {
      if (!member) return missing('rejoin');
      // pg_rewind first in both cases: rewindAndRejoin falls back to a base backup by itself
      // when rewinding is impossible, and moves the old directory aside instead of deleting it.
      const result = await rewindAndRejoin(member, from, auth, { allowBaseBackup: true, ...(timeouts ? { timeouts } : {}) });
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
    },
  };
}
