/**
 * ReplicaControl over real PostgreSQL (src/data) and etcd (src/coord). SQL steps run from the
 * coordinator against each member's address; steps that need a member's files (demote, rejoin)
 * run on the member's own host (MemberHost). Marks in etcd are fenced by the coordinator's token.
 * Observe, don't trust: a repoint is done when pg_stat_wal_receiver shows the member streaming
 * from the target on its timeline, a freeze when no WAL receiver runs, a fence when the setting
 * is read back; what was written and is not observed yet is `pending`.
 */
import { systemClock } from '../../common/clock.ts';
import { InfraError } from '../../common/errors.ts';
import {
  adminTarget, fencePrimary, formatLsn, freezeStandby, readMemberState, repoint as pgRepoint,
  type DbState,
} from '../../data/index.ts';
import type { FencedOp } from '../../coord/index.ts';
import type { PortOutcome, ReplicaControl } from '../ports.ts';
import type { FencingToken } from '../types.ts';
import { coordinatorFence, done, isRefusal, leaseKeyOf, member, pending, refused, storeView, type AdapterContext } from './context.ts';
import { regionAt } from './members.ts';
import { writeHeartbeat } from './heartbeat.ts';
import { promoteRegion } from './promote.ts';
import { isFenced } from './snapshot.ts';
import { encodeMark, leaseHeldFor, storeKeys } from './store-records.ts';

