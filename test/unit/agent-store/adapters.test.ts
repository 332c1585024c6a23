/** Pure parts of src/failover/adapters: the member-state mapping, audit mapping, store records. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Observation, PrimaryState, StandbyState } from '../../../src/data/index.ts';
import { runbookProgress, type StepRecord } from '../../../src/failover/index.ts';
import {
  decodeMark, decodePrimaryRecord, encodeMark, encodePrimaryRecord, fromAuditRecord, holderIds, holderRegion, lastKnownOf,
  storeKeys, toAuditRecord, toMemberState, type ClusterEvidence,
} from '../../../src/failover/adapters/index.ts';

const base = { reachable: true as const, systemIdentifier: '7', serverVersionNum: 150000, synchronousStandbyNames: '', readOnlyByDefault: false };
const primary = (lsn: bigint): PrimaryState => ({
  ...base, role: 'primary', timeline: 1, history: { timeline: 1, ancestors: [] }, currentLsn: lsn,
  replicas: [{ applicationName: 'us', clientAddr: '10.0.1.5', state: 'streaming', syncState: 'sync', sentLsn: lsn, flushLsn: lsn, replayLsn: lsn, replayLagMs: 0 }],
});
const standby = (replay: bigint, receive = replay, sender = { host: '10.0.0.5', port: 5432 }): StandbyState => ({
  ...base, role: 'standby', timeline: 1, history: { timeline: 1, ancestors: [] }, replayLsn: replay, receiveLsn: receive,
  replayTimestamp: undefined, replayPaused: false,
  walReceiver: { status: 'streaming', receivedTimeline: 1, flushedLsn: receive, senderHost: sender.host, senderPort: sender.port, slotName: 'us' },
  upstreamConfigured: sender,
});
const obs = (atMs: number, member: Observation['member'], primaryLsn?: bigint): Observation => ({ atMs, member, ...(primaryLsn !== undefined ? { primaryLsn } : {}) });

const cluster: ClusterEvidence = {
  members: [
    { region: 'eu', endpoint: { name: 'eu', host: '10.0.0.5', port: 5432 } },
    { region: 'us', endpoint: { name: 'us', host: '10.0.1.5', port: 5432 } },
  ],
  history: { timeline: 1, ancestors: [] },
  systemIdentifier: '7',
  primaryReplicas: primary(0n).replicas,
};

test('a standby whose replay advanced between samples is eligible, streams from eu, is synchronous', () => {
  const m = toMemberState({ region: 'us', samples: [obs(0, standby(100n), 200n), obs(400, standby(200n), 300n)], needsRejoin: false, regionDownByQuorum: false }, cluster);
  assert.equal(m.role, 'standby');
  assert.equal(m.eligibility.eligible, true);
  assert.equal(m.upstream, 'eu');
  assert.equal(m.synchronous, true);
  assert.equal(m.replayLsn, 200n);
  assert.equal(m.diverged, false);
});

test('a standby that replays nothing while WAL is available is not eligible (replay-stalled), whatever its label', () => {
  const m = toMemberState({ region: 'us', samples: [obs(0, standby(100n), 500n), obs(400, standby(100n), 600n)], needsRejoin: false, regionDownByQuorum: false }, cluster);
  assert.deepEqual([m.eligibility.eligible, !m.eligibility.eligible && m.eligibility.reason], [false, 'replay-stalled']);
});

test('one sample is not evidence, unless the standby is caught up', () => {
  const behind = toMemberState({ region: 'us', samples: [obs(0, standby(100n), 200n)], needsRejoin: false, regionDownByQuorum: false }, cluster);
  assert.equal(behind.eligibility.eligible, false);
  const caughtUp = toMemberState({ region: 'us', samples: [obs(0, standby(200n), 200n)], needsRejoin: false, regionDownByQuorum: false }, cluster);
  assert.equal(caughtUp.eligibility.eligible, true);
});

test('an unreachable member keeps its last known role and position', () => {
  const known = lastKnownOf(obs(0, primary(900n)), undefined);
  const m = toMemberState({ region: 'eu', samples: [obs(1, { reachable: false, reason: 'refused' })], needsRejoin: true, regionDownByQuorum: true, ...(known ? { lastKnown: known } : {}) }, cluster);
  assert.deepEqual([m.reachable, m.role, m.replayLsn, m.needsRejoin, m.regionDownByQuorum], [false, 'primary', 900n, true, true]);
  assert.equal(lastKnownOf(obs(2, { reachable: false, reason: 'x' }), known), known);
});

test('a standby streaming from an address that is no member has no upstream region', () => {
  const m = toMemberState({ region: 'us', samples: [obs(0, standby(100n, 100n, { host: '10.9.9.9', port: 5432 }))], needsRejoin: false, regionDownByQuorum: false }, cluster);
  assert.equal(m.upstream, null);
});

test('audit mapping: ok is stored as succeeded, ms as ISO, and reads back exactly (runbookProgress works on it)', () => {
  const records: StepRecord[] = [
    { runbookId: 'orders/failover/eu/1', stepId: 'runbook', kind: 'runbook', startedAtMs: 1_700_000_000_123, result: 'started', detail: 'go', token: 41n, runbook: { kind: 'failover', subject: 'eu' } },
    { runbookId: 'orders/failover/eu/1', stepId: 'promote:us', kind: 'promote', startedAtMs: 1_700_000_000_200, endedAtMs: 1_700_000_000_900, result: 'ok', detail: 'promoted', token: 41n },
  ];
  const stored = records.map((r) => toAuditRecord(r, 'us'));
  assert.equal(stored[1]?.result, 'ok');
  assert.equal(stored[1]?.startedAt, '2023-11-14T22:13:20.200Z');
  assert.equal(stored[1]?.endedAt, '2023-11-14T22:13:20.900Z');
  assert.equal(stored[1]?.token, '41');
  const back = stored.map(fromAuditRecord);
  assert.deepEqual(back, records);
  assert.deepEqual(runbookProgress(back.filter((r): r is StepRecord => r !== undefined))?.completed, ['promote:us']);
  assert.equal(fromAuditRecord({ actor: 'x', action: 'drill', result: 'started', startedAt: new Date().toISOString() }), undefined);
});

test('store records: keys, encoding, holder ids', () => {
  assert.equal(storeKeys.primaryRecord('orders'), 'meridian/stores/orders/primary');
  assert.equal(storeKeys.rejoinMark('orders', 'eu-west'), 'meridian/stores/orders/rejoin/eu-west');
  assert.throws(() => storeKeys.blockMark('orders', '../x'));
  const record = { region: 'eu', token: 12345678901234567n, timeline: 3, writtenBy: holderIds.agent('eu', 'b1'), at: 'now' };
  assert.deepEqual(decodePrimaryRecord(encodePrimaryRecord(record)), record);
  assert.equal(decodePrimaryRecord('{"region":"eu"}'), undefined);
  assert.deepEqual(decodeMark(encodeMark({ token: 5n, reason: 'r', at: 'a' })), { token: 5n, reason: 'r', at: 'a' });
  assert.equal(holderRegion(holderIds.promotion('us-east', 'eu')), 'us-east');
});

test('divergence: the unfinished last record of a frozen standby does not make it diverged; WAL it may still replay does', () => {
  // us was promoted: timeline 2 forked off timeline 1 at 100 (the end of the last complete record).
  const forked: ClusterEvidence = { ...cluster, history: { timeline: 2, ancestors: [{ timeline: 1, switchLsn: 100n }] }, primaryReplicas: [] };
  const frozen = (replay: bigint, receive: bigint): StandbyState => ({ ...standby(replay, receive), walReceiver: undefined, upstreamConfigured: undefined });
  const divergedWith = (...samples: Observation[]) => toMemberState({ region: 'ap', samples, needsRejoin: false, regionDownByQuorum: false }, forked).diverged;
  const rows: [string, Observation[], boolean][] = [
    ['frozen, replay at the fork, 50 unreplayable bytes past it, nothing moved', [obs(0, frozen(100n, 150n)), obs(300, frozen(100n, 150n))], false],
    ['one sample only: what it flushed counts', [obs(0, frozen(100n, 150n))], true],
    ['samples too close together to trust "nothing moved"', [obs(0, frozen(100n, 150n)), obs(100, frozen(100n, 150n))], true],
    ['frozen but its receive position moved in the window', [obs(0, frozen(100n, 120n)), obs(300, frozen(100n, 150n))], true],
    ['still streaming: it may replay what it flushed', [obs(0, standby(100n, 150n)), obs(300, standby(100n, 150n))], true],
    ['frozen with replay past the fork', [obs(0, frozen(120n, 150n)), obs(300, frozen(120n, 150n))], true],
    ['frozen, a tail longer than a record plausibly is', [obs(0, frozen(100n, 100n + 70_000n)), obs(300, frozen(100n, 100n + 70_000n))], true],
    ['frozen at the fork with nothing unreplayed', [obs(0, frozen(100n, 100n)), obs(300, frozen(100n, 100n))], false],
  ];
  for (const [name, samples, diverged] of rows) assert.equal(divergedWith(...samples), diverged, name);
});
