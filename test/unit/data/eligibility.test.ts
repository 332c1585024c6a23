import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeEligibility, type EligibilityEvidence } from '../../../src/data/eligibility.ts';
import type { TimelineHistory } from '../../../src/data/history.ts';
import type { DbState, Observation, StandbyState } from '../../../src/data/types.ts';

const SYSID = '7311000000000000001';

/** A standby whose every label says all is well: streaming, not paused. Only positions differ. */
function standby(replayLsn: bigint, opts: { receive?: bigint; timeline?: number; history?: TimelineHistory; sysid?: string } = {}): StandbyState {
  const timeline = opts.timeline ?? 2;
  return {
    reachable: true,
    role: 'standby',
    systemIdentifier: opts.sysid ?? SYSID,
    timeline,
    history: opts.history,
    serverVersionNum: 150000,
    synchronousStandbyNames: '',
    readOnlyByDefault: false,
    replayLsn,
    receiveLsn: opts.receive ?? replayLsn,
    replayTimestamp: undefined,
    replayPaused: false,
    walReceiver: { status: 'streaming', receivedTimeline: timeline, flushedLsn: opts.receive ?? replayLsn, senderHost: '10.0.0.1', senderPort: 5432, slotName: 's' },
    upstreamConfigured: { host: '10.0.0.1', port: 5432 },
  };
}

const unreachable: DbState = { reachable: false, reason: 'postgres at 10.0.0.2:5432: connection refused' };
const asPrimary: DbState = {
  reachable: true, role: 'primary', systemIdentifier: SYSID, timeline: 3, history: undefined, serverVersionNum: 150000,
  synchronousStandbyNames: '', readOnlyByDefault: false, currentLsn: 5000n, replicas: [],
};

/** The cluster is on timeline 2, which forked off timeline 1 at 1000. */
const HISTORY: TimelineHistory = { timeline: 2, ancestors: [{ timeline: 1, switchLsn: 1000n }] };

const obs = (atMs: number, member: DbState, primaryLsn?: bigint): Observation =>
  primaryLsn === undefined ? { atMs, member } : { atMs, member, primaryLsn };

interface Case {
  readonly name: string;
  readonly evidence: Omit<EligibilityEvidence, 'history'> & { history?: TimelineHistory };
  readonly want: { eligible: true; lagBytes?: bigint } | { eligible: false; reason: string };
}

