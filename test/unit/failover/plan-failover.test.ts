import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFailover, type Plan, type StoreState } from '../../../src/failover/index.ts';
import { LSN, NOW, member, primaryDown, storeState } from './fixtures.ts';

const ids = (plan: Plan): string[] => (plan.kind === 'run' ? plan.steps.map((s) => s.id) : []);
const promoted = (plan: Plan): string | undefined =>
  plan.kind === 'run' ? plan.steps.find((s) => s.kind === 'promote')?.id.replace('promote:', '') : undefined;

const healthyPrimary = member('eu-west', { role: 'primary', upstream: null, replayLsn: LSN('0/3000100') });

interface Case {
  readonly name: string;
  readonly state: StoreState;
  readonly kind: Plan['kind'];
  readonly promote?: string;
  readonly steps?: readonly string[];
  /** Substrings the plan's reason (or the promote step's reason) must contain. */
  readonly says?: readonly string[];
}

const cases: Case[] = [
  {
    name: 'healthy primary, everything in line: noop',
    state: storeState([healthyPrimary, member('us-east'), member('ap-south')]),
    kind: 'noop',
    says: ['eu-west is the healthy primary'],
  },
  {
    name: 'region down by quorum: the full runbook, highest LSN promoted',
    state: storeState([
      primaryDown(),
      member('us-east', { replayLsn: LSN('0/3000060') }),
      member('ap-south', { replayLsn: LSN('0/3000010') }),
    ]),
    kind: 'run',
    promote: 'us-east',
    steps: [
      'shift-traffic:eu-west',
      'await-fence:eu-west@7',
      'promote:us-east',
      'repoint:ap-south->us-east',
      'switch-dns:primary.orders.db->us-east',
      'validate-write:us-east',
      'mark-rejoin:eu-west',
    ],
    says: ['us-east has the highest replayed LSN 0/3000060 on timeline 1', 'ap-south 0/3000010', 'up to 160 bytes of WAL may be lost'],
  },
  {
    name: 'database down, region up: also a failover',
    state: storeState([
      primaryDown({ regionDownByQuorum: false }),
      member('us-east', { replayLsn: LSN('0/3000060') }),
      member('ap-south', { replayLsn: LSN('0/3000080') }),
    ]),
    kind: 'run',
    promote: 'ap-south',
  },
  {
    name: 'equal LSNs: topology order breaks the tie',
    state: storeState([primaryDown(), member('us-east'), member('ap-south')]),
    kind: 'run',
    promote: 'us-east',
  },
  {
    name: 'the most advanced standby is ineligible (replay stalled): next best, never by label',
    state: storeState([
      primaryDown(),
      member('us-east', { replayLsn: LSN('0/3000090'), eligibility: { eligible: false, reason: 'replay-stalled' } }),
      member('ap-south', { replayLsn: LSN('0/3000010') }),
    ]),
    kind: 'run',
    promote: 'ap-south',
    // us-east replayed past ap-south's position: it cannot follow ap-south's new timeline.
    steps: [
      'shift-traffic:eu-west', 'await-fence:eu-west@7', 'promote:ap-south',
      'switch-dns:primary.orders.db->ap-south', 'validate-write:ap-south', 'mark-rejoin:eu-west', 'mark-rejoin:us-east',
    ],
    says: ['us-east: not eligible: replay-stalled'],
  },
  {
    name: 'a behind standby is not promoted when a better one is reachable, whatever the order',
    state: storeState([primaryDown(), member('us-east', { replayLsn: LSN('0/2000000') }), member('ap-south', { replayLsn: LSN('0/3000000') })]),
    kind: 'run',
    promote: 'ap-south',
  },
  {
    name: 'older timeline loses even with a higher LSN',
    state: storeState([
      primaryDown({ timeline: 2 }),
      member('us-east', { timeline: 1, replayLsn: LSN('0/9000000') }),
      member('ap-south', { timeline: 2, replayLsn: LSN('0/3000000') }),
    ]),
    kind: 'run',
    promote: 'ap-south',
    says: ['us-east: on timeline 1, older than 2'],
  },
  {
    name: 'unreachable and region-down standbys are skipped',
    state: storeState([
      primaryDown(),
      member('us-east', { reachable: false, replayLsn: LSN('0/9000000') }),
      member('ap-south', { replayLsn: LSN('0/3000000') }),
    ]),
    kind: 'run',
    promote: 'ap-south',
    steps: ['shift-traffic:eu-west', 'await-fence:eu-west@7', 'promote:ap-south', 'switch-dns:primary.orders.db->ap-south', 'validate-write:ap-south', 'mark-rejoin:eu-west'],
  },
  {
    name: 'no standby eligible: blocked with every reason',
    state: storeState([
      primaryDown(),
      member('us-east', { reachable: false }),
      member('ap-south', { eligibility: { eligible: false, reason: 'timeline-diverged', detail: 'forked at 0/2000000' } }),
    ]),
    kind: 'blocked',
    says: ['region eu-west is down by quorum', 'us-east: unreachable', 'ap-south: not eligible: timeline-diverged (forked at 0/2000000)'],
  },
  {
    name: 'sync mode: the synchronous standby wins over a more advanced asynchronous one',
    state: storeState(
      [primaryDown(), member('us-east', { replayLsn: LSN('0/3000090') }), member('ap-south', { replayLsn: LSN('0/3000010'), synchronous: true })],
      { mode: 'sync' },
    ),
    kind: 'run',
    promote: 'ap-south',
    says: ['a synchronous standby (it holds every acknowledged write)', 'us-east: asynchronous'],
  },
  {
    name: 'sync mode, no synchronous standby left: blocked rather than lose acknowledged writes',
    state: storeState(
      [primaryDown(), member('us-east', { replayLsn: LSN('0/3000090') }), member('ap-south', { synchronous: true, reachable: false })],
      { mode: 'sync' },
    ),
    kind: 'blocked',
    says: ['could lose acknowledged writes'],
  },
  {
    name: 'lease already expired: the fence step is still planned (the executor re-checks it)',
    state: storeState([primaryDown(), member('us-east'), member('ap-south')], { lease: { kind: 'expired' } }),
    kind: 'run',
    promote: 'us-east',
    says: ['already reports it expired'],
  },
  {
    name: 'DNS already points at the candidate: no DNS step',
    state: storeState([primaryDown(), member('us-east'), member('ap-south')], { dns: { name: 'primary.orders.db', target: 'us-east' } }),
    kind: 'run',
    steps: ['shift-traffic:eu-west', 'await-fence:eu-west@7', 'promote:us-east', 'repoint:ap-south->us-east', 'validate-write:us-east', 'mark-rejoin:eu-west'],
  },
  {
    name: 'old primary already marked: no mark step',
    state: storeState([primaryDown({ needsRejoin: true }), member('us-east'), member('ap-south')]),
    kind: 'run',
    steps: ['shift-traffic:eu-west', 'await-fence:eu-west@7', 'promote:us-east', 'repoint:ap-south->us-east', 'switch-dns:primary.orders.db->us-east', 'validate-write:us-east'],
  },
  {
    name: 'recorded primary runs as a standby (promotion interrupted): promote it again, no fence',
    state: storeState(
      [
        primaryDown({ region: 'eu-west', reachable: false }),
        member('us-east', { role: 'standby', upstream: null, replayLsn: LSN('0/3000060') }),
        member('ap-south', { replayLsn: LSN('0/3000010') }),
      ],
      { primary: { region: 'us-east', token: 12n }, lease: { kind: 'held', token: 12n, validUntilMs: NOW + 2000 } },
    ),
    kind: 'run',
    steps: ['promote:us-east', 'repoint:ap-south->us-east', 'switch-dns:primary.orders.db->us-east', 'validate-write:us-east', 'mark-rejoin:eu-west'],
  },
  {
    name: 'healthy primary, a former primary came back still running as primary: mark it',
    state: storeState(
      [member('eu-west', { role: 'primary', upstream: null }), member('us-east', { role: 'primary', upstream: null, timeline: 2 }), member('ap-south', { upstream: 'us-east', timeline: 2 })],
      { primary: { region: 'us-east', token: 12n }, dns: { name: 'primary.orders.db', target: 'us-east' } },
    ),
    kind: 'run',
    steps: ['mark-rejoin:eu-west'],
    says: ['eu-west still runs as a primary'],
  },
  {
    name: 'healthy primary, a standby came back streaming from the old one: repoint only',
    state: storeState(
      [member('eu-west', { needsRejoin: true, reachable: false }), member('us-east', { role: 'primary', upstream: null, timeline: 2 }), member('ap-south', { upstream: 'eu-west' })],
      { primary: { region: 'us-east', token: 12n }, dns: { name: 'primary.orders.db', target: 'us-east' } },
    ),
    kind: 'run',
    steps: ['repoint:ap-south->us-east'],
  },
  {
    name: 'healthy primary while a switchover is unfinished: leave it to the switchover planner',
    state: storeState([healthyPrimary, member('us-east'), member('ap-south')], {
      runbook: { runbookId: 'orders/switchover/us-east/1', kind: 'switchover', subject: 'us-east', completed: [] },
    }),
    kind: 'noop',
    says: ['switchover runbook orders/switchover/us-east/1 is unfinished'],
  },
];

