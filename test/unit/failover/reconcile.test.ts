import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconcile, type Plan, type ReconcileOptions, type StoreState } from '../../../src/failover/index.ts';
import { LSN, NOW, frozen, member, primaryDown, storeState } from './fixtures.ts';

const ids = (plan: Plan): string[] => (plan.kind === 'run' ? plan.steps.map((s) => s.id) : []);
const promoted = (plan: Plan): string | undefined =>
  plan.kind === 'run' ? plan.steps.find((s) => s.kind === 'promote')?.id.replace('promote:', '') : undefined;

const healthyPrimary = member('eu-west', { role: 'primary', upstream: null, replayLsn: LSN('0/3000100') });
const usEastPrimary = member('us-east', { role: 'primary', upstream: null, timeline: 2, replayLsn: LSN('0/3000200') });
const afterFailover: Partial<StoreState> = { primary: { region: 'us-east', token: 12n }, dns: { name: 'primary.orders.db', target: 'us-east' } };
const streamingFromUsEast = (region: string, over = {}) => member(region, { upstream: 'us-east', follows: 'us-east', upstreamTimeline: 2, timeline: 2, ...over });

interface Case {
  readonly name: string;
  readonly state: StoreState;
  readonly options?: ReconcileOptions;
  readonly kind: Plan['kind'];
  readonly promote?: string;
  readonly steps?: readonly string[];
  /** Substrings the plan's reason (or its steps' reasons) must contain. */
  readonly says?: readonly string[];
}