const cases: Case[] = [
  {
    name: 'replay advancing while the primary writes',
    evidence: { samples: [obs(0, standby(2000n), 2500n), obs(500, standby(2600n), 3000n)] },
    want: { eligible: true, lagBytes: 400n },
  },
  {
    name: 'replay paused: WAL keeps arriving, replay stands still, labels say streaming',
    evidence: { samples: [obs(0, standby(2000n, { receive: 2400n }), 2500n), obs(500, standby(2000n, { receive: 3000n }), 3000n)] },
    want: { eligible: false, reason: 'replay-stalled' },
  },
  {
    name: 'receiving nothing while the primary writes (lag 0 by its own count)',
    evidence: { samples: [obs(0, standby(2000n), 2500n), obs(500, standby(2000n), 3000n)] },
    want: { eligible: false, reason: 'replay-stalled' },
  },
  {
    name: 'diverged: on timeline 1 past the fork point, even though replay advances',
    evidence: { samples: [obs(0, standby(1200n, { timeline: 1 }), 2500n), obs(500, standby(1300n, { timeline: 1 }), 3000n)] },
    want: { eligible: false, reason: 'timeline-diverged' },
  },
  {
    name: 'on timeline 1 before the fork point: can still follow',
    evidence: { samples: [obs(0, standby(900n, { timeline: 1 }), 2500n), obs(500, standby(950n, { timeline: 1 }), 3000n)] },
    want: { eligible: true },
  },
  {
    name: 'on a timeline the cluster never had (another promotion)',
    evidence: { samples: [obs(0, standby(2000n, { timeline: 3 }), 2500n), obs(500, standby(2600n, { timeline: 3 }), 3000n)] },
    want: { eligible: false, reason: 'timeline-diverged' },
  },
  {
    name: 'same timeline number, but its history forked elsewhere',
    evidence: {
      samples: [
        obs(0, standby(2000n, { history: { timeline: 2, ancestors: [{ timeline: 1, switchLsn: 800n }] } }), 2500n),
        obs(500, standby(2600n, { history: { timeline: 2, ancestors: [{ timeline: 1, switchLsn: 800n }] } }), 3000n),
      ],
    },
    want: { eligible: false, reason: 'timeline-diverged' },
  },
  {
    name: 'caught up with an idle primary: one sample is enough',
    evidence: { samples: [obs(0, standby(3000n), 3000n)] },
    want: { eligible: true, lagBytes: 0n },
  },
  {
    name: 'one sample while behind proves nothing',
    evidence: { samples: [obs(0, standby(2000n), 3000n)] },
    want: { eligible: false, reason: 'insufficient-evidence' },
  },
  {
    name: 'two samples too close together',
    evidence: { samples: [obs(0, standby(2000n), 2500n), obs(100, standby(2000n), 3000n)], minSpanMs: 250 },
    want: { eligible: false, reason: 'insufficient-evidence' },
  },
  {
    name: 'primary gone, standing at its last known position',
    evidence: { samples: [obs(0, standby(3000n))], lastKnownPrimaryLsn: 3000n },
    want: { eligible: true, lagBytes: 0n },
  },
  {
    name: 'primary gone, replayed all it received, behind the last known position',
    evidence: { samples: [obs(0, standby(2800n)), obs(500, standby(2800n))], lastKnownPrimaryLsn: 3000n },
    want: { eligible: true, lagBytes: 200n },
  },
  {
    name: 'primary gone, a large received tail never replayed',
    evidence: { samples: [obs(0, standby(2000n, { receive: 900_000n })), obs(500, standby(2000n, { receive: 900_000n }))], lastKnownPrimaryLsn: 900_000n },
    want: { eligible: false, reason: 'replay-stalled' },
  },
  {
    name: 'primary gone, a few received bytes of an unfinished record',
    evidence: { samples: [obs(0, standby(2000n, { receive: 2100n })), obs(500, standby(2000n, { receive: 2100n }))], lastKnownPrimaryLsn: 2100n },
    want: { eligible: true, lagBytes: 100n },
  },
  {
    name: 'primary gone mid-window: WAL it had but never sent is not held against the standby',
    evidence: { samples: [obs(0, standby(2800n), 3000n), obs(500, standby(2800n))], lastKnownPrimaryLsn: 3000n },
    want: { eligible: true, lagBytes: 200n },
  },
  {
    name: 'latest sample unreachable, whatever came before',
    evidence: { samples: [obs(0, standby(3000n), 3000n), obs(500, unreachable, 3000n)] },
    want: { eligible: false, reason: 'unreachable' },
  },
  {
    name: 'already a primary',
    evidence: { samples: [obs(0, asPrimary)] },
    want: { eligible: false, reason: 'not-a-standby' },
  },
  {
    name: 'a member of another cluster',
    evidence: { samples: [obs(0, standby(3000n, { sysid: '99' }), 3000n)], systemIdentifier: SYSID },
    want: { eligible: false, reason: 'different-cluster' },
  },
  {
    name: 'an unreachable first sample is skipped when finding the window',
    evidence: { samples: [obs(0, unreachable, 2500n), obs(300, standby(2000n, { receive: 2500n }), 2500n), obs(900, standby(2000n, { receive: 3000n }), 3000n)] },
    want: { eligible: false, reason: 'replay-stalled' },
  },
  {
    name: 'no samples at all',
    evidence: { samples: [] },
    want: { eligible: false, reason: 'insufficient-evidence' },
  },
];

for (const c of cases) {
  test(`judgeEligibility: ${c.name}`, () => {
    const got = judgeEligibility({ history: HISTORY, ...c.evidence });
    assert.equal(got.eligible, c.want.eligible, got.detail);
    if (got.eligible && c.want.eligible && c.want.lagBytes !== undefined) assert.equal(got.lagBytes, c.want.lagBytes, got.detail);
    if (!got.eligible && !c.want.eligible) assert.equal(got.reason, c.want.reason, got.detail);
    assert.ok(got.detail.length > 0);
  });
}

test('judgeEligibility explains a stall in one line with the stuck position', () => {
  const got = judgeEligibility({
    history: HISTORY,
    samples: [obs(0, standby(0x2000n, { receive: 0x2400n }), 0x2500n), obs(800, standby(0x2000n, { receive: 0x3000n }), 0x3000n)],
  });
  assert.equal(got.eligible, false);
  assert.equal(got.detail, 'replay stayed at 0/2000 for 800 ms while WAL kept arriving, with 1280 bytes available to replay');
});