const RECENTLY_SILENT_MS = 2000;
/** How long a repoint watches for the WAL receiver to stream before it answers `pending`. */
const STREAM_OBSERVE_MS = 3000;
const OBSERVE_POLL_MS = 50;
const VALIDATE_CONNECT_MS = 3000;

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

  /** Watches `region` until it streams from `to` on `to`'s timeline: `done`, else `pending` with what was seen. */
  const observeStreaming = async (region: string, to: string, how: string): Promise<PortOutcome> => {
    const target = await readMemberState(adminTarget(member(ctx, to).endpoint, ctx.auth), ctx.timeouts);
    if (!target.reachable || target.role !== 'primary') return pending(`${region} ${how} ${to}, which is not an answering primary yet`);
    const deadline = systemClock.nowMs() + STREAM_OBSERVE_MS;
    let seen: string;
    for (;;) {
      const state = await readMemberState(adminTarget(member(ctx, region).endpoint, ctx.auth), ctx.timeouts);
      seen = describeReceiver(state, ctx, target.timeline);
      if (streamsFrom(state, member(ctx, to).endpoint, target.timeline)) {
        return done(`${region} streams from ${to} on timeline ${target.timeline} (observed in pg_stat_wal_receiver)`);
      }
      if (systemClock.nowMs() > deadline) return pending(`${region} ${how} ${to} but does not stream from it yet: ${seen}`);
      await new Promise((r) => setTimeout(r, OBSERVE_POLL_MS));
    }
  };

  return {
    readState: async () => {
      const view = await storeView(ctx);
      const recorded = typeof view.record === 'object' ? view.record.region : undefined;
      return ctx.observer.readOnce(recorded);
    },

    promote: (region, token, sync) => promoteRegion(ctx, region, token, sync),

    async repoint(region, to, token) {
      const fence = coordinatorFence(ctx, token);
      if (isRefusal(fence)) return fence;
      const standby = { ...member(ctx, region).endpoint, dataDir: ctx.dataDirOf(region) ?? '' };
      const result = await pgRepoint(standby, member(ctx, to).endpoint, ctx.auth, ctx.timeouts ? { timeouts: ctx.timeouts } : {});
      switch (result.kind) {
        case 'notStandby': return refused(`${region} is not a standby`);
        case 'unreachable': throw new InfraError(`repoint ${region} -> ${to}: ${result.member} does not answer: ${result.reason}`);
        case 'repointed':
        case 'unchanged': {
          const how = result.kind === 'unchanged' ? 'already follows' : `follows${result.restarted ? ' (restarted)' : ''}`;
          return observeStreaming(region, to, how);
        }
      }
    },

    async freeze(region, token) {
      const fence = coordinatorFence(ctx, token);
      if (isRefusal(fence)) return fence;
      const result = await freezeStandby(member(ctx, region).endpoint, ctx.auth, { ...(ctx.timeouts ? { timeouts: ctx.timeouts } : {}) });
      switch (result.kind) {
        case 'frozen': {
          const at = result.receiveLsn !== undefined ? `received to ${formatLsn(result.receiveLsn)}` : 'never streamed since its start';
          return done(`${region} takes WAL from nobody (${at}; receiver stopped within ${result.waitedMs} ms)`);
        }
        case 'stillReceiving': return pending(`${region}: primary_conninfo emptied, but its WAL receiver still ran after ${result.waitedMs} ms`);
        case 'notStandby': return refused(`${region} is not a standby`);
        case 'unreachable': throw new InfraError(`freeze ${region}: it does not answer: ${result.reason}`);
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
      const silentFor = ctx.observer.silentFor(region);
      if (silentFor !== undefined && silentFor < RECENTLY_SILENT_MS) throw new InfraError(`${region} did not answer ${silentFor} ms ago`);
      const result = await fencePrimary(member(ctx, region).endpoint, ctx.auth, { timeouts: ctx.observer.timeoutsFor(region) });
      if (result.kind === 'notPrimary') return done(`${region} is not a primary`);
      if (result.kind === 'unreachable') throw new InfraError(`${region} does not answer: ${result.reason}`);
      // fencePrimary returns once the server reads the setting back: the fenced state is observed.
      return done(`${region} refuses writes from ${formatLsn(result.lsn)} (read back), ${result.terminatedBackends} session(s) cut`);
    },

    async validateWrite(region, token) {
      const fence = coordinatorFence(ctx, token);
      if (isRefusal(fence)) return fence;
      const view = await storeView(ctx);
      if (typeof view.record !== 'object' || view.record.region !== region) {
        return refused(`the primary record does not name ${region}`);
      }
      // A fresh primary on a busy host may take more than the checks' 1 s to accept a session:
      // a missed connect here costs a whole extra tick of the failover.
      const patient = { ...ctx.timeouts, connectMs: Math.max(ctx.timeouts?.connectMs ?? 0, VALIDATE_CONNECT_MS) };
      const wrote = await writeHeartbeat(member(ctx, region).endpoint, ctx.auth, `validate:${ctx.self}`, token.toString(), patient);
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
      if (leaseHeldFor(view.lease, region)) ops.push({ kind: 'delete', key: leaseKeyOf(ctx) });
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
      const deadline = systemClock.nowMs() + 3 * ctx.leaseTtlMs;
      for (;;) {
        const state = await readMemberState(adminTarget(member(ctx, region).endpoint, ctx.auth), ctx.timeouts);
        if (state.reachable && state.role === 'primary' && !isFenced(state)) return done(`${region} accepts writes again under its agent's new lease`);
        if (systemClock.nowMs() > deadline) return pending(`${region}'s write block is removed; its agent has not lifted the fence yet`);
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

function streamsFrom(state: DbState, to: { host: string; port: number }, timeline: number): boolean {
  const r = state.reachable && state.role === 'standby' ? state.walReceiver : undefined;
  return r?.status === 'streaming' && r.senderHost === to.host && r.senderPort === to.port && r.receivedTimeline === timeline;
}

function describeReceiver(state: DbState, ctx: AdapterContext, timeline: number): string {
  if (!state.reachable) return `it does not answer (${state.reason})`;
  if (state.role !== 'standby') return 'it runs as a primary';
  const r = state.walReceiver;
  if (!r) return 'no WAL receiver runs';
  const from = regionAt(ctx.members, r.senderHost, r.senderPort) ?? `${r.senderHost ?? '?'}:${r.senderPort ?? '?'}`;
  return `WAL receiver ${r.status} from ${from} on timeline ${r.receivedTimeline ?? '?'} (wanted ${timeline})`;
}
