/** Dry-run failover plans (hypothetical.ts): both plans the reconciler would make if the primary were lost now. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assumeFrozen, assumePrimaryLost, previewFailover, previewSwitchover } from '../../../src/failover/hypothetical.ts';
import { planSwitchover, reconcile, type Plan, type StoreState } from '../../../src/failover/index.ts';
import { formatLsn } from '../../../src/failover/lsn.ts';
import { LSN, NOW, member, storeState } from './fixtures.ts';

const ids = (plan: Plan | undefined): string[] | string => (plan?.kind === 'run' ? plan.steps.map((s) => s.id) : `${plan?.kind}: ${plan && 'reason' in plan ? plan.reason : ''}`);
const primary = member('eu-west', { role: 'primary', upstream: null, replayLsn: LSN('0/3000100') });

interface Case {
  readonly name: string;
  readonly state: StoreState;
  readonly plans: readonly (readonly string[] | RegExp)[];
  readonly promote?: string;
  /** Where the promoted member stands: `timeline LSN`. */
  readonly at?: string;
  /** Substrings of the promotion reason and the sync proof. */
  readonly says?: readonly string[];
  readonly proof?: RegExp;
  readonly lag?: Readonly<Record<string, bigint | null>>;
}

const cases: Case[] = [
  {
    name: 'async, both standbys stream: fence and freeze both, then promote the one holding the most WAL',
    state: storeState([primary, member('us-east', { replayLsn: LSN('0/3000060') }), member('ap-south', { replayLsn: LSN('0/3000100') })]),
    plans: [
      ['await-fence:eu-west@7', 'freeze:us-east', 'freeze:ap-south'],
      ['promote:ap-south', 'repoint:us-east->ap-south', 'switch-dns:primary.orders.db->ap-south', 'validate-write:ap-south', 'mark-rejoin:eu-west'],
    ],
    promote: 'ap-south',
    at: '1 0/3000100',
    says: ['ap-south holds the most WAL, 0/3000100', 'us-east 0/3000060'],
    lag: { 'us-east': 0xa0n, 'ap-south': 0n },
  },
  {
    name: 'sync, ANY 1 (us-east, ap-south), both observed: the proof names the floor',
    state: storeState(
      [primary, member('us-east', { replayLsn: LSN('0/3000100') }), member('ap-south', { replayLsn: LSN('0/3000080') })],
      { mode: 'sync', syncSet: { count: 1, members: ['us-east', 'ap-south'] } },
    ),
    plans: [['await-fence:eu-west@7', 'freeze:us-east', 'freeze:ap-south'], ['promote:us-east', 'repoint:ap-south->us-east', 'switch-dns:primary.orders.db->us-east', 'validate-write:us-east', 'mark-rejoin:eu-west']],
    promote: 'us-east',
    proof: /every acknowledged write is at or before 0\/3000100 \(sync set ANY 1 \(us-east, ap-south\)/,
  },
  {
    name: 'sync, one member of ANY 1 (us-east, ap-south) unreachable: no proof, the second plan waits',
    state: storeState(
      [primary, member('us-east', { reachable: false }), member('ap-south')],
      { mode: 'sync', syncSet: { count: 1, members: ['us-east', 'ap-south'] } },
    ),
    plans: [['await-fence:eu-west@7', 'freeze:ap-south'], /^blocked: no failover: .*the positions of 2 of its members are needed/],
    proof: /us-east: unreachable/,
    lag: { 'us-east': null, 'ap-south': 0x100n },
  },
  {
    name: 'no standby answers: one plan, blocked, naming every member',
    state: storeState([primary, member('us-east', { reachable: false }), member('ap-south', { reachable: false })]),
    plans: [/^blocked: no failover: the database in eu-west does not answer; no standby can be promoted \(us-east: unreachable; ap-south: unreachable\)/],
  },
  {
    name: 'standbys already frozen (a failover half done): a single plan that promotes at once',
    state: storeState([primary, member('us-east', { upstream: null, follows: null }), member('ap-south', { upstream: null, follows: null, replayLsn: LSN('0/2000010') })]),
    plans: [['await-fence:eu-west@7', 'promote:us-east', 'repoint:ap-south->us-east', 'switch-dns:primary.orders.db->us-east', 'validate-write:us-east', 'mark-rejoin:eu-west']],
    promote: 'us-east',
  },
];

describe('previewFailover', () => {
  for (const c of cases) {
    it(c.name, () => {
      const before = structuredClone(c.state);
      const preview = previewFailover(c.state, NOW);
      assert.deepEqual(c.state, before, 'the observed state is not changed');
      assert.equal(preview.lost, 'eu-west');
      assert.equal(preview.plans.length, c.plans.length, JSON.stringify(preview.plans.map((p) => ids(p))));
      c.plans.forEach((want, i) => {
        const got = ids(preview.plans[i]);
        if (want instanceof RegExp) assert.match(String(got), want);
        else assert.deepEqual(got, want);
      });
      assert.equal(preview.promote?.region, c.promote);
      if (c.at) assert.equal(`${preview.promote?.timeline} ${formatLsn(preview.promote?.lsn ?? 0n)}`, c.at);
      for (const s of c.says ?? []) assert.ok(preview.promote?.reason.includes(s), `${preview.promote?.reason} says ${s}`);
      if (c.proof) assert.match(preview.syncProof ?? '', c.proof);
      if (c.lag) assert.deepEqual(Object.fromEntries(preview.lag.map((l) => [l.region, l.lagBytes])), c.lag);
    });
  }
});

describe('the hypothetical states', () => {
  const state = storeState([primary, member('us-east'), member('ap-south')]);

  it('assumePrimaryLost: the primary does not answer and its lease has expired; nothing else changes', () => {
    const lost = assumePrimaryLost(state);
    assert.deepEqual(lost.lease, { kind: 'expired' });
    assert.equal(lost.members[0]!.reachable, false);
    assert.deepEqual(lost.members.slice(1), state.members.slice(1));
  });

  it('assumeFrozen: the frozen standbys stream from nobody and the first plan is recorded as done, so the second plan has no wait left', () => {
    const lost = assumePrimaryLost(state);
    const first = reconcile(lost, NOW);
    assert.equal(first.kind, 'run');
    if (first.kind !== 'run') return;
    const frozen = assumeFrozen(lost, first);
    assert.deepEqual(frozen.members.slice(1).map((m) => [m.upstream, m.follows]), [[null, null], [null, null]]);
    assert.deepEqual(frozen.runbook, { runbookId: first.runbookId, kind: 'failover', subject: 'eu-west', completed: first.steps.map((s) => s.id) });
    const second = reconcile(frozen, NOW);
    assert.equal(second.kind === 'run' && second.runbookId, first.runbookId, 'the same runbook continues');
    assert.ok(second.kind === 'run' && !second.steps.some((s) => s.kind === 'await-fence'));
  });
});

describe('previewFailover with the caller\'s planner', () => {
  it('plans with the function it is given (the coordinator\'s choosePlan), on both hypothetical states', () => {
    const state = storeState([primary, member('us-east'), member('ap-south')]);
    const seen: StoreState[] = [];
    const preview = previewFailover(state, NOW, { planner: (s, now) => (seen.push(s), reconcile(s, now)) });
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[0], assumePrimaryLost(state));
    assert.deepEqual(preview.plans.map((p) => ids(p)), previewFailover(state, NOW).plans.map((p) => ids(p)));
  });

  it('maxLagOnFailover reaches the reconciler: the second plan waits and says why', () => {
    const state = storeState([primary, member('us-east', { replayLsn: LSN('0/3000000') })]);
    const preview = previewFailover(state, NOW, { maxLagOnFailoverBytes: 0x10n });
    const last = preview.plans.at(-1);
    assert.equal(last?.kind, 'blocked');
    assert.equal(last?.kind === 'blocked' && last.code, 'max-lag');
  });
});

