import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planRejoin, planSwitchover, type Plan, type StoreState } from '../../../src/failover/index.ts';
import { LSN, NOW, member, storeState } from './fixtures.ts';

const ids = (plan: Plan): string[] => (plan.kind === 'run' ? plan.steps.map((s) => s.id) : []);
const text = (plan: Plan): string => (plan.kind === 'run' ? [plan.summary, ...plan.steps.map((s) => s.reason)].join('\n') : plan.reason);

const primary = member('eu-west', { role: 'primary', upstream: null, replayLsn: LSN('0/3000100') });

interface Case {
  readonly name: string;
  readonly plan: () => Plan;
  readonly kind: Plan['kind'];
  readonly steps?: readonly string[];
  readonly says?: string;
}

const open = (kind: 'switchover' | 'rejoin' | 'failover', subject: string, completed: string[] = []): Partial<StoreState> => ({
  runbook: { runbookId: `orders/${kind}/${subject}/1`, kind, subject, completed },
});

const switchoverCases: Case[] = [
  {
    name: 'healthy primary and standby: the whole zero-loss sequence, demote before promote',
    plan: () => planSwitchover(storeState([primary, member('us-east'), member('ap-south')]), 'us-east', NOW),
    kind: 'run',
    steps: [
      'await-catchup:us-east<-eu-west:16777216',
      'block-writes:eu-west',
      'await-fence:eu-west@7',
      'demote:eu-west->us-east',
      'await-catchup:us-east<-eu-west:0',
      'promote:us-east',
      'repoint:ap-south->us-east',
      'switch-dns:primary.orders.db->us-east',
      'validate-write:us-east',
    ],
  },
  {
    name: 'target not eligible: blocked before anything is touched',
    plan: () => planSwitchover(storeState([primary, member('us-east', { eligibility: { eligible: false, reason: 'replay-stalled' } })]), 'us-east', NOW),
    kind: 'blocked',
    says: 'us-east is not eligible: replay-stalled',
  },
  {
    name: 'target on another timeline: blocked',
    plan: () => planSwitchover(storeState([primary, member('us-east', { timeline: 2 })]), 'us-east', NOW),
    kind: 'blocked',
    says: 'us-east is on timeline 2, the primary on 1',
  },
  {
    name: 'primary down: a switchover is the wrong tool',
    plan: () => planSwitchover(storeState([{ ...primary, reachable: false }, member('us-east')]), 'us-east', NOW),
    kind: 'blocked',
    says: 'the reconciler fails the store over by itself',
  },
  {
    name: 'unknown target: blocked',
    plan: () => planSwitchover(storeState([primary, member('us-east')]), 'mars', NOW),
    kind: 'blocked',
    says: 'mars is not a member of orders',
  },
  {
    name: 'target already primary, nothing open: noop',
    plan: () => planSwitchover(storeState([primary, member('us-east')]), 'eu-west', NOW),
    kind: 'noop',
  },
  {
    name: 'writes blocked, then the target went away: writes resume on the old primary',
    plan: () => planSwitchover(
      storeState([primary, member('us-east', { reachable: false })], open('switchover', 'us-east', ['await-catchup:us-east<-eu-west:16777216', 'block-writes:eu-west'])),
      'us-east', NOW,
    ),
    kind: 'run',
    steps: ['resume-writes:eu-west'],
    says: 'switchover to us-east aborted: us-east does not answer',
  },
  {
    name: 'old primary demoted, then the target went away: the old primary takes the role back',
    plan: () => planSwitchover(
      storeState([{ ...primary, role: 'standby', upstream: 'us-east' }, member('us-east', { reachable: false, upstream: null }), member('ap-south')], open('switchover', 'us-east')),
      'us-east', NOW,
    ),
    kind: 'run',
    steps: ['promote:eu-west', 'validate-write:eu-west'],
  },
  {
    name: 'an aborted attempt resumed writes, the target is back: the whole sequence again',
    plan: () => planSwitchover(
      storeState([primary, member('us-east'), member('ap-south')], open('switchover', 'us-east', ['await-catchup:us-east<-eu-west:16777216', 'block-writes:eu-west', 'resume-writes:eu-west'])),
      'us-east', NOW,
    ),
    kind: 'run',
    steps: [
      'await-catchup:us-east<-eu-west:16777216', 'block-writes:eu-west', 'await-fence:eu-west@7', 'demote:eu-west->us-east',
      'await-catchup:us-east<-eu-west:0', 'promote:us-east', 'repoint:ap-south->us-east', 'switch-dns:primary.orders.db->us-east', 'validate-write:us-east',
    ],
  },
  {
    name: 'target already primary in an open switchover, another member still runs as a writable primary: fenced, marked and rebuilt, not demoted',
    plan: () => planSwitchover(
      storeState(
        [member('eu-west', { role: 'primary', upstream: null }), member('us-east', { role: 'primary', upstream: null, timeline: 2 }), member('ap-south', { upstream: 'us-east', timeline: 2 })],
        { primary: { region: 'us-east', token: 12n }, dns: { name: 'primary.orders.db', target: 'us-east' }, ...open('switchover', 'us-east', ['validate-write:us-east']) },
      ),
      'us-east', NOW,
    ),
    kind: 'run',
    steps: ['fence:eu-west', 'mark-rejoin:eu-west', 'rejoin:eu-west<-us-east:rewind'],
  },
  {
    name: 'another runbook is unfinished: the operator is not blocked, a new switchover runbook replaces it',
    plan: () => planSwitchover(storeState([primary, member('us-east'), member('ap-south')], open('failover', 'ap-south')), 'us-east', NOW),
    kind: 'run',
    says: 'switch orders over from eu-west to us-east',
  },
];

