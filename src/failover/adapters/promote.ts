/**
 * The promote port: make `region` the primary.
 *
 * 1. Take the store's primary lease key FOR `region` (holder `<region>/promotion:<coordinator>`).
 *    acquire only creates an absent key, so this fails while any agent still holds it: nothing
 *    is promoted while an old primary's lease lives, and no old primary's agent can take the key
 *    back while the record changes.
 * 2. Under that lease (a fenced txn): write the primary record {region, token = the lease's
 *    create revision, a fresh etcd revision newer than every earlier token} and the synchronous
 *    set the plan chose, and clear the region's rejoin and write-block marks.
 * 3. Sync mode: synchronous_standby_names on the candidate = that set (before the promotion,
 *    so its first commits already wait for a standby that is about to stream from it).
 * 4. pg_promote; done once the new timeline is observed. 5. Release the key: the region's agent
 *    takes it with its own, newer token, and from then on keeps the synchronous set itself.
 */
import { systemClock } from '../../common/clock.ts';
import { InfraError } from '../../common/errors.ts';
import { adminTarget, promote as pgPromote, readMemberState, setSynchronous } from '../../data/index.ts';
import type { HeldLease } from '../../coord/index.ts';
import type { PortOutcome } from '../ports.ts';
import type { FencingToken, SyncSet } from '../types.ts';
import { coordinatorFence, done, isRefusal, leaseKeyOf, member, refused, storeView, type AdapterContext } from './context.ts';
import { encodePrimaryRecord, encodeSyncRecord, holderIds, leaseHeldFor, storeKeys } from './store-records.ts';
import { isFenced } from './snapshot.ts';

export async function promoteRegion(ctx: AdapterContext, region: string, token: FencingToken, sync: SyncSet | null): Promise<PortOutcome> {
  const fence = coordinatorFence(ctx, token);
  if (isRefusal(fence)) return fence;
  const m = member(ctx, region);
  const view = await storeView(ctx);
  const recorded = typeof view.record === 'object' ? view.record : undefined;
  const state = await readMemberState(adminTarget(m.endpoint, ctx.auth), ctx.timeouts);
  if (!state.reachable) throw new InfraError(`${region} does not answer: ${state.reason}`);
  if (state.role === 'primary') {
    if (recorded?.region === region && !isFenced(state)) return done(`${region} is already the primary (record token ${recorded.token})`);
    if (recorded?.region === region) return done(`${region} is already promoted (record token ${recorded.token}); its agent lifts the fence once it holds the lease`);
    return refused(`${region} runs as a primary but the record names ${recorded?.region ?? 'nobody'}: it needs a rejoin, not a promotion`);
  }
  const taken = await takeKeyFor(ctx, region);
  if (isRefusal(taken)) return taken;
  try {
    const again = coordinatorFence(ctx, token);
    if (isRefusal(again)) return again;
    const previous = recorded && recorded.region !== region ? recorded.region : recorded?.previous;
    const record = encodePrimaryRecord({
      region, token: taken.token, timeline: state.timeline + 1, ...(previous ? { previous } : {}), writtenBy: taken.holderId, at: new Date().toISOString(),
    });
    const syncOps = sync
      ? [{ kind: 'put' as const, key: storeKeys.syncSet(ctx.store.name), value: encodeSyncRecord({ ...sync, token: taken.token, at: new Date().toISOString() }) }]
      : [];
    const written = await ctx.coord.fencedTxn(taken.fence, [
      { kind: 'put', key: storeKeys.primaryRecord(ctx.store.name), value: record },
      ...syncOps,
      { kind: 'delete', key: storeKeys.rejoinMark(ctx.store.name, region) },
      { kind: 'delete', key: storeKeys.blockMark(ctx.store.name, region) },
    ]);
    if (written.kind === 'unavailable') throw new InfraError(`primary record not written: etcd ${written.reason}`);
    if (written.kind === 'fenced') return refused(`lost the primary key for ${region} before the record was written`);
    if (sync) {
      const names = sync.count === 0 ? null : sync.members;
      const set = await setSynchronous(m.endpoint, ctx.auth, names, { count: Math.max(1, sync.count), ...(ctx.timeouts ? { timeouts: ctx.timeouts } : {}) });
      if (set.kind === 'unreachable') throw new InfraError(`${region} does not answer: ${set.reason}`);
    }
    const promoted = await pgPromote(m.endpoint, ctx.auth, { waitSeconds: 30, ...(ctx.timeouts ? { timeouts: ctx.timeouts } : {}) });
    switch (promoted.kind) {
      case 'promoted':
      case 'alreadyPrimary':
        if (promoted.timeline <= state.timeline) throw new InfraError(`${region} answers as a primary on timeline ${promoted.timeline}, not a new one: the promotion is not observed`);
        return done(`${region} promoted to timeline ${promoted.timeline} (observed); primary record written under token ${taken.token}${sync ? `, synchronous set ${sync.count === 0 ? 'empty' : sync.members.join(', ')}` : ''}`);
      case 'notPromotedYet':
        throw new InfraError(`${region}: pg_promote did not finish within 30 s; the record names it, so the next plan promotes it again`);
      case 'unreachable':
        throw new InfraError(`${region} stopped answering during the promotion: ${promoted.reason}`);
    }
  } finally {
    await taken.release();
  }
}

/**
 * acquire the primary key for `region`. While it is held for that same region, wait up to two
 * TTLs for that lease to end; held for another region, refuse at once.
 */
async function takeKeyFor(ctx: AdapterContext, region: string): Promise<HeldLease | PortOutcome> {
  const key = leaseKeyOf(ctx);
  const deadline = systemClock.nowMs() + 2 * ctx.leaseTtlMs + 1000;
  for (;;) {
    const got = await ctx.coord.acquire(key, holderIds.promotion(region, ctx.self), ctx.leaseTtlMs);
    if (got.kind === 'acquired') return got.lease;
    if (got.kind === 'unavailable') throw new InfraError(`cannot take the primary key: etcd ${got.reason}`);
    // Held for this very region: an earlier promotion that died half-way, or the region's agent
    // that still holds it (it lets go once its database is a standby). Either ends on its own.
    if (!leaseHeldFor(got.holder, region) || systemClock.nowMs() > deadline) {
      return refused(`the primary lease is held by ${got.holder} (token ${got.token}): nothing is promoted while it lives`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
