/**
 * What every real port needs for one store: its members and credentials, the coordination
 * store, and the coordinator's own election lease. Each mutating port call first checks that
 * this coordinator still holds that lease with the token the executor passed (a stale plan from
 * a deposed coordinator is refused), and every etcd write it makes is fenced.
 */
import type { Logger } from '../../common/log.ts';
import { coordKeys, type CoordinationStore, type Fence, type FencingToken, type HeldLease } from '../../coord/index.ts';
import type { DbTimeouts, PgAuth } from '../../data/index.ts';
import type { Store } from '../../spec/index.ts';
import type { PortOutcome } from '../ports.ts';
import type { MemberHost } from './member-host.ts';
import { memberOf, type StoreMember } from './members.ts';
import { readStoreView, type StoreView } from './store-records.ts';
import type { StoreObserver } from './snapshot.ts';
import { InfraError } from '../../common/errors.ts';

export interface AdapterContext {
  readonly store: Store;
  readonly primaryName: string;
  readonly members: readonly StoreMember[];
  readonly auth: PgAuth;
  readonly coord: CoordinationStore;
  readonly leaseTtlMs: number;
  /** This coordinator's name (its region): holder ids and audit actors. */
  readonly self: string;
  /** The coordinator's election lease, if held. */
  readonly coordinatorLease: () => HeldLease | undefined;
  /** Where a member's file-level steps run (its own agent). */
  readonly hostOf: (region: string) => MemberHost;
  /** The local data directory of `region`'s member, when this process has it (repoint may restart). */
  readonly dataDirOf: (region: string) => string | undefined;
  readonly observer: StoreObserver;
  readonly timeouts?: Partial<DbTimeouts>;
  readonly log?: Logger;
}

export function leaseKeyOf(ctx: Pick<AdapterContext, 'store'>): string {
  return coordKeys.primaryLease(ctx.store.name);
}

/** The coordinator's fence for `token`, or a refusal when this process no longer holds it. */
export function coordinatorFence(ctx: AdapterContext, token: FencingToken): Fence | PortOutcome {
  const lease = ctx.coordinatorLease();
  if (!lease || lease.token !== token) {
    return { kind: 'refused', detail: `fenced: token ${token} is not this coordinator's (${lease ? `it holds ${lease.token}` : 'it holds none'})` };
  }
  if (!lease.isValid()) return { kind: 'refused', detail: `fenced: the coordinator lease (token ${token}) has expired` };
  return lease.fence;
}

export function isRefusal(x: Fence | PortOutcome): x is PortOutcome {
  return 'kind' in x;
}

export function member(ctx: AdapterContext, region: string): StoreMember {
  return memberOf(ctx.members, region);
}

/** The store's etcd records; unreachable etcd throws (the executor records a failed step). */
export async function storeView(ctx: AdapterContext): Promise<StoreView> {
  const read = await readStoreView(ctx.coord, ctx.store.name, leaseKeyOf(ctx), ctx.members.map((m) => m.region));
  if (read.kind === 'unavailable') throw new InfraError(`etcd: ${read.reason}`);
  return read.view;
}

export function done(detail: string): PortOutcome {
  return { kind: 'done', detail };
}

export function pending(detail: string): PortOutcome {
  return { kind: 'pending', detail };
}

export function refused(detail: string): PortOutcome {
  return { kind: 'refused', detail };
}
