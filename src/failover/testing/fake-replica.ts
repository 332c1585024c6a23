/** ReplicaControl over a FakeCluster: each method changes the fake world as PostgreSQL would. */
import { InfraError } from '../../common/errors.ts';
import type { ReplicaControl } from '../ports.ts';
import type { FakeCluster } from './fake-cluster.ts';

export function fakeReplica(c: FakeCluster): ReplicaControl {
  return {
    readState: async () => c.memberStates(),
    promote: async (region, token) => {
      const refused = c.guard('promote', region, token);
      if (refused) return refused;
      const m = c.reachable('promote', region);
      if (c.record.region === region && m.role === 'primary') return { kind: 'done', detail: `${region} is already the primary` };
      if (m.role !== 'standby') return { kind: 'refused', detail: `${region} is not a standby` };
      const others = c.liveLeaseHolders().filter((r) => r !== region);
      if (others.length > 0) c.violations.push(`promoted ${region} while ${others.join(', ')} still held a primary lease`);
      if (c.record.region !== region) {
        const fresh = c.nextToken();
        c.record = { region, token: fresh };
        c.leases.set(fresh, { region, expiresAtMs: null });
      }
      if (c.faults.get('promote') === 'half') {
        c.faults.delete('promote');
        throw new InfraError(`promote ${region}: recorded, then the coordinator died before pg_promote`);
      }
      c.forks.push({ timeline: m.timeline, lsn: m.lsn });
      m.role = 'primary';
      m.timeline += 1;
      m.upstream = null;
      m.readOnly = false;
      return c.effect('promote', region, `${region} promoted to timeline ${m.timeline} under token ${c.record.token}`);
    },
    repoint: async (region, to, token) => {
      const refused = c.guard('repoint', region, token);
      if (refused) return refused;
      const m = c.reachable('repoint', region);
      const target = c.member(to);
      if (m.role !== 'standby') return { kind: 'refused', detail: `${region} is not a standby` };
      if (c.diverged(m)) return { kind: 'refused', detail: `${region} has diverged` };
      if (m.upstream === to && m.timeline === target.timeline) return { kind: 'done', detail: `${region} already streams from ${to}` };
      m.upstream = to;
      m.timeline = target.timeline;
      m.lsn = target.lsn;
      return c.effect('repoint', region, `${region} streams from ${to}`);
    },
    demote: async (region, to, token) => {
      const refused = c.guard('demote', region, token);
      if (refused) return refused;
      const m = c.reachable('demote', region);
      if (m.role === 'standby' && m.upstream === to) return { kind: 'done', detail: `${region} is already a standby of ${to}` };
      const target = c.member(to);
      m.lsn += 0x28n; // the shutdown checkpoint, shipped to the standbys before the old primary stops
      for (const s of c.members) if (s.role === 'standby' && s.upstream === region && s.reachable) s.lsn = m.lsn;
      m.role = 'standby';
      m.upstream = to;
      m.readOnly = false;
      if (target.role === 'primary') m.timeline = target.timeline;
      return c.effect('demote', region, `${region} restarted as a standby of ${to}`);
    },
    fence: async (region, token) => {
      const refused = c.guard('fence', region, token);
      if (refused) return refused;
      const m = c.member(region);
      if (!m.reachable) return { kind: 'done', detail: `${region} does not answer: the expired lease fences it` };
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
      m.lsn += 0x100n;
      for (const s of c.members) {
        if (s.role === 'standby' && s.upstream === region && s.reachable) Object.assign(s, { lsn: m.lsn, timeline: m.timeline });
      }
      return { kind: 'done', detail: `test write committed on ${region} at ${m.lsn}` };
    },
    markRejoin: async (region, token) => {
      const refused = c.guard('markRejoin', region, token);
      if (refused) return refused;
      const m = c.member(region);
      if (m.needsRejoin) return { kind: 'done', detail: `${region} already marked` };
      m.needsRejoin = true;
      if (m.role === 'primary') m.readOnly = true;
      return c.effect('markRejoin', region, `${region} marked for rejoin`);
    },
    blockWrites: async (region, token) => {
      const refused = c.guard('blockWrites', region, token);
      if (refused) return refused;
      const m = c.reachable('blockWrites', region);
      m.readOnly = true;
      const lease = c.leases.get(c.record.token);
      if (lease && lease.region === region) lease.expiresAtMs = Math.min(lease.expiresAtMs ?? Infinity, c.clock.nowMs());
      return c.effect('blockWrites', region, `${region} refuses writes and released its lease`);
    },
    resumeWrites: async (region, token) => {
      const refused = c.guard('resumeWrites', region, token);
      if (refused) return refused;
      const m = c.reachable('resumeWrites', region);
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
      const m = c.reachable('rejoin', region);
      const source = c.member(from);
      m.role = 'standby';
      m.upstream = from;
      m.timeline = source.timeline;
      m.lsn = source.lsn;
      m.readOnly = false;
      m.needsRejoin = false;
      return c.effect('rejoin', region, `${region} rejoined from ${from} by ${method}`);
    },
  };
}
