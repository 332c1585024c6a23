import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicationRows } from '../../../src/agent/store/index.ts';
import type { ReplicaInfo } from '../../../src/data/index.ts';
import type { PrimaryObservation } from '../../../src/failover/adapters/index.ts';

const REGIONS = ['eu', 'us', 'ap'];
const AT = Date.parse('2025-01-01T12:00:00.000Z');
const replica = (over: Partial<ReplicaInfo>): ReplicaInfo => ({
  applicationName: 'us', clientAddr: '10.0.1.5', state: 'streaming', syncState: 'async',
  sentLsn: 0x3000n, flushLsn: 0x3000n, replayLsn: 0x3000n, replayLagMs: undefined, ...over,
});
const observed = (replicas: ReplicaInfo[], region = 'eu'): PrimaryObservation => ({ region, atMs: AT, currentLsn: 0x5000n, replicas });

test('lag bytes are the primary LSN minus the replay LSN; seconds from replay_lag; sorted by region', () => {
  const rows = replicationRows(observed([
    replica({ applicationName: 'us', syncState: 'sync', replayLsn: 0x4800n, replayLagMs: 250 }),
    replica({ applicationName: 'ap', replayLsn: 0x1000n }),
  ]), 'eu', REGIONS);
  assert.deepEqual(rows, [
    { region: 'ap', lagBytes: 0x4000, lagSeconds: null, state: 'streaming', syncState: 'async', replayLsn: '0/1000', observedAt: '2025-01-01T12:00:00.000Z' },
    { region: 'us', lagBytes: 0x800, lagSeconds: 0.25, state: 'streaming', syncState: 'sync', replayLsn: '0/4800', observedAt: '2025-01-01T12:00:00.000Z' },
  ]);
});

test('a standby without a replay position has unknown lag bytes; one ahead of the sample is at 0', () => {
  const rows = replicationRows(observed([
    replica({ applicationName: 'us', state: 'startup', replayLsn: undefined }),
    replica({ applicationName: 'ap', replayLsn: 0x6000n }),
  ]), 'eu', REGIONS);
  assert.deepEqual(rows.map((r) => [r.region, r.lagBytes, r.replayLsn, r.state]), [['ap', 0, '0/6000', 'streaming'], ['us', null, null, 'startup']]);
});

test('connections that are not member standbys are left out (pg_basebackup, the primary itself, unnamed)', () => {
  const rows = replicationRows(observed([
    replica({ applicationName: 'pg_basebackup', state: 'backup' }),
    replica({ applicationName: 'walreceiver' }),
    replica({ applicationName: 'eu' }),
    replica({ applicationName: 'us' }),
  ]), 'eu', REGIONS);
  assert.deepEqual(rows.map((r) => r.region), ['us']);
});

test('no rows without an observation, or from a primary the record no longer names', () => {
  assert.deepEqual(replicationRows(undefined, 'eu', REGIONS), []);
  assert.deepEqual(replicationRows(observed([replica({})]), 'us', REGIONS), []);
  assert.deepEqual(replicationRows(observed([replica({})]), undefined, REGIONS), []);
});
