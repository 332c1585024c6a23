/**
 * The coordinator's dry run (plan-preview.ts, GET /v1/stores/<store>/plan): named table cases of
 * the answer built from one snapshot, with this coordinator's planner and settings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storePlanPreview, type StorePlanPreview } from '../../../src/agent/store/plan-preview.ts';
import type { PolicySettings } from '../../../src/agent/store/coordinator-policy.ts';
import type { StoreState } from '../../../src/failover/index.ts';
import { LSN, NOW, member, storeState } from '../failover/fixtures.ts';

const primary = member('eu-west', { role: 'primary', upstream: null, replayLsn: LSN('0/3000100') });
const healthy = storeState([primary, member('us-east', { replayLsn: LSN('0/3000060') }), member('ap-south', { replayLsn: LSN('0/3000010') })]);
const AUTOMATIC: PolicySettings = { automatic: true };

interface Case {
  readonly name: string;
  readonly state: StoreState;
  readonly settings?: PolicySettings;
  readonly to?: string;
  readonly lagSeconds?: ReadonlyMap<string, number | null>;
  readonly outcome: StorePlanPreview['outcome'];
  readonly steps?: readonly string[];
  readonly promote?: string;
  /** `code: substring of the reason` of every wait, in order. */
  readonly waits?: readonly string[];
  readonly check?: (p: StorePlanPreview) => void;
}

const FAILOVER_STEPS = [
  'await-fence:eu-west@7', 'freeze:us-east', 'freeze:ap-south',
  'promote:us-east', 'repoint:ap-south->us-east', 'switch-dns:primary.orders.db->us-east', 'validate-write:us-east', 'mark-rejoin:eu-west',
];

const cases: Case[] = [
  {
    name: 'failover, async, both standbys stream: both plans run by themselves; the one holding the most WAL is promoted',
    state: healthy,
    outcome: 'runs',
    steps: FAILOVER_STEPS,
    promote: 'us-east 1 0/3000060',
    waits: [],
    check: (p) => {
      assert.deepEqual(p.plans.map((x) => [x.kind, x.continues ?? false]), [['run', true], ['run', false]]);
      assert.deepEqual(p.primary, { region: 'eu-west', timeline: 1, lsn: '0/3000100', reachable: true });
      assert.match(p.promote?.reason ?? '', /us-east holds the most WAL, 0\/3000060 on timeline 1 \(ap-south 0\/3000010\)/);
      assert.equal(p.syncProof, null);
    },
  },
  {
    name: 'the data at risk: bytes from the snapshot, seconds where the primary reported replay_lag',
    state: healthy,
    lagSeconds: new Map([['us-east', 0.25], ['ap-south', null]]),
    outcome: 'runs',
    check: (p) => assert.deepEqual(p.lag, [{ region: 'us-east', bytes: '160', seconds: 0.25 }, { region: 'ap-south', bytes: '240', seconds: null }]),
  },
  {
    name: 'paused: the same steps, but nothing runs by itself; the wait says who paused it and how to resume',
    state: { ...healthy, paused: { by: 'alice@ops', reason: 'kernel upgrade', at: '2026-11-01T10:00:00.000Z' } },
    outcome: 'waits',
    steps: FAILOVER_STEPS,
    waits: ['paused: paused by alice@ops'],
    check: (p) => assert.match(p.waits[0]?.reason ?? '', /meridian resume --store orders/),
  },
  {
    name: 'failover.automatic false: reported only',
    state: healthy,
    settings: { automatic: false },
    outcome: 'waits',
    waits: ['automatic-off: failover.automatic is false'],
  },
  {
    name: 'maxLagOnFailover: the choice waits for the old primary',
    state: healthy,
    settings: { automatic: true, maxLagOnFailoverBytes: 0x10n },
    outcome: 'waits',
    steps: ['await-fence:eu-west@7', 'freeze:us-east', 'freeze:ap-south'],
    waits: ['max-lag: no failover: the database in eu-west does not answer; the best standby us-east'],
  },
  {
    name: 'sync, a member of the set unreachable: no proof, the choice waits',
    state: storeState([primary, member('us-east', { reachable: false }), member('ap-south')], { mode: 'sync', syncSet: { count: 1, members: ['us-east', 'ap-south'] } }),
    outcome: 'waits',
    steps: ['await-fence:eu-west@7', 'freeze:ap-south'],
    waits: ['sync-proof: no failover: the database in eu-west does not answer; sync set ANY 1 (us-east, ap-south)'],
    check: (p) => assert.match(p.syncProof ?? '', /us-east: unreachable/),
  },
  {
    name: 'no standby answers: no candidate',
    state: storeState([primary, member('us-east', { reachable: false }), member('ap-south', { reachable: false })]),
    outcome: 'waits',
    steps: [],
    waits: ['no-candidate: no failover'],
  },
  {
    name: 'switchover to a streaming standby: the zero-loss sequence; an operator\'s request runs even while paused',
    state: { ...healthy, paused: { by: 'alice@ops', reason: '', at: '2026-11-01T10:00:00.000Z' } },
    to: 'us-east',
    outcome: 'runs',
    steps: [
      'await-catchup:us-east<-eu-west:16777216', 'block-writes:eu-west', 'await-fence:eu-west@7', 'demote:eu-west->us-east',
      'await-catchup:us-east<-eu-west:0', 'promote:us-east', 'repoint:ap-south->us-east', 'switch-dns:primary.orders.db->us-east', 'validate-write:us-east',
    ],
    promote: 'us-east 1 0/3000060',
    waits: [],
  },
  {
    name: 'switchover to a standby that does not stream: why it cannot be chosen',
    state: storeState([primary, member('us-east', { upstream: null, follows: null })]),
    to: 'us-east',
    outcome: 'blocked',
    steps: [],
    waits: ['null: cannot switch over to us-east: us-east does not stream from the primary eu-west'],
  },
  {
    name: 'switchover to the primary itself: nothing to do',
    state: healthy,
    to: 'eu-west',
    outcome: 'noop',
    steps: [],
  },
];

describe('storePlanPreview', () => {
  for (const c of cases) {
    it(c.name, () => {
      const p = storePlanPreview({ state: c.state, nowMs: NOW, settings: c.settings ?? AUTOMATIC, ...(c.to ? { to: c.to } : {}), ...(c.lagSeconds ? { lagSeconds: c.lagSeconds } : {}) });
      assert.equal(p.outcome, c.outcome, JSON.stringify(p.waits));
      assert.equal(p.kind, c.to ? 'switchover' : 'failover');
      assert.equal(p.subject, c.to ?? 'eu-west');
      if (c.steps) assert.deepEqual(p.steps.map((s) => s.id), c.steps);
      assert.deepEqual(p.steps, p.plans.flatMap((x) => x.steps), 'the steps are the plans\' steps, in order');
      if (c.promote) assert.equal(`${p.promote?.region} ${p.promote?.timeline} ${p.promote?.lsn}`, c.promote);
      if (c.waits) {
        assert.equal(p.waits.length, c.waits.length, JSON.stringify(p.waits));
        c.waits.forEach((w, i) => assert.ok(`${p.waits[i]?.code}: ${p.waits[i]?.reason}`.startsWith(w), `${p.waits[i]?.code}: ${p.waits[i]?.reason} starts with ${w}`));
      }
      assert.doesNotThrow(() => JSON.stringify(p), 'plain JSON (no bigint)');
      c.check?.(p);
    });
  }
});