const cases: Case[] = [
  {
    name: 'healthy primary, everything streams from it: noop',
    state: storeState([healthyPrimary, member('us-east'), member('ap-south')]),
    kind: 'noop',
    says: ['eu-west is the primary'],
  },
  {
    name: 'primary down, standbys still streaming: fence it, then freeze them, and stop there to look again',
    state: storeState([primaryDown(), member('us-east', { replayLsn: LSN('0/3000060') }), member('ap-south')]),
    kind: 'run',
    steps: ['await-fence:eu-west@7', 'freeze:us-east', 'freeze:ap-south'],
    says: ['must stop taking WAL before a candidate is chosen'],
  },
  {
    name: 'primary down, standbys frozen: the most WAL wins, the rest follows it',
    state: storeState([primaryDown(), frozen('us-east', { replayLsn: LSN('0/3000060') }), frozen('ap-south', { replayLsn: LSN('0/3000010') })]),
    kind: 'run',
    promote: 'us-east',
    steps: [
      'await-fence:eu-west@7', 'promote:us-east', 'repoint:ap-south->us-east', 'switch-dns:primary.orders.db->us-east',
      'validate-write:us-east', 'mark-rejoin:eu-west',
    ],
    says: ['us-east holds the most WAL, 0/3000060 on timeline 1', 'ap-south 0/3000010', 'up to 160 bytes of WAL may be lost'],
  },
  {
    name: 'received WAL counts, not only replayed WAL: it replays it before it is promoted',
    state: storeState([
      primaryDown(),
      frozen('us-east', { replayLsn: LSN('0/3000060') }),
      frozen('ap-south', { replayLsn: LSN('0/3000010'), receiveLsn: LSN('0/3000080') }),
    ]),
    kind: 'run',
    promote: 'ap-south',
  },
  {
    name: 'a standby that could not be frozen (unreachable) is no candidate, and is not waited for in async mode',
    state: storeState([primaryDown(), member('us-east', { reachable: false, replayLsn: LSN('0/9000000') }), frozen('ap-south')]),
    kind: 'run',
    promote: 'ap-south',
    steps: ['await-fence:eu-west@7', 'promote:ap-south', 'switch-dns:primary.orders.db->ap-south', 'validate-write:ap-south', 'mark-rejoin:eu-west'],
  },
  {
    name: 'the standby with most WAL is ineligible (replay stalled): the next one; the first holds WAL past the fork and is rebuilt',
    state: storeState([
      primaryDown({ regionDownByQuorum: false }),
      frozen('us-east', { replayLsn: LSN('0/3000090'), eligibility: { eligible: false, reason: 'replay-stalled' } }),
      frozen('ap-south', { replayLsn: LSN('0/3000010') }),
    ]),
    kind: 'run',
    promote: 'ap-south',
    steps: [
      'await-fence:eu-west@7', 'promote:ap-south', 'switch-dns:primary.orders.db->ap-south', 'validate-write:ap-south',
      'mark-rejoin:eu-west', 'mark-rejoin:us-east', 'rejoin:us-east<-ap-south:rewind',
    ],
    says: ['us-east: not eligible: replay-stalled', 'holds WAL to 0/3000090, past the new primary'],
  },
  {
    name: 'older timeline loses even with more WAL',
    state: storeState([
      primaryDown({ timeline: 2 }),
      frozen('us-east', { timeline: 1, replayLsn: LSN('0/9000000') }),
      frozen('ap-south', { timeline: 2, replayLsn: LSN('0/3000000') }),
    ]),
    kind: 'run',
    promote: 'ap-south',
    says: ['us-east: on timeline 1, older than 2'],
  },
  {
    name: 'primary down; the other standby carries a stale rejoin mark (rebuilt, frozen on the history): it is a candidate, and its promotion says the mark is stale',
    state: storeState([
      primaryDown(),
      frozen('us-east', { replayLsn: LSN('0/3000090'), needsRejoin: true, rejoinJob: { sinceMs: NOW - 40_000, askedAtMs: NOW - 25_000, detail: 'rebuild from eu-west started' } }),
      member('ap-south', { reachable: false }),
    ], { mode: 'sync', syncSet: { count: 1, members: ['us-east'] } }),
    kind: 'run',
    promote: 'us-east',
    says: ['its rejoin mark is stale', 'every acknowledged write is at or before 0/3000090'],
  },
  {
    name: 'primary down; a marked standby whose rebuild was asked about a moment ago may still be rebuilt by its agent: no candidate',
    state: storeState([
      primaryDown(),
      frozen('us-east', { needsRejoin: true, rejoinJob: { sinceMs: NOW - 3000, askedAtMs: NOW - 1000, detail: 'rebuild from eu-west started' } }),
      member('ap-south', { reachable: false }),
    ]),
    kind: 'blocked',
    says: ['us-east: awaits rejoin'],
  },
  {
    name: 'primary down; a marked standby that diverged stays out, mark or not',
    state: storeState([primaryDown(), frozen('us-east', { needsRejoin: true, diverged: true }), member('ap-south', { reachable: false })]),
    kind: 'blocked',
    says: ['us-east: diverged from the timeline history'],
  },
  {
    name: 'no standby eligible: blocked with every reason',
    state: storeState([
      primaryDown(),
      member('us-east', { reachable: false }),
      frozen('ap-south', { eligibility: { eligible: false, reason: 'timeline-diverged', detail: 'forked at 0/2000000' } }),
    ]),
    kind: 'blocked',
    says: ['region eu-west is down by quorum', 'us-east: unreachable', 'ap-south: not eligible: timeline-diverged (forked at 0/2000000)'],
  },
  {
    name: 'sync, ANY 1 of two, both frozen: the one holding more WAL holds every acknowledged write',
    state: storeState([primaryDown(), frozen('us-east', { replayLsn: LSN('0/3000090') }), frozen('ap-south', { replayLsn: LSN('0/3000010') })], {
      mode: 'sync', syncSet: { count: 1, members: ['us-east', 'ap-south'] },
    }),
    kind: 'run',
    promote: 'us-east',
    says: ['every acknowledged write is at or before 0/3000090 (sync set ANY 1 (us-east, ap-south)'],
  },
  {
    name: 'sync, ANY 1 of two, one of them unreachable: wait, the other may be the only one that confirmed',
    state: storeState([primaryDown(), frozen('us-east', { replayLsn: LSN('0/3000090') }), member('ap-south', { reachable: false })], {
      mode: 'sync', syncSet: { count: 1, members: ['us-east', 'ap-south'] },
    }),
    kind: 'blocked',
    says: ['the positions of 2 of its members are needed', 'ap-south: unreachable', 'could lose acknowledged writes'],
  },
  {
    name: 'sync, the set shrank to the one that streamed: the unreachable one is not waited for',
    state: storeState([primaryDown(), frozen('us-east', { replayLsn: LSN('0/3000090') }), member('ap-south', { reachable: false })], {
      mode: 'sync', syncSet: { count: 1, members: ['us-east'] },
    }),
    kind: 'run',
    promote: 'us-east',
  },
  {
    name: 'sync, no recorded set: the bootstrap set (ANY 1 of every other member) applies',
    state: storeState([primaryDown(), frozen('us-east'), member('ap-south', { reachable: false })], { mode: 'sync' }),
    kind: 'blocked',
    says: ['sync set ANY 1 (us-east, ap-south)'],
  },
  {
    name: 'sync, a member outside the set holds more than the floor: it may win',
    state: storeState([primaryDown(), frozen('us-east', { replayLsn: LSN('0/3000050') }), frozen('ap-south', { replayLsn: LSN('0/3000070') })], {
      mode: 'sync', syncSet: { count: 1, members: ['us-east'] },
    }),
    kind: 'run',
    promote: 'ap-south',
  },
  {
    name: 'sync, the only member holding the floor is ineligible: blocked',
    state: storeState([
      primaryDown(),
      frozen('us-east', { replayLsn: LSN('0/3000090'), eligibility: { eligible: false, reason: 'replay-stalled' } }),
      frozen('ap-south', { replayLsn: LSN('0/3000010') }),
    ], { mode: 'sync', syncSet: { count: 1, members: ['us-east', 'ap-south'] } }),
    kind: 'blocked',
    says: ['no promotable standby holds every acknowledged write', 'ap-south: holds 0/3000010, short of 0/3000090'],
  },
  {
    name: 'sync, degraded set (empty): any frozen standby, loss bounded like async',
    state: storeState([primaryDown(), frozen('us-east'), member('ap-south', { reachable: false })], { mode: 'sync', syncSet: { count: 0, members: [] } }),
    kind: 'run',
    promote: 'us-east',
  },
  {
    name: 'async, maxLagOnFailover exceeded: wait for the old primary',
    state: storeState([primaryDown(), frozen('us-east', { replayLsn: LSN('0/3000000') }), frozen('ap-south', { replayLsn: LSN('0/2000000') })]),
    options: { maxLagOnFailoverBytes: 16n },
    kind: 'blocked',
    says: ['256 bytes behind the old primary eu-west', 'failover.maxLagOnFailover (16 bytes)'],
  },
  {
    name: 'lease already expired: the fence step is still planned (the executor re-checks it)',
    state: storeState([primaryDown(), frozen('us-east'), frozen('ap-south')], { lease: { kind: 'expired' } }),
    kind: 'run',
    promote: 'us-east',
    says: ['already reports it expired'],
  },
  {
    name: 'recorded primary runs as a standby (promotion interrupted): promote it again, no fence',
    state: storeState(
      [primaryDown({ reachable: false }), frozen('us-east', { replayLsn: LSN('0/3000060') }), frozen('ap-south', { replayLsn: LSN('0/3000010') })],
      { primary: { region: 'us-east', token: 12n }, lease: { kind: 'held', token: 12n, validUntilMs: NOW + 2000 } },
    ),
    kind: 'run',
    steps: ['promote:us-east', 'repoint:ap-south->us-east', 'switch-dns:primary.orders.db->us-east', 'validate-write:us-east', 'mark-rejoin:eu-west'],
  },
  {
    name: 'a former primary still writable while the record names another: fenced first, marked, rebuilt',
    state: storeState([member('eu-west', { role: 'primary', upstream: null }), usEastPrimary, streamingFromUsEast('ap-south')], afterFailover),
    kind: 'run',
    steps: ['fence:eu-west', 'mark-rejoin:eu-west', 'rejoin:eu-west<-us-east:rewind'],
    says: ['eu-west runs as a writable primary on timeline 1 while the record names us-east'],
  },
  {
    name: 'a former primary, fenced by its agent: marked and rebuilt; with autoRejoin off, left to an operator',
    state: storeState([member('eu-west', { role: 'primary', upstream: null, writable: false }), usEastPrimary, streamingFromUsEast('ap-south')], afterFailover),
    options: { autoRejoin: false },
    kind: 'run',
    steps: ['mark-rejoin:eu-west'],
    says: ['meridian db rejoin --store orders --region eu-west'],
  },
  {
    name: 'a standby that took WAL from the old primary after a heal (past the fork): rebuilt, never repointed',
    state: storeState([
      member('eu-west', { role: 'primary', upstream: null, writable: false, needsRejoin: true }), usEastPrimary,
      member('ap-south', { upstream: 'eu-west', follows: 'eu-west', replayLsn: LSN('0/3000300'), diverged: true }),
    ], afterFailover),
    kind: 'run',
    steps: ['mark-rejoin:ap-south', 'rejoin:eu-west<-us-east:rewind', 'rejoin:ap-south<-us-east:rewind'],
  },
  {
    name: 'a standby left frozen by an earlier failover attempt: repointed',
    state: storeState([healthyPrimary, frozen('us-east'), member('ap-south')]),
    kind: 'run',
    steps: ['repoint:us-east->eu-west'],
    says: ['us-east is frozen (streams from nobody)'],
  },
  {
    name: 'a standby configured right but streaming the wrong timeline: repoint again (observed, not trusted)',
    state: storeState([member('eu-west', { needsRejoin: true, reachable: false, role: 'primary' }), usEastPrimary, streamingFromUsEast('ap-south', { upstreamTimeline: 1 })], afterFailover),
    kind: 'run',
    steps: ['repoint:ap-south->us-east'],
  },
  {
    name: 'a standby that has followed the primary for long without streaming: rebuilt',
    state: storeState([healthyPrimary, member('us-east', { upstream: null, follows: 'eu-west', notStreamingForMs: 30_000 }), member('ap-south')]),
    kind: 'run',
    steps: ['mark-rejoin:us-east', 'rejoin:us-east<-eu-west:rewind'],
    says: ['has followed eu-west for 30 s without streaming'],
  },
  {
    name: 'a rebuild is running and was asked about a moment ago: nothing to do but wait',
    state: storeState([healthyPrimary, member('us-east', { needsRejoin: true, reachable: false, rejoinJob: { sinceMs: NOW - 9000, askedAtMs: NOW - 1000, detail: 'base backup since 9 s' } }), member('ap-south')]),
    kind: 'noop',
  },
  {
    name: 'healthy primary while a switchover is unfinished: left to the switchover planner',
    state: storeState([healthyPrimary, member('us-east'), member('ap-south')], {
      runbook: { runbookId: 'orders/switchover/us-east/1', kind: 'switchover', subject: 'us-east', completed: [] },
    }),
    kind: 'noop',
    says: ['switchover runbook orders/switchover/us-east/1 is unfinished'],
  },
];