const rejoinCases: Case[] = [
  {
    name: 'old primary back as a zombie primary: mark it, rewind it, check it streams',
    plan: () => planRejoin(
      storeState(
        [member('eu-west', { role: 'primary', upstream: null }), member('us-east', { role: 'primary', upstream: null, timeline: 2 }), member('ap-south', { upstream: 'us-east', timeline: 2 })],
        { primary: { region: 'us-east', token: 12n } },
      ),
      'eu-west', NOW,
    ),
    kind: 'run',
    steps: ['fence:eu-west', 'mark-rejoin:eu-west', 'rejoin:eu-west<-us-east:rewind', 'await-catchup:eu-west<-us-east:16777216'],
  },
  {
    name: 'old primary back, fenced by its agent: no fence step',
    plan: () => planRejoin(
      storeState(
        [member('eu-west', { role: 'primary', upstream: null, writable: false }), member('us-east', { role: 'primary', upstream: null, timeline: 2 }), member('ap-south', { upstream: 'us-east', timeline: 2 })],
        { primary: { region: 'us-east', token: 12n } },
      ),
      'eu-west', NOW,
    ),
    kind: 'run',
    steps: ['mark-rejoin:eu-west', 'rejoin:eu-west<-us-east:rewind', 'await-catchup:eu-west<-us-east:16777216'],
  },
  {
    name: 'already marked, base backup asked for',
    plan: () => planRejoin(
      storeState([member('eu-west', { role: 'primary', upstream: null, needsRejoin: true, writable: false }), member('us-east', { role: 'primary', upstream: null, timeline: 2 })], { primary: { region: 'us-east', token: 12n } }),
      'eu-west', NOW, { method: 'base-backup' },
    ),
    kind: 'run',
    steps: ['rejoin:eu-west<-us-east:base-backup', 'await-catchup:eu-west<-us-east:16777216'],
    says: 'a new base backup',
  },
  {
    name: 'already a healthy standby of the primary: noop',
    plan: () => planRejoin(storeState([primary, member('us-east')]), 'us-east', NOW),
    kind: 'noop',
  },
  {
    name: 'the primary itself: blocked',
    plan: () => planRejoin(storeState([primary, member('us-east')]), 'eu-west', NOW),
    kind: 'blocked',
    says: 'eu-west is the primary',
  },
  {
    name: 'member unreachable: blocked, and the refusal names the way out',
    plan: () => planRejoin(storeState([primary, member('us-east', { reachable: false, needsRejoin: true })]), 'us-east', NOW),
    kind: 'blocked',
    says: 'meridian db rejoin --store orders --region us-east --force',
  },
  {
    name: 'member unreachable over SQL, --force: its agent is asked to rebuild it',
    plan: () => planRejoin(storeState([primary, member('us-east', { reachable: false, needsRejoin: true })]), 'us-east', NOW, { force: true }),
    kind: 'run',
    steps: ['rejoin:us-east<-eu-west:rewind', 'await-catchup:us-east<-eu-west:16777216'],
  },
  {
    name: 'primary not healthy: blocked, the reconciler fails over by itself',
    plan: () => planRejoin(storeState([{ ...primary, reachable: false }, member('us-east', { needsRejoin: true })]), 'us-east', NOW),
    kind: 'blocked',
    says: 'the reconciler fails over or finishes the promotion by itself',
  },
  {
    name: 'an unfinished failover runbook does not block an operator\'s rejoin (the incident\'s dead end)',
    plan: () => planRejoin(
      storeState(
        [member('eu-west', { role: 'primary', upstream: null, writable: false, needsRejoin: true }), member('us-east', { role: 'primary', upstream: null, timeline: 2 }), member('ap-south', { diverged: true })],
        { primary: { region: 'us-east', token: 12n }, ...open('failover', 'eu-west', ['await-fence:eu-west@7']) },
      ),
      'ap-south', NOW,
    ),
    kind: 'run',
    steps: ['rejoin:ap-south<-us-east:rewind', 'await-catchup:ap-south<-us-east:16777216'],
  },
];

describe('planSwitchover', () => {
  for (const c of switchoverCases) it(c.name, () => check(c));
});

describe('planRejoin', () => {
  for (const c of rejoinCases) it(c.name, () => check(c));
});

function check(c: Case): void {
  const plan = c.plan();
  assert.equal(plan.kind, c.kind, text(plan));
  if (c.steps) assert.deepEqual(ids(plan), c.steps);
  if (c.says) assert.ok(text(plan).includes(c.says), `expected "${c.says}" in:\n${text(plan)}`);
}