interface SwitchoverCase {
  readonly name: string;
  readonly state: StoreState;
  readonly target: string;
  readonly plan: readonly string[] | RegExp;
  readonly promote?: string;
}

const switchoverCases: SwitchoverCase[] = [
  {
    name: 'a streaming, eligible target: the zero-loss sequence, the target promoted from its position',
    state: storeState([primary, member('us-east', { replayLsn: LSN('0/3000080') }), member('ap-south')]),
    target: 'us-east',
    plan: [
      'await-catchup:us-east<-eu-west:16777216', 'block-writes:eu-west', 'await-fence:eu-west@7', 'demote:eu-west->us-east',
      'await-catchup:us-east<-eu-west:0', 'promote:us-east', 'repoint:ap-south->us-east', 'switch-dns:primary.orders.db->us-east', 'validate-write:us-east',
    ],
    promote: 'us-east',
  },
  {
    name: 'a target that does not stream from the primary: why it cannot be chosen',
    state: storeState([primary, member('us-east', { upstream: null, follows: null })]),
    target: 'us-east',
    plan: /^blocked: cannot switch over to us-east: us-east does not stream from the primary eu-west/,
  },
  {
    name: 'a target not eligible: why it cannot be chosen',
    state: storeState([primary, member('us-east', { eligibility: { eligible: false, reason: 'replay-stalled' } })]),
    target: 'us-east',
    plan: /^blocked: cannot switch over to us-east: us-east is not eligible: replay-stalled/,
  },
  {
    name: 'the target is already the primary: nothing to do',
    state: storeState([primary, member('us-east')]),
    target: 'eu-west',
    plan: /^noop: eu-west is already the primary/,
  },
];

describe('previewSwitchover', () => {
  for (const c of switchoverCases) {
    it(c.name, () => {
      const before = structuredClone(c.state);
      const preview = previewSwitchover(c.state, c.target, NOW);
      assert.deepEqual(c.state, before, 'the observed state is not changed');
      const got = ids(preview.plan);
      if (c.plan instanceof RegExp) assert.match(String(got), c.plan);
      else assert.deepEqual(got, c.plan);
      assert.deepEqual(preview.plan, planSwitchover(c.state, c.target, NOW), 'exactly the planner\'s plan');
      assert.equal(preview.promote?.region, c.promote);
      if (c.promote) assert.equal(preview.promote?.timeline, c.state.members.find((m) => m.region === c.promote)?.timeline);
    });
  }
});
