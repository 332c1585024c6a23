/**
 * TrafficControl and LeaseCheck over etcd.
 *
 * Traffic for a store is its primary DNS name, and every agent's GSLB answers it from the primary
 * record (src/agent/store). So the record IS the DNS switch: `switchDns` confirms the record
 * names the target (promote wrote it, fenced); the name moves with the record at the promotion.
 */
import { systemClock } from '../../common/clock.ts';
import { InfraError } from '../../common/errors.ts';
import type { CoordinatorStatus, LeaseCheck, TrafficControl } from '../ports.ts';
import { coordinatorFence, done, isRefusal, leaseKeyOf, member, refused, storeView, type AdapterContext } from './context.ts';
import { leaseHeldFor } from './store-records.ts';

export function realTrafficControl(ctx: AdapterContext): TrafficControl {
  return {
    async switchDns(name, to, token) {
      const fence = coordinatorFence(ctx, token);
      if (isRefusal(fence)) return fence;
      const view = await storeView(ctx);
      if (typeof view.record !== 'object') return refused(`${name}: no readable primary record`);
      if (view.record.region !== to) return refused(`${name} follows the primary record, which names ${view.record.region}, not ${to}: promote ${to} first`);
      return done(`${name} follows the primary record: ${to} (token ${view.record.token}), every agent answers ${member(ctx, to).endpoint.host}`);
    },
  };
}

export function realLeaseCheck(ctx: AdapterContext): LeaseCheck {
  return {
    async primaryLease(region, _token) {
      const holder = await ctx.coord.currentHolder(leaseKeyOf(ctx));
      if (holder.kind === 'unavailable') throw new InfraError(`cannot read the primary lease: etcd ${holder.reason}`);
      // Held by or for `region` (its agent, or a promotion of it): still held. Gone or held
      // for another region: expired, as far as `region` is concerned.
      if (holder.kind !== 'held' || !leaseHeldFor(holder, region)) return { kind: 'expired' };
      return { kind: 'held', token: holder.token, validUntilMs: systemClock.nowMs() + ctx.leaseTtlMs };
    },
    async coordinator(token): Promise<CoordinatorStatus> {
      const fence = coordinatorFence(ctx, token);
      return isRefusal(fence) ? { kind: 'lost', detail: fence.detail } : { kind: 'valid' };
    },
  };
}