describe('planFailover', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planFailover(c.state, NOW);
      assert.equal(plan.kind, c.kind, JSON.stringify(plan, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
      if (c.promote) assert.equal(promoted(plan), c.promote);
      if (c.steps) assert.deepEqual(ids(plan), c.steps);
      const text = plan.kind === 'run' ? [plan.summary, ...plan.steps.map((s) => s.reason)].join('\n') : plan.reason;
      for (const phrase of c.says ?? []) assert.ok(text.includes(phrase), `expected "${phrase}" in:\n${text}`);
    });
  }

  it('every step carries a reason, and the plan the coordinator token', () => {
    const plan = planFailover(storeState([primaryDown(), member('us-east'), member('ap-south')]), NOW);
    assert.equal(plan.kind, 'run');
    if (plan.kind !== 'run') return;
    assert.equal(plan.token, 9n);
    for (const s of plan.steps) assert.ok(s.reason.length > 20, `${s.id} has a reason`);
  });

  it('sync mode with allowDataLossInSyncMode promotes the best asynchronous standby', () => {
    const state = storeState([primaryDown(), member('us-east', { replayLsn: LSN('0/3000090') }), member('ap-south')], { mode: 'sync' });
    const plan = planFailover(state, NOW, { allowDataLossInSyncMode: true });
    assert.equal(promoted(plan), 'us-east');
  });

  it('continues the unfinished runbook: same id, completed wait steps dropped', () => {
    const state = storeState([primaryDown(), member('us-east'), member('ap-south')], {
      lease: { kind: 'expired' },
      runbook: { runbookId: 'orders/failover/eu-west/5', kind: 'failover', subject: 'eu-west', completed: ['shift-traffic:eu-west', 'await-fence:eu-west@7'] },
    });
    const plan = planFailover(state, NOW);
    assert.equal(plan.kind === 'run' && plan.runbookId, 'orders/failover/eu-west/5');
    assert.deepEqual(ids(plan).slice(0, 1), ['promote:us-east']);
  });

  it('the audit says the fence was awaited but the quorum shows that lease held: wait again', () => {
    const state = storeState([primaryDown(), member('us-east'), member('ap-south')], {
      runbook: { runbookId: 'orders/failover/eu-west/5', kind: 'failover', subject: 'eu-west', completed: ['await-fence:eu-west@7'] },
    });
    assert.ok(ids(planFailover(state, NOW)).includes('await-fence:eu-west@7'));
  });

  it('a runbook whose steps are all done is closed with an empty run', () => {
    const state = storeState(
      [member('eu-west', { needsRejoin: true, reachable: false }), member('us-east', { role: 'primary', upstream: null, timeline: 2 }), member('ap-south', { upstream: 'us-east', timeline: 2 })],
      {
        primary: { region: 'us-east', token: 12n },
        dns: { name: 'primary.orders.db', target: 'us-east' },
        runbook: { runbookId: 'orders/failover/eu-west/5', kind: 'failover', subject: 'eu-west', completed: ['validate-write:us-east'] },
      },
    );
    const plan = planFailover(state, NOW);
    assert.equal(plan.kind, 'run');
    assert.deepEqual(ids(plan), []);
  });

  it('a recorded primary missing from the members is a broken invariant', () => {
    assert.throws(() => planFailover(storeState([member('us-east')]), NOW), /invariant/);
  });
});
