/**
 * What a region's agent does about ITS OWN database on each tick. Pure: the local database's
 * state, the store's etcd records and the primary lease this agent holds in, one action out.
 *
 * The rules that keep at most one writable primary:
 * - A database runs unfenced only while this agent holds a valid primary lease AND the primary
 *   record names this region with no rejoin or write-block mark on it.
 * - The fence is lifted only right after a FRESH acquire, once a re-read of the records (ordered
 *   after the acquire by the quorum) still names us: never by a lease we held before. So an old
 *   primary that was cut off cannot come back with its old token (the Patroni failure).
 * - Without proof (etcd unreachable, record unreadable, key held for another region) a primary
 *   is fenced. A key held FOR our region (a coordinator promoting us, or our previous process
 *   whose lease has not run out) is waited for, not fenced against. A key still held by THIS
 *   process's own earlier lease, which it gave up (deadline passed, database fenced) while etcd
 *   could not take the revoke, is taken again at once: the store revokes that lease first.
 * - The lease is given up when the database stops being a healthy primary, so the coordinator
 *   can fail over (one that stopped answering is fenced hard first: killed, fence written to its
 *   configuration); it is given up and the database fenced when the records say so.
 */
import type { FencingToken } from '../../coord/index.ts';
import type { Lsn, SyncNames, UnavailableCode } from '../../data/index.ts';
import { leaseHeldFor, type StoreView } from '../../failover/adapters/index.ts';

export type LocalDb =
  | {
      readonly kind: 'unreachable'; readonly reason: string;
      /** How the connection failed (src/data UnavailableCode): `timeout`, `full` (every slot taken), `refused`… */
      readonly code?: UnavailableCode;
      /** What the kernel says of its postmaster (known only with the data directory). */
      readonly postmaster?: 'running' | 'stopped' | 'gone';
    }
  | {
      readonly kind: 'primary'; readonly fenced: boolean; readonly timeline: number; readonly lsn: Lsn;
      /** synchronous_standby_names, parsed. */
      readonly syncNames?: SyncNames;
      /** Standbys its WAL senders stream to now (pg_stat_replication state `streaming`). */
      readonly streaming?: readonly string[];
    }
  | { readonly kind: 'standby'; readonly timeline: number; readonly lsn: Lsn };

export interface LocalInput {
  readonly self: string;
  /** This agent process's holder id on the primary lease (region and boot id). */
  readonly holderId: string;
  /** stores[].primaryRegion: the region that writes the first record (bootstrap). */
  readonly bootstrapRegion: string;
  readonly db: LocalDb;
  readonly etcd: { readonly kind: 'read'; readonly view: StoreView } | { readonly kind: 'unavailable'; readonly reason: string };
  /** Token of the primary lease this agent holds, while it is valid. */
  readonly holding: FencingToken | undefined;
  /** Checks in a row (this one included) in which the local database was no primary while we held the lease. */
  readonly unhealthyChecks: number;
  /** Give the lease up after this many, … */
  readonly releaseAfterChecks: number;
  /** … spanning at least this long (a primary slow to answer under load is not killed on two blips). */
  readonly releaseAfterMs?: number;
  /** … or this long when it is busy, not stopped (see `busy`). @default releaseAfterMs */
  readonly releaseWhenBusyMs?: number;
  /** Since when it has not answered as a primary (monotonic ms), while we held the lease. */
  readonly unhealthyForMs?: number;
}

export type LocalAction =
  | { readonly kind: 'none'; readonly reason: string }
  /** Make the database refuse writes (nothing to do when it already does). */
  | { readonly kind: 'fence'; readonly reason: string; readonly needsRejoin: boolean }
  /** Take the primary lease; `confirmAcquired` then says whether to act. */
  | { readonly kind: 'acquire'; readonly reason: string }
  | { readonly kind: 'release'; readonly reason: string; readonly fence: boolean; readonly needsRejoin: boolean }
  /** We hold the lease but the record carries another token: write ours (fenced by our lease). */
  | { readonly kind: 'recordToken'; readonly reason: string };

export function decideLocal(input: LocalInput): LocalAction {
  const { db, holding } = input;
  if (db.kind === 'unreachable') {
    if (holding === undefined) return none(`the local database does not answer (${db.reason})`);
    const waitMs = busy(db) ? (input.releaseWhenBusyMs ?? input.releaseAfterMs ?? 0) : (input.releaseAfterMs ?? 0);
    if (input.unhealthyChecks >= input.releaseAfterChecks && (input.unhealthyForMs ?? Infinity) >= waitMs) {
      // Fenced hard (killed, fence written to its configuration): if it is only frozen it must
      // not thaw into a writable primary after the failover this release allows.
      const over = input.unhealthyForMs !== undefined ? ` over ${Math.round(input.unhealthyForMs)} ms` : '';
      return release(`the local database did not answer ${input.unhealthyChecks} checks in a row${over} (last: ${db.reason}): fence it hard and give the lease up so a failover can start`, true);
    }
    const patience = busy(db) ? `busy, not stopped: given ${Math.round(waitMs)} ms` : `${input.unhealthyChecks}/${input.releaseAfterChecks}`;
    return none(`holding the lease (token ${holding}); the local database did not answer (${patience}): ${db.reason}`);
  }
  if (db.kind === 'standby') {
    return holding === undefined ? none('the local database is a standby') : release('the local database is a standby now', false);
  }
  return decideForPrimary(input, db);
}

