/**
 * A store's records in etcd, beside its primary lease (`coordKeys.primaryLease(store)`):
 *
 *   meridian/stores/<store>/primary            {region, token, timeline}  the primary record
 *   meridian/stores/<store>/sync               {count, members, token}    the synchronous set
 *   meridian/stores/<store>/paused             {by, reason, at}           maintenance mode
 *   meridian/stores/<store>/rejoin/<region>    {token, reason, at}        "must come back as a standby"
 *   meridian/stores/<store>/blocked/<region>   {token, reason, at}        switchover write block
 *   meridian/stores/<store>/approval           {id, state, steps, …}      failover run awaiting approval, or the last one
 *
 * The primary record is written ONLY under the primary lease, fenced by it: by the coordinator's
 * promote (it takes the key for the new primary while it writes) and by the primary's agent when
 * it acquires the lease (it records its own, newer token). Two writers can never interleave,
 * because only one of them can hold the key. The synchronous set is written under the same
 * lease (the promotion, then the primary's agent, which keeps it equal to the standbys that
 * stream). The marks, the pause and the approval run are written by the coordinator, fenced by its election lease. Every agent reads all of them on each tick (see readStoreView).
 *
 * Holder ids of the primary lease name the region first: `<region>/agent:<boot id>` for an
 * agent, `<region>/promotion:<coordinator>` while a coordinator promotes that region.
 */
import { z } from 'zod';
import { KEY_PREFIX, type CoordinationStore, type FencingToken } from '../../coord/index.ts';

const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

function name(what: string, value: string): string {
  if (!NAME.test(value)) throw new Error(`invalid ${what} for a store key: ${JSON.stringify(value)}`);
  return value;
}

export const storeKeys = {
  primaryRecord: (store: string) => `${KEY_PREFIX}stores/${name('store', store)}/primary`,
  syncSet: (store: string) => `${KEY_PREFIX}stores/${name('store', store)}/sync`,
  paused: (store: string) => `${KEY_PREFIX}stores/${name('store', store)}/paused`,
  rejoinMark: (store: string, region: string) => `${KEY_PREFIX}stores/${name('store', store)}/rejoin/${name('region', region)}`,
  blockMark: (store: string, region: string) => `${KEY_PREFIX}stores/${name('store', store)}/blocked/${name('region', region)}`,
  /** The store's current failover run awaiting approval, or the last one (agent/store/approval-records.ts). */
  approval: (store: string) => `${KEY_PREFIX}stores/${name('store', store)}/approval`,
} as const;

/** Which region is primary, and the fencing token (primary lease create revision) it was written under. */
export interface PrimaryRecord {
  readonly region: string;
  readonly token: FencingToken;
  /** Timeline the primary was on when the record was written (informational). */
  readonly timeline?: number;
  /** The region this primary replaced, kept across token updates: it last ran as a primary. */
  readonly previous?: string;
  /** Holder id that wrote it. */
  readonly writtenBy: string;
  /** Wall clock, for people. */
  readonly at: string;
}

export interface Mark {
  /** Coordinator token that set the mark. */
  readonly token: FencingToken;
  readonly reason: string;
  readonly at: string;
}

const RecordSchema = z.object({
  region: z.string().regex(NAME),
  token: z.string().regex(/^\d{1,19}$/),
  timeline: z.number().int().positive().optional(),
  previous: z.string().regex(NAME).optional(),
  writtenBy: z.string(),
  at: z.string(),
});

const MarkSchema = z.object({ token: z.string().regex(/^\d{1,19}$/), reason: z.string(), at: z.string() });

/** The synchronous set as recorded: what synchronous_standby_names says, and under which primary lease. */
export interface SyncRecord {
  readonly count: number;
  readonly members: readonly string[];
  /** The primary lease token it was written under. */
  readonly token: FencingToken;
  readonly at: string;
}

const SyncSchema = z.object({
  count: z.number().int().nonnegative(),
  members: z.array(z.string().regex(NAME)),
  token: z.string().regex(/^\d{1,19}$/),
  at: z.string(),
});

export interface PauseRecord {
  readonly by: string;
  readonly reason: string;
  readonly at: string;
}

const PauseSchema = z.object({ by: z.string(), reason: z.string(), at: z.string() });

export function encodeSyncRecord(r: SyncRecord): string {
  return JSON.stringify({ ...r, token: r.token.toString() });
}

export function decodeSyncRecord(text: string): SyncRecord | undefined {
  const parsed = parseJson(SyncSchema, text);
  return parsed ? { ...parsed, token: BigInt(parsed.token) } : undefined;
}

export function encodePause(p: PauseRecord): string {
  return JSON.stringify(p);
}

export function encodePrimaryRecord(r: PrimaryRecord): string {
  return JSON.stringify({ ...r, token: r.token.toString() });
}

