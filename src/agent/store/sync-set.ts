/**
 * The synchronous set, kept by the primary's own agent (it holds the primary lease the record
 * is written under). Pure: what streams, what the database says, what is recorded, one action.
 *
 * Wanted: the standbys that really stream from the primary (ANY 1 of them). With none,
 * failover.syncStrict keeps the last set (commits wait: RPO 0) or empties it (commits go through
 * asynchronously: degraded, alerted).
 *
 * The invariant that makes a failover safe (src/failover/sync-proof.ts): every acknowledged
 * commit is on `count` members of the RECORDED set. So the database's set must always be a
 * subset of the recorded one, and the order of writes matters:
 * - growing: record first (the union), then the database;
 * - shrinking: the database first, then a commit acknowledged under the new set (every earlier
 *   commit lies before it in the WAL, so the members that confirmed it hold them all), and only
 *   then the record.
 */
import type { SyncNames } from '../../data/index.ts';
import type { SyncSet } from '../../failover/index.ts';

export interface SyncInput {
  /** Standbys whose WAL sender streams to them now (pg_stat_replication), store members only. */
  readonly streaming: readonly string[];
  /** synchronous_standby_names as the database has it. */
  readonly database: SyncNames;
  /** The recorded set; null when none is (the bootstrap set, every other member, applies). */
  readonly recorded: SyncSet | null;
  /** Every other member of the store, in topology order. */
  readonly others: readonly string[];
  readonly strict: boolean;
}

export type SyncAction =
  | { readonly kind: 'none'; readonly reason: string }
  /** Write the record first: the database is about to list members the record lacks. */
  | { readonly kind: 'growRecord'; readonly set: SyncSet; readonly reason: string }
  | { readonly kind: 'setDatabase'; readonly set: SyncSet; readonly reason: string }
  /** Commit once under the database's (smaller) set, then write the record. */
  | { readonly kind: 'shrinkRecord'; readonly set: SyncSet; readonly reason: string };

export function decideSyncSet(i: SyncInput): SyncAction {
  const wanted = wantedSet(i);
  const recorded = i.recorded ?? { count: 1, members: i.others };
  const database: SyncSet = { count: i.database.count, members: i.database.names };
  const missing = wanted.members.filter((m) => !recorded.members.includes(m));
  if (missing.length > 0) {
    const set = { count: 1, members: i.others.filter((m) => recorded.members.includes(m) || wanted.members.includes(m)) };
    return { kind: 'growRecord', set, reason: `${missing.join(', ')} ${missing.length > 1 ? 'stream' : 'streams'}: recorded before the database waits for ${missing.length > 1 ? 'them' : 'it'}` };
  }
  if (!same(database, wanted)) return { kind: 'setDatabase', set: wanted, reason: describeChange(wanted, i.streaming) };
  if (!same(recorded, wanted) || i.recorded === null) {
    return { kind: 'shrinkRecord', set: wanted, reason: `the database waits for ${label(wanted)}: recorded once a commit is acknowledged under it` };
  }
  return { kind: 'none', reason: `synchronous set ${label(wanted)}` };
}

function wantedSet(i: SyncInput): SyncSet {
  const streaming = i.others.filter((m) => i.streaming.includes(m));
  if (streaming.length > 0) return { count: 1, members: streaming };
  if (!i.strict) return { count: 0, members: [] };
  if (i.database.count > 0 && i.database.names.length > 0) return { count: i.database.count, members: i.database.names };
  return { count: 1, members: i.others };
}

function describeChange(wanted: SyncSet, streaming: readonly string[]): string {
  if (wanted.count === 0) return 'no standby streams and failover.syncStrict is false: commits go through asynchronously (degraded)';
  if (streaming.length === 0) return `no standby streams: commits wait for ${label(wanted)} (failover.syncStrict)`;
  return `commits wait for ${label(wanted)}, the standbys that stream`;
}

function label(set: SyncSet): string {
  return set.count === 0 ? 'nobody (asynchronous)' : `ANY ${set.count} (${set.members.join(', ')})`;
}

function same(a: SyncSet, b: SyncSet): boolean {
  return a.count === b.count && a.members.length === b.members.length && a.members.every((m) => b.members.includes(m));
}