describe('reconcile', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = reconcile(c.state, NOW, c.options);
      assert.equal(plan.kind, c.kind, JSON.stringify(plan, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
      if (c.promote) assert.equal(promoted(plan), c.promote);
      if (c.steps) assert.deepEqual(ids(plan), c.steps);
      const text = plan.kind === 'run' ? [plan.summary, ...plan.steps.map((s) => s.reason)].join('\n') : plan.reason;
      for (const phrase of c.says ?? []) assert.ok(text.includes(phrase), `expected "${phrase}" in:\n${text}`);
    });
  }

  it('every step carries a reason, and the plan the coordinator token', () => {
    const plan = reconcile(storeState([primaryDown(), frozen('us-east'), frozen('ap-south')]), NOW);
    assert.equal(plan.kind, 'run');
    if (plan.kind !== 'run') return;
    assert.equal(plan.token, 9n);
    for (const s of plan.steps) assert.ok(s.reason.length > 20, `${s.id} has a reason`);
  });

  describe('the synchronous set a new primary starts with', () => {
    const syncOf = (plan: Plan) => (plan.kind === 'run' ? plan.steps.find((s) => s.kind === 'promote') : undefined);
    it('the standbys about to stream from it', () => {
      const plan = reconcile(storeState([primaryDown(), frozen('us-east', { replayLsn: LSN('0/3000090') }), frozen('ap-south')], { mode: 'sync', syncSet: { count: 1, members: ['us-east', 'ap-south'] } }), NOW);
      assert.deepEqual(syncOf(plan), { ...syncOf(plan), sync: { count: 1, members: ['ap-south'] } });
    });
    it('none about to stream, strict (the default): every other member, so commits wait', () => {
      const plan = reconcile(storeState([primaryDown(), frozen('us-east'), member('ap-south', { reachable: false })], { mode: 'sync', syncSet: { count: 1, members: ['us-east'] } }), NOW);
      assert.deepEqual(syncOf(plan), { ...syncOf(plan), sync: { count: 1, members: ['eu-west', 'ap-south'] } });
    });
    it('none about to stream, syncStrict false: empty (asynchronous)', () => {
      const plan = reconcile(storeState([primaryDown(), frozen('us-east'), member('ap-south', { reachable: false })], { mode: 'sync', syncSet: { count: 1, members: ['us-east'] } }), NOW, { syncStrict: false });
      assert.deepEqual(syncOf(plan), { ...syncOf(plan), sync: { count: 0, members: [] } });
    });
    it('async store: none', () => {
      const plan = reconcile(storeState([primaryDown(), frozen('us-east'), frozen('ap-south')]), NOW);
      assert.equal(syncOf(plan)?.kind === 'promote' && syncOf(plan)!.sync, null);
    });
  });

  it('sync mode with allowDataLossInSyncMode promotes without the proof', () => {
    const state = storeState([primaryDown(), frozen('us-east', { replayLsn: LSN('0/3000090') }), member('ap-south', { reachable: false })], { mode: 'sync' });
    const plan = reconcile(state, NOW, { allowDataLossInSyncMode: true });
    assert.equal(promoted(plan), 'us-east');
  });

  it('continues the unfinished runbook: same id, completed wait steps dropped', () => {
    const state = storeState([primaryDown(), frozen('us-east'), frozen('ap-south')], {
      lease: { kind: 'expired' },
      runbook: { runbookId: 'orders/failover/eu-west/5', kind: 'failover', subject: 'eu-west', completed: ['await-fence:eu-west@7', 'freeze:us-east'] },
    });
    const plan = reconcile(state, NOW);
    assert.equal(plan.kind === 'run' && plan.runbookId, 'orders/failover/eu-west/5');
    assert.deepEqual(ids(plan).slice(0, 1), ['promote:us-east']);
  });

  it('the audit says the fence was awaited but the quorum shows that lease held: wait again', () => {
    const state = storeState([primaryDown(), member('us-east'), member('ap-south')], {
      runbook: { runbookId: 'orders/failover/eu-west/5', kind: 'failover', subject: 'eu-west', completed: ['await-fence:eu-west@7'] },
    });
    assert.ok(ids(reconcile(state, NOW)).includes('await-fence:eu-west@7'));
  });

  it('a runbook whose steps are all done is closed with an empty run', () => {
    const state = storeState([member('eu-west', { role: 'primary', needsRejoin: true, reachable: false }), usEastPrimary, streamingFromUsEast('ap-south')], {
      ...afterFailover,
      runbook: { runbookId: 'orders/failover/eu-west/5', kind: 'failover', subject: 'eu-west', completed: ['validate-write:us-east'] },
    });
    const plan = reconcile(state, NOW);
    assert.equal(plan.kind, 'run');
    assert.deepEqual(ids(plan), []);
  });

  it('a recorded primary missing from the members is a broken invariant', () => {
    assert.throws(() => reconcile(storeState([member('us-east')]), NOW), /invariant/);
  });
});
