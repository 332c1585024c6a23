/** `meridian plan …` as text (plan-render.ts): named cases over the agents' answers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storePlanPreview } from '../../../src/agent/store/plan-preview.ts';
import { renderDrainPlan, renderStorePlan, type DrainPlanAnswer } from '../../../src/cli/plan-render.ts';
import { LSN, NOW, member, storeState } from '../failover/fixtures.ts';

const primary = member('eu-west', { role: 'primary', upstream: null, replayLsn: LSN('0/3000100') });
const healthy = storeState([primary, member('us-east', { replayLsn: LSN('0/3000060') }), member('ap-south', { replayLsn: LSN('0/3000010') })]);

interface Case {
  readonly name: string;
  readonly text: () => string;
  /** Lines (or parts of lines) the text must contain, in this order. */
  readonly says: readonly (string | RegExp)[];
}

const cases: Case[] = [
  {
    name: 'failover that would run: headline, verdict, the promotion with its WAL and timeline, numbered steps, the data at risk',
    text: () => renderStorePlan(storePlanPreview({ state: healthy, nowMs: NOW, settings: { automatic: true }, lagSeconds: new Map([['us-east', 0.5]]) })),
    says: [
      'dry run: failover of orders if its primary eu-west (0/3000100 on timeline 1) were lost now; nothing was changed',
      'verdict: the reconciler would run these steps by itself once the primary\'s lease has expired',
      /^promote: us-east at 0\/3000060 on timeline 1: us-east holds the most WAL/m,
      /^plan 1 of 2 \(run\): fail over orders away from eu-west .*\(then a new look at the frozen positions\)$/m,
      /^1 +await-fence:eu-west@7 +await-fence /m,
      /^4 +promote:us-east +promote /m,
      /^8 +mark-rejoin:eu-west +mark-rejoin /m,
      'data at risk now (each standby behind the primary):',
      /^us-east +160 +0\.5$/m,
      /^ap-south +240 +-$/m,
    ],
  },
  {
    name: 'failover with the capacity check of the primary\'s region',
    text: () => renderStorePlan({
      ...storePlanPreview({ state: healthy, nowMs: NOW, settings: { automatic: true } }),
      capacity: { region: 'eu-west', checks: [{ kind: 'undeclared', service: 'api' }, { kind: 'unmeasured', service: 'web', lost: ['eu-west'], why: 'no reading for eu-west: Prometheus down' }] },
    }),
    says: [
      'data at risk now',
      "capacity if eu-west were lost with the primary (its services' load moves to the other regions):",
      '  api: no capacity declared (services[].capacity)',
      '  web: no load measured yet: no reading for eu-west: Prometheus down',
    ],
  },
  {
    name: 'failover while paused: the wait with its code and how to resume',
    text: () => renderStorePlan(storePlanPreview({ state: { ...healthy, paused: { by: 'alice@ops', reason: 'upgrade', at: 'T' } }, nowMs: NOW, settings: { automatic: true } })),
    says: ['verdict: the reconciler would wait', /^waits \(paused\): paused by alice@ops at T \(upgrade\): .*meridian resume --store orders$/m],
  },
  {
    name: 'switchover to a region that cannot be chosen: why, and no steps',
    text: () => renderStorePlan(storePlanPreview({ state: storeState([primary, member('us-east', { upstream: null, follows: null })]), nowMs: NOW, settings: { automatic: true }, to: 'us-east' })),
    says: [
      'dry run: switchover of orders from eu-west (0/3000100 on timeline 1) to us-east; nothing was changed',
      'verdict: meridian switchover would be refused: this region cannot be chosen now',
      'waits: cannot switch over to us-east: us-east does not stream from the primary eu-west',
    ],
  },
  {
    name: 'drain refused by a rule: the rule, --force, what each service keeps',
    text: () => renderDrainPlan(drainAnswer(['rule min-healthy-regions: service two would have 1 healthy, undrained region(s), below its minHealthyRegions 2 (remaining: us-east)'])),
    says: [
      'dry run: drain eu-west from every service, judged by the agent of us-east at etcd revision 12; nothing was changed',
      'verdict: meridian traffic drain would be REFUSED; only --force (role admin) would apply it:',
      '  rule min-healthy-regions: service two',
      /^two +loses eu-west +healthy +us-east +2$/m,
      /^web +unchanged +drained by bob@ops +us-east, ap-south +1$/m,
    ],
  },
  {
    name: 'drain that would apply, with each service\'s capacity check after the table',
    text: () => renderDrainPlan(drainAnswer([])),
    says: [
      'verdict: meridian traffic drain would apply it',
      'capacity if eu-west is drained:',
      '  two: no load measured yet: no reading for eu-west: the first query has not answered yet',
      '  web: does not answer from eu-west: no load moves',
    ],
  },
  {
    name: 'drain already in force: unchanged, with who drained it',
    text: () => renderDrainPlan({ kind: 'unchanged', detail: 'eu-west is already drained by bob@ops', region: 'eu-west', revision: '3', judgedBy: 'eu-west' }),
    says: ['unchanged: eu-west is already drained by bob@ops'],
  },
];

function drainAnswer(refusals: string[]): DrainPlanAnswer {
  return {
    kind: 'drain', region: 'eu-west', revision: '12', judgedBy: 'us-east', refusals, refusedBy: [],
    services: [
      { service: 'two', loses: true, now: 'healthy', remaining: ['us-east'], minHealthyRegions: 2, capacity: { kind: 'unmeasured', service: 'two', lost: ['eu-west'], why: 'no reading for eu-west: the first query has not answered yet' } },
      { service: 'web', loses: false, now: 'drained by bob@ops', remaining: ['us-east', 'ap-south'], minHealthyRegions: 1, capacity: { kind: 'unaffected', service: 'web', lost: ['eu-west'] } },
    ],
  };
}

describe('plan rendering', () => {
  for (const c of cases) {
    it(c.name, () => {
      const text = c.text();
      let from = 0;
      for (const s of c.says) {
        const rest = text.slice(from);
        const at = typeof s === 'string' ? rest.indexOf(s) : rest.search(s);
        assert.ok(at >= 0, `${String(s)} after offset ${from} in:\n${text}`);
        from += at;
      }
    });
  }
});