/** undefined for a value we did not write: the caller reports it, it never guesses a primary. */
export function decodePrimaryRecord(text: string): PrimaryRecord | undefined {
  const parsed = parseJson(RecordSchema, text);
  return parsed ? { ...parsed, token: BigInt(parsed.token) } : undefined;
}

export function encodeMark(m: Mark): string {
  return JSON.stringify({ ...m, token: m.token.toString() });
}

export function decodeMark(text: string): Mark | undefined {
  const parsed = parseJson(MarkSchema, text);
  return parsed ? { ...parsed, token: BigInt(parsed.token) } : undefined;
}

function parseJson<T>(schema: z.ZodType<T>, text: string): T | undefined {
  try {
    const checked = schema.safeParse(JSON.parse(text));
    return checked.success ? checked.data : undefined;
  } catch {
    return undefined;
  }
}

export const holderIds = {
  agent: (region: string, bootId: string) => `${region}/agent:${bootId}`,
  promotion: (region: string, coordinator: string) => `${region}/promotion:${coordinator}`,
} as const;

/** The region a primary-lease holder acts for (`eu-west/agent:…` → `eu-west`). */
export function holderRegion(holderId: string): string {
  return holderId.split('/')[0] ?? holderId;
}

/**
 * THE lease fact, computed here only: does `region` still hold the store's primary lease? It does
 * while the key is held by or for it (its agent, or a coordinator promoting it); a free key, or
 * one held for another region, means its lease is over. Every decision that asks reads this.
 */
export function leaseHeldFor(holder: { readonly holder: string } | string | null | undefined, region: string): boolean {
  const id = typeof holder === 'string' ? holder : holder?.holder;
  return id !== undefined && holderRegion(id) === region;
}

/** Everything an agent needs to know about one store from etcd, read on every tick. */
export interface StoreView {
  /** undefined: no record yet (bootstrap); 'unreadable': a value we cannot parse. */
  readonly record: PrimaryRecord | undefined | 'unreadable';
  /** Holder of the primary lease key, or null when it is free. */
  readonly lease: { readonly holder: string; readonly token: FencingToken } | null;
  readonly rejoin: ReadonlyMap<string, Mark>;
  readonly blocked: ReadonlyMap<string, Mark>;
  /** undefined: none recorded; 'unreadable': a value we cannot parse (the planner then assumes the bootstrap set). */
  readonly sync: SyncRecord | undefined | 'unreadable';
  /** An unreadable pause still counts as paused: the safe reading of "no automatic action". */
  readonly paused: PauseRecord | undefined;
}

export type StoreViewOutcome =
  | { readonly kind: 'read'; readonly view: StoreView }
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * Reads the record, the lease holder and every member's marks (linearizable reads). Read
 * after an acquire, they show every write the quorum ordered before it.
 */
export async function readStoreView(
  coord: CoordinationStore,
  store: string,
  leaseKey: string,
  regions: readonly string[],
): Promise<StoreViewOutcome> {
  const [record, holder, sync, paused, ...marks] = await Promise.all([
    coord.read(storeKeys.primaryRecord(store)),
    coord.currentHolder(leaseKey),
    coord.read(storeKeys.syncSet(store)),
    coord.read(storeKeys.paused(store)),
    ...regions.flatMap((r) => [coord.read(storeKeys.rejoinMark(store, r)), coord.read(storeKeys.blockMark(store, r))]),
  ]);
  const failed = [record, holder, sync, paused, ...marks].find((o) => o?.kind === 'unavailable');
  if (failed && failed.kind === 'unavailable') return { kind: 'unavailable', reason: failed.reason };
  const rejoin = new Map<string, Mark>();
  const blocked = new Map<string, Mark>();
  regions.forEach((region, i) => {
    const [r, b] = [marks[2 * i], marks[2 * i + 1]];
    const rejoinMark = r?.kind === 'found' ? decodeMark(r.value) ?? unreadableMark() : undefined;
    const blockMark = b?.kind === 'found' ? decodeMark(b.value) ?? unreadableMark() : undefined;
    if (rejoinMark) rejoin.set(region, rejoinMark);
    if (blockMark) blocked.set(region, blockMark);
  });
  return {
    kind: 'read',
    view: {
      record: record?.kind === 'found' ? (decodePrimaryRecord(record.value) ?? 'unreadable') : undefined,
      lease: holder?.kind === 'held' ? { holder: holder.holder, token: holder.token } : null,
      rejoin,
      blocked,
      sync: sync?.kind === 'found' ? (decodeSyncRecord(sync.value) ?? 'unreadable') : undefined,
      paused: paused?.kind === 'found' ? (parseJson(PauseSchema, paused.value) ?? { by: 'unknown', reason: 'unreadable pause record (counted as paused)', at: '' }) : undefined,
    },
  };
}

/** A mark we cannot parse still counts as set: the safe reading of "must not act as primary". */
function unreadableMark(): Mark {
  return { token: 0n, reason: 'unreadable mark (counted as set)', at: '' };
}
