/**
 * The primary's agent applies decideSyncSet (sync-set.ts): the record under its primary lease
 * (fenced by it), synchronous_standby_names on its own database, and the commit that must be
 * acknowledged under a smaller set before the record may shrink.
 */
import { parseSyncNames, setSynchronous, type DbTimeouts, type PgAuth, type PgEndpoint } from '../../data/index.ts';
import type { CoordinationStore, HeldLease } from '../../coord/index.ts';
import { encodeSyncRecord, storeKeys, writeHeartbeat, type StoreView } from '../../failover/adapters/index.ts';
import type { SyncSet } from '../../failover/index.ts';
import type { LocalDb } from './local-decision.ts';
import { decideSyncSet } from './sync-set.ts';

export interface SyncContext {
  readonly store: string;
  readonly self: string;
  readonly member: PgEndpoint;
  readonly auth: PgAuth;
  readonly coord: CoordinationStore;
  readonly others: readonly string[];
  readonly strict: boolean;
  readonly timeouts: Partial<DbTimeouts>;
}

/** One step toward the wanted set; a line saying what was done, or undefined when nothing was. */
export async function maintainSyncSet(ctx: SyncContext, lease: HeldLease, db: Extract<LocalDb, { kind: 'primary' }>, view: StoreView): Promise<string | undefined> {
  const recorded = typeof view.sync === 'object' ? { count: view.sync.count, members: view.sync.members } : null;
  const action = decideSyncSet({
    streaming: db.streaming ?? [], database: db.syncNames ?? parseSyncNames(''), recorded, others: ctx.others, strict: ctx.strict,
  });
  switch (action.kind) {
    case 'none':
      return undefined;
    case 'growRecord':
      return (await record(ctx, lease, action.set)) ?? `sync set recorded as ${label(action.set)}: ${action.reason}`;
    case 'setDatabase': {
      if (!lease.isValid()) return 'sync set not changed: the primary lease is no longer valid';
      const set = await setSynchronous(ctx.member, ctx.auth, action.set.count === 0 ? null : action.set.members, { count: Math.max(1, action.set.count), timeouts: ctx.timeouts });
      if (set.kind === 'fenced') return 'sync set not changed: the database is fenced';
      if (set.kind === 'unreachable') return `sync set not changed: ${set.reason}`;
      return `synchronous_standby_names = '${set.value}': ${action.reason}`;
    }
    case 'shrinkRecord': {
      const commit = await writeHeartbeat(ctx.member, ctx.auth, `sync:${ctx.self}`, lease.token.toString(), { ...ctx.timeouts, statementMs: 2000 });
      if (commit.kind !== 'committed') return `sync set record kept until a commit is acknowledged under ${label(action.set)} (${commit.kind === 'refused' ? commit.detail : commit.reason})`;
      return (await record(ctx, lease, action.set)) ?? `sync set recorded as ${label(action.set)}: ${action.reason}`;
    }
  }
}

/** The record under the primary lease; a line when it could not be written. */
async function record(ctx: SyncContext, lease: HeldLease, set: SyncSet): Promise<string | undefined> {
  const value = encodeSyncRecord({ count: set.count, members: set.members, token: lease.token, at: new Date().toISOString() });
  const written = await ctx.coord.fencedWrite(lease.fence, storeKeys.syncSet(ctx.store), value);
  if (written.kind === 'written') return undefined;
  return `sync set not recorded: ${written.kind === 'fenced' ? 'the primary lease was superseded' : written.reason}`;
}

function label(set: SyncSet): string {
  return set.count === 0 ? 'empty (asynchronous)' : `ANY ${set.count} (${set.members.join(', ')})`;
}
