/**
 * ReplicaControl over real PostgreSQL (src/data) and etcd (src/coord). SQL steps run from the
 * coordinator against each member's address; steps that need a member's files (demote, rejoin)
 * run on the member's own host (MemberHost). Marks in etcd are fenced by the coordinator's token.
 */
import { InfraError } from '../../common/errors.ts';
import { adminTarget, fencePrimary, formatLsn, readMemberState, repoint as pgRepoint } from '../../data/index.ts';
import type { FencedOp } from '../../coord/index.ts';
import type { PortOutcome, ReplicaControl } from '../ports.ts';
import type { FencingToken } from '../types.ts';
import { coordinatorFence, done, isRefusal, leaseKeyOf, member, refused, storeView, type AdapterContext } from './context.ts';
import { writeHeartbeat } from './heartbeat.ts';
import { promoteRegion } from './promote.ts';
import { isFenced } from './snapshot.ts';
import { encodeMark, holderRegion, storeKeys } from './store-records.ts';

const RECENTLY_SILENT_MS = 2000;

export function realReplicaControl(ctx: AdapterContext): ReplicaControl {
  const fenced = async (token: FencingToken, ops: readonly FencedOp[], what: string): Promise<PortOutcome | undefined> => {
    const fence = coordinatorFence(ctx, token);
    if (isRefusal(fence)) return fence;
    const outcome = await ctx.coord.fencedTxn(fence, ops);
    if (outcome.kind === 'unavailable') throw new InfraError(`${what}: etcd ${outcome.reason}`);
    if (outcome.kind === 'fenced') return refused(`${what}: fenced by the quorum (coordinator token ${token} superseded${outcome.currentToken ? ` by ${outcome.currentToken}` : ''})`);
    return undefined;
  };
  const mark = (token: FencingToken, reason: string) => encodeMark({ token, reason, at: new Date().toISOString() });
  const store = ctx.store.name;

  /** Fence the member's database if it runs as an unfenced primary; a description either way. */
  const fenceIfPrimary = async (region: string): Promise<string> => {
    // It did not answer a moment ago: another attempt would only wait out its timeout, and an
    // attempt is only worth it for a database that answers (one whose agent may be dead).
    const silentFor = ctx.observer.silentFor(region);
    if (silentFor !== undefined && silentFor < RECENTLY_SILENT_MS) return `${region} did not answer ${silentFor} ms ago: its expired lease fences it`;
    const result = await fencePrimary(member(ctx, region).endpoint, ctx.auth, { timeouts: ctx.observer.timeoutsFor(region) });
    if (result.kind === 'fenced') return `${region} made read-only at ${formatLsn(result.lsn)}, ${result.terminatedBackends} session(s) cut`;
    if (result.kind === 'notPrimary') return `${region} is not a primary`;
    return `${region} does not answer (${result.reason}): its expired lease fences it`;
  };

  return {
    readState: async () => {
      const view = await storeView(ctx);
      const recorded = typeof view.record === 'object' ? view.record.region : undefined;
      return ctx.observer.readOnce(recorded);
    },

    promote: (region, token) => promoteRegion(ctx, region, token),

    async repoint(region, to, token) {
      const fence = coordinatorFence(ctx, token);
      if (isRefusal(fence)) return fence;
      const standby = { ...member(ctx, region).endpoint, dataDir: ctx.dataDirOf(region) ?? '' };
      const result = await pgRepoint(standby, member(ctx, to).endpoint, ctx.auth, ctx.timeouts ? { timeouts: ctx.timeouts } : {});
      switch (result.kind) {
        case 'repointed': return done(`${region} streams from ${to}${result.restarted ? ' (restarted)' : ''}`);
        case 'unchanged': return done(`${region} already streams from ${to}`);
        case 'notStandby': return refused(`${region} is not a standby`);
        case 'unreachable': throw new InfraError(`repoint ${region} -> ${to}: ${result.member} does not answer: ${result.reason}`);
      }
    },

    async demote(region, to, token) {
      const fence = coordinatorFence(ctx, token);
      if (isRefusal(fence)) return fence;
      const outcome = await ctx.hostOf(region).demote(member(ctx, to).endpoint);
      if (outcome.kind !== 'done') return outcome;
      const cleared = await fenced(token, [{ kind: 'delete', key: storeKeys.blockMark(store, region) }], `clear ${region}'s write block`);
      return cleared ?? outcome;
    },

    async fence(region, token) {
      const fence = coordinatorFence(ctx, token);
      if (isRefusal(fence)) return fence;
      return done(await fenceIfPrimary(region));
    },

    async validateWrite(region, token) {
      const fence = coordinatorFence(ctx, token);
      if (isRefusal(fence)) return fence;
      const view = await storeView(ctx);
      if (typeof view.record !== 'object' || view.record.region !== region) {
        return refused(`the primary record does not name ${region}`);
      }
      const wrote = await writeHeartbeat(member(ctx, region).endpoint, ctx.auth, `validate:${ctx.self}`, token.toString(), ctx.timeouts ?? {});
      if (wrote.kind === 'committed') return done(`test write committed on ${region} (heartbeat seq ${wrote.seq}) and read back`);
      if (wrote.kind === 'refused') return refused(`${region} does not accept writes: ${wrote.detail}`);
      throw new InfraError(`${region} does not answer: ${wrote.reason}`);
    },

    async markRejoin(region, token) {
      const reason = `${region} must come back as a standby (pg_rewind or a base backup) before it can serve again`;
      const refusal = await fenced(token, [{ kind: 'put', key: storeKeys.rejoinMark(store, region), value: mark(token, reason) }], `mark ${region}`);
      if (refusal) return refusal;
      return done(`${region} marked for rejoin under token ${token}; ${await fenceIfPrimary(region)}`);
    },

    async blockWrites(region, token) {
      // Mark first and end its lease in the same txn: its agent re-reads the marks after any
      // acquire, so it cannot take the lease back and lift the fence we set next.
      const view = await storeView(ctx);
      const ops: FencedOp[] = [{ kind: 'put', key: storeKeys.blockMark(store, region), value: mark(token, 'switchover: writes blocked') }];
      if (view.lease && holderRegion(view.lease.holder) === region) ops.push({ kind: 'delete', key: leaseKeyOf(ctx) });
      const refusal = await fenced(token, ops, `block writes on ${region}`);
      if (refusal) return refusal;
      const result = await fencePrimary(member(ctx, region).endpoint, ctx.auth, ctx.timeouts ? { timeouts: ctx.timeouts } : {});
      if (result.kind === 'unreachable') throw new InfraError(`${region} does not answer, writes not confirmed blocked: ${result.reason}`);
      if (result.kind === 'notPrimary') return refused(`${region} is not a primary`);
      return done(`${region} refuses writes from ${formatLsn(result.lsn)} (${result.terminatedBackends} session(s) cut) and its lease is ended`);
    },

    async resumeWrites(region, token) {
      const refusal = await fenced(token, [{ kind: 'delete', key: storeKeys.blockMark(store, region) }], `unblock ${region}`);
      if (refusal) return refusal;
      // Its agent lifts the fence only after taking the lease again (a newer token): wait for it.
      const deadline = Date.now() + 3 * ctx.leaseTtlMs;
      for (;;) {
        const state = await readMemberState(adminTarget(member(ctx, region).endpoint, ctx.auth), ctx.timeouts);
        if (state.reachable && state.role === 'primary' && !isFenced(state)) return done(`${region} accepts writes again under its agent's new lease`);
        if (Date.now() > deadline) return done(`${region}'s write block is removed; its agent has not lifted the fence yet`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },

    async rejoin(region, from, method, token) {
      const fence = coordinatorFence(ctx, token);
      if (isRefusal(fence)) return fence;
      const outcome = await ctx.hostOf(region).rejoin(member(ctx, from).endpoint, method);
      if (outcome.kind !== 'done') return outcome;
      const cleared = await fenced(token, [{ kind: 'delete', key: storeKeys.rejoinMark(store, region) }], `clear ${region}'s rejoin mark`);
      return cleared ?? done(`${outcome.detail}; rejoin mark cleared`);
    },
  };
}
