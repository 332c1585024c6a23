/** ReplicaControl over a FakeCluster: each method changes the fake world as PostgreSQL would. */
import { InfraError } from '../../common/errors.ts';
import type { ReplicaControl } from '../ports.ts';
import type { FakeCluster } from './fake-cluster.ts';

export function fakeReplica(c: FakeCluster): ReplicaControl {
  return {
    readState: async () => c.memberStates(),
    promote: async (region, token, sync) => {
      const refused = c.guard('promote', region, token);
      if (refused) return refused;
      const m = c.reachable('promote', region);
      if (c.record.region === region && m.role === 'primary') return { kind: 'done', detail: `${region} is already the primary` };
      if (m.role !== 'standby') return { kind: 'refused', detail: `${region} is not a standby` };
      const others = c.liveLeaseHolders().filter((r) => r !== region);
      if (others.length > 0) return { kind: 'refused', detail: `the primary lease is held by ${others.join(', ')}: nothing is promoted while it lives` };
      if (c.record.region !== region) {
        const fresh = c.nextToken();
        c.record = { region, token: fresh };
        c.leases.set(fresh, { region, expiresAtMs: null });
        if (c.mode === 'sync') c.syncSet = sync ?? { count: 0, members: [] };
      }
      m.needsRejoin = false;
      m.writesBlocked = false;
      if (c.faults.get('promote') === 'half') {
        c.faults.delete('promote');
        throw new InfraError(`promote ${region}: recorded, then the coordinator died before pg_promote`);
      }
      c.checkNoAckedWriteLost(m);
      m.history = new Map(m.history).set(m.timeline, m.lsn);
      m.role = 'primary';
      m.timeline += 1;
      m.follows = null;
      m.readOnly = false;
      m.syncNames = sync ?? { count: 0, members: [] };
      c.propagate();
      return c.effect('promote', region, `${region} promoted to timeline ${m.timeline} under token ${c.record.token}`);
    },
    repoint: async (region, to, token) => {
      const refused = c.guard('repoint', region, token);
      if (refused) return refused;
      const m = c.reachable('repoint', region);
      if (m.role !== 'standby') return { kind: 'refused', detail: `${region} is not a standby` };
      if (m.follows !== to) {
        m.follows = to;
        c.propagate();
        c.effect('repoint', region, `${region} follows ${to}`);
      }
      const target = c.member(to);
      if (m.upstream === to && m.timeline === target.timeline) return { kind: 'done', detail: `${region} streams from ${to} on timeline ${target.timeline}` };
      return { kind: 'pending', detail: `${region} follows ${to} but does not stream from it` };
    },
    freeze: async (region, token) => {
      const refused = c.guard('freeze', region, token);
      if (refused) return refused;
      const m = c.reachable('freeze', region);
      if (m.role !== 'standby') return { kind: 'refused', detail: `${region} is not a standby` };
      if (m.follows === null) return { kind: 'done', detail: `${region} is already frozen` };
      m.follows = null;
      c.propagate();
      return c.effect('freeze', region, `${region} frozen at ${m.lsn}`);
    },
    demote: async (region, to, token) => {
      const refused = c.guard('demote', region, token);
      if (refused) return refused;
      const m = c.reachable('demote', region);
      if (m.role === 'standby' && m.follows === to) return { kind: 'done', detail: `${region} is already a standby of ${to}` };
      // The real port first makes the member's slot on the target: a dead target leaves it nothing to follow.
      if (!c.member(to).reachable) return { kind: 'refused', detail: `${to} does not answer, so ${region} has nothing to follow` };
      m.lsn += 0x28n; // the shutdown checkpoint, shipped to the standbys before the old primary stops
      c.propagate();
      m.role = 'standby';
      m.follows = to;
      m.readOnly = false;
      m.writesBlocked = false;
      c.propagate();
      return c.effect('demote', region, `${region} restarted as a standby of ${to}`);
    },
    fence: async (region, token) => {
      const refused = c.guard('fence', region, token);
      if (refused) return refused;
      const m = c.reachable('fence', region);
      if (m.role !== 'primary') return { kind: 'done', detail: `${region} is not a primary` };
      if (m.readOnly) return { kind: 'done', detail: `${region} already refuses writes` };
      m.readOnly = true;
      return c.effect('fence', region, `${region} made read-only`);
    },
    validateWrite: async (region, token) => {
      const refused = c.guard('validateWrite', region, token);
      if (refused) return refused;
      const m = c.reachable('validateWrite', region);
      if (m.role !== 'primary' || m.readOnly || c.record.region !== region) {
        return { kind: 'refused', detail: `${region} does not accept writes` };
      }
      const outcome = c.writeTo(region, 0x100n);
      if (outcome === 'waiting') throw new InfraError(`${region} does not answer: the commit waits for a synchronous standby`);
      return { kind: 'done', detail: `test write committed on ${region} at ${m.lsn}` };
    },
    markRejoin: async (region, token) => {
      const refused = c.guard('markRejoin', region, token);
      if (refused) return refused;
      const m = c.member(region);
      if (m.needsRejoin) return { kind: 'done', detail: `${region} already marked` };
      m.needsRejoin = true;
      if (m.role === 'primary' && m.reachable) m.readOnly = true;
      return c.effect('markRejoin', region, `${region} marked for rejoin`);
    },
    blockWrites: async (region, token) => {
      const refused = c.guard('blockWrites', region, token);
      if (refused) return refused;
      const m = c.reachable('blockWrites', region);
      m.readOnly = true;
      m.writesBlocked = true;
      const lease = c.leases.get(c.record.token);
      if (lease && lease.region === region) lease.expiresAtMs = Math.min(lease.expiresAtMs ?? Infinity, c.clock.nowMs());
      return c.effect('blockWrites', region, `${region} refuses writes and released its lease`);
    },
    resumeWrites: async (region, token) => {
      const refused = c.guard('resumeWrites', region, token);
      if (refused) return refused;
      const m = c.reachable('resumeWrites', region);
      m.writesBlocked = false;
      if (!m.readOnly) return { kind: 'done', detail: `${region} already accepts writes` };
      m.readOnly = false;
      const fresh = c.nextToken();
      c.record = { region, token: fresh };
      c.leases.set(fresh, { region, expiresAtMs: null });
      return c.effect('resumeWrites', region, `${region} accepts writes again under token ${fresh}`);
    },
    rejoin: async (region, from, method, token) => {
      const refused = c.guard('rejoin', region, token);
      if (refused) return refused;
      const m = c.member(region);
      if (m.regionDown) throw new InfraError(`rejoin: ${region}'s agent does not answer`);
      const calls = (c.rejoinCalls.get(region) ?? 0) + 1;
      c.rejoinCalls.set(region, calls);
      if (calls <= c.rejoinTakesCalls) return { kind: 'pending', detail: `${region}: pg_rewind running (call ${calls})` };
      c.rejoinCalls.delete(region);
      const source = c.member(from);
      m.running = true;
      m.reachable = true;
      m.role = 'standby';
      m.timeline = source.timeline;
      m.lsn = source.lsn;
      m.history = new Map(source.history);
      m.follows = from;
      m.readOnly = false;
      m.needsRejoin = false;
      c.propagate();
      return c.effect('rejoin', region, `${region} rejoined from ${from} by ${method}`);
    },
  };
}