function decideForPrimary(input: LocalInput, db: Extract<LocalDb, { kind: 'primary' }>): LocalAction {
  const { self, holding, etcd } = input;
  const stop = (reason: string, needsRejoin = false): LocalAction =>
    holding !== undefined ? release(reason, true, needsRejoin) : { kind: 'fence', reason, needsRejoin };
  if (etcd.kind === 'unavailable') {
    if (holding !== undefined) return none(`etcd does not answer (${etcd.reason}); the lease's local deadline decides`);
    return { kind: 'fence', reason: `no proof of the primary lease: etcd does not answer (${etcd.reason})`, needsRejoin: false };
  }
  const { view } = etcd;
  if (view.record === 'unreadable') return stop('the primary record does not parse');
  const named = view.record?.region ?? input.bootstrapRegion;
  if (view.rejoin.has(self)) return stop(`${self} is marked for rejoin: it must come back as a standby`, true);
  if (named !== self) {
    return view.record
      ? stop(`the primary record names ${named} (token ${view.record.token}): this database must come back as a standby`, true)
      : stop(`no primary record yet and ${named} is the store's first primary`);
  }
  if (view.blocked.has(self)) return stop('writes are blocked for a switchover');
  if (holding !== undefined) {
    if (db.fenced) return release('the database was fenced while we held the lease: take a newer lease before lifting the fence', true);
    if (!view.lease || view.lease.token !== holding) return release(`the quorum no longer has our lease (token ${holding})`, true);
    if (view.record?.token !== holding) return { kind: 'recordToken', reason: `the record carries token ${view.record?.token ?? 'none'}, our lease is ${holding}` };
    return none(`primary, holding the lease (token ${holding})`);
  }
  if (!view.lease) return { kind: 'acquire', reason: view.record ? `the primary record names ${self} and the lease is free` : `bootstrap: ${self} is the store's first primary` };
  if (view.lease.holder === input.holderId) {
    return { kind: 'acquire', reason: `the lease (token ${view.lease.token}) is our own earlier one, already given up: revoke it and take a new one` };
  }
  if (leaseHeldFor(view.lease, self)) {
    return none(`the lease is held for ${self} by ${view.lease.holder} (token ${view.lease.token}): wait until it is ours`);
  }
  return { kind: 'fence', reason: `the primary lease is held by ${view.lease.holder} (token ${view.lease.token})`, needsRejoin: false };
}

/**
 * A database whose every connection slot is taken, or whose postmaster runs while connections
 * time out, is overloaded (a fresh primary whose commits wait for a standby that is still being
 * repointed fills its slots): killing it turns a slow primary into an outage. A stopped (SIGSTOP)
 * or gone postmaster, or a refused connection, is not busy.
 */
function busy(db: Extract<LocalDb, { kind: 'unreachable' }>): boolean {
  return db.code === 'full' || (db.code === 'timeout' && db.postmaster === 'running');
}

export type Confirmation =
  | { readonly kind: 'act'; readonly reason: string }
  | { readonly kind: 'giveUp'; readonly reason: string; readonly needsRejoin: boolean };

/** Right after a fresh acquire (token), from records read after it: may we act as primary? */
export function confirmAcquired(view: StoreView, self: string, bootstrapRegion: string, token: FencingToken): Confirmation {
  if (view.record === 'unreadable') return giveUp('the primary record does not parse');
  const named = view.record?.region ?? bootstrapRegion;
  if (named !== self) return giveUp(`the primary record names ${named}`, view.record !== undefined);
  if (view.rejoin.has(self)) return giveUp(`${self} is marked for rejoin`, true);
  if (view.blocked.has(self)) return giveUp('writes are blocked for a switchover');
  if (view.lease?.token !== token) return giveUp(`the quorum no longer shows our new lease (token ${token})`);
  return { kind: 'act', reason: `holding the primary lease under a new token ${token}` };
}

function none(reason: string): LocalAction {
  return { kind: 'none', reason };
}

function release(reason: string, fence: boolean, needsRejoin = false): LocalAction {
  return { kind: 'release', reason, fence, needsRejoin };
}

function giveUp(reason: string, needsRejoin = false): Confirmation {
  return { kind: 'giveUp', reason, needsRejoin };
}
