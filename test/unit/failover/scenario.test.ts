/**
 * Interrupted runbooks (STYLE.md rule 7): run a plan, stop it after every possible number of
 * steps (coordinator lease lost, or a crash between a step's effect and its record), let a new
 * coordinator re-plan from the audit and the state, and check that
 *  - the re-plan is exactly the remaining steps (or, after a crash mid-step, at most that one again),
 *  - the end state is the same as an uninterrupted run: one primary, the best one, DNS at it,
 *    the old primary marked for rejoin, the other standbys following,
 *  - no safety violation ever happened and no state-changing effect was applied twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  executePlan, planRejoin, planSwitchover, runbookProgress, type Plan,
} from '../../../src/failover/index.ts';
import { MemoryAudit, type FakeCluster } from '../../../src/failover/testing/index.ts';
import { LSN } from './fixtures.ts';
import { TIMING, converge, endState, planNow, reconciler, threeRegions, type Planner } from './world.ts';

const planFailover = reconciler();

/**
 * The failover's first plan fences the old primary and freezes the standbys; the choice comes
 * from a second look. Runs that first plan, so the scenario starts where the promotion is planned.
 */
async function frozenForFailover(c: FakeCluster, audit: MemoryAudit): Promise<void> {
  c.newCoordinator();
  const plan = planNow(c, audit, planFailover);
  if (plan.kind !== 'run' || !plan.steps.some((s) => s.kind === 'freeze')) throw new Error(`expected a freeze plan, got ${JSON.stringify(plan.kind === 'run' ? plan.steps.map((s) => s.id) : plan)}`);
  const outcome = await executePlan(plan, { ...c.ports(), audit, clock: c.clock, timing: TIMING });
  if (outcome.kind !== 'completed') throw new Error(`freeze plan: ${outcome.kind}`);
}

interface Scenario {
  readonly name: string;
  /** Builds the world just before the runbook starts. */
  readonly setup: (audit: MemoryAudit) => FakeCluster | Promise<FakeCluster>;
  readonly planner: Planner;
  readonly end: ReturnType<typeof endState>;
}

const failoverRegionDown: Scenario = {
  name: 'failover, primary region down',
  setup: async (audit) => {
    const c = threeRegions();
    c.failRegion('eu-west');
    await frozenForFailover(c, audit);
    return c;
  },
  planner: planFailover,
  end: { primary: 'us-east', writable: ['us-east'], dns: 'us-east', rejoin: ['eu-west'], following: ['ap-south<-us-east'] },
};

const failoverSync: Scenario = {
  name: 'failover in sync mode (ANY 1 of ap-south); the asynchronous us-east holds more than the floor',
  setup: async (audit) => {
    const c = threeRegions({
      mode: 'sync',
      members: [
        { region: 'eu-west', role: 'primary', lsn: LSN('0/3000100') },
        { region: 'us-east', role: 'standby', lsn: LSN('0/3000060') },
        { region: 'ap-south', role: 'standby', lsn: LSN('0/3000010'), synchronous: true },
      ],
    });
    c.failDatabase('eu-west');
    await frozenForFailover(c, audit);
    return c;
  },
  planner: planFailover,
  // eu-west's agent starts its stopped database as a standby; it holds WAL past the fork: rebuilt.
  end: { primary: 'us-east', writable: ['us-east'], dns: 'us-east', rejoin: [], following: ['eu-west<-us-east', 'ap-south<-us-east'] },
};

const switchover: Scenario = {
  name: 'planned switchover to us-east',
  setup: () => threeRegions(),
  planner: (state, now) => planSwitchover(state, 'us-east', now),
  end: { primary: 'us-east', writable: ['us-east'], dns: 'us-east', rejoin: [], following: ['eu-west<-us-east', 'ap-south<-us-east'] },
};

const rejoin: Scenario = {
  name: 'rejoin of the old primary after a failover',
  setup: async () => {
    const c = threeRegions();
    c.failRegion('eu-west');
    await converge(c, new MemoryAudit(), reconciler({ autoRejoin: false }));
    return c;
  },
  planner: (state, now) => planRejoin(state, 'eu-west', now),
  end: { primary: 'us-east', writable: ['us-east'], dns: 'us-east', rejoin: [], following: ['eu-west<-us-east', 'ap-south<-us-east'] },
};

const scenarios = [failoverRegionDown, failoverSync, switchover, rejoin];

async function start(s: Scenario) {
  const audit = new MemoryAudit();
  const cluster = await s.setup(audit);
  if (s === rejoin) cluster.restore('eu-west');
  cluster.newCoordinator();
  const plan = planNow(cluster, audit, s.planner);
  if (plan.kind !== 'run') throw new Error(`${s.name}: expected a runbook, got ${plan.kind}: ${plan.reason}`);
  return { cluster, audit, plan };
}

const ids = (plan: Plan) => (plan.kind === 'run' ? plan.steps.map((s) => s.id) : []);
const stateChanges = (c: FakeCluster) => c.effects.map((e) => `${e.method} ${e.region}`);

describe('interrupted runbooks converge to the same end state', () => {
  for (const s of scenarios) {
    it(`${s.name}: uninterrupted`, async () => {
      const { cluster, audit, plan } = await start(s);
      const outcome = await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
      assert.equal(outcome.kind, 'completed');
      // What the members' agents do next (a stopped old primary started as a standby) can take more ticks.
      assert.equal((await converge(cluster, audit, s.planner)).kind, 'noop');
      assert.deepEqual(endState(cluster), s.end);
      assert.deepEqual(cluster.violations, []);
    });

    it(`${s.name}: coordinator lost after every step, re-planned from audit + state`, async () => {
      const { plan: reference } = await start(s);
      const all = ids(reference);
      for (let k = 0; k <= all.length; k++) {
        const { cluster, audit, plan } = await start(s);
        let done = 0;
        audit.afterAppend = (r) => {
          if (r.kind !== 'runbook' && r.result === 'ok' && ++done === k) cluster.loseCoordinator();
        };
        if (k === 0) cluster.loseCoordinator();
        const first = await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
        assert.equal(first.kind, k === all.length ? 'completed' : 'stopped', `k=${k}`);
        audit.afterAppend = undefined;
        const changesBefore = stateChanges(cluster);

        cluster.newCoordinator();
        const replan = planNow(cluster, audit, s.planner);
        if (k < all.length) {
          assert.deepEqual(ids(replan), all.slice(k), `k=${k}: the re-plan is the remaining steps`);
          assert.equal(replan.kind === 'run' && replan.runbookId, plan.runbookId, `k=${k}: same runbook`);
        }
        await converge(cluster, audit, s.planner);
        assert.deepEqual(endState(cluster), s.end, `k=${k}`);
        assert.deepEqual(cluster.violations, [], `k=${k}`);
        const changesAfter = stateChanges(cluster).slice(changesBefore.length);
        for (const change of changesAfter) assert.ok(!changesBefore.includes(change), `k=${k}: ${change} applied twice`);
      }
    });

    it(`${s.name}: crash between a step's effect and its record, after every step`, async () => {
      const { plan: reference } = await start(s);
      const all = ids(reference);
      for (let k = 0; k < all.length; k++) {
        const { cluster, audit, plan } = await start(s);
        audit.failWhen = (r) => r.stepId === all[k] && r.result === 'ok';
        const first = await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
        assert.equal(first.kind, 'unrecorded', `k=${k}`);
        audit.failWhen = undefined;
        const progress = runbookProgress(audit.records);
        const ofThisPlan = (progress?.completed ?? []).filter((id) => all.includes(id));
        assert.deepEqual(ofThisPlan, all.slice(0, k), `k=${k}: the audit shows what finished`);

        cluster.newCoordinator();
        const replan = ids(planNow(cluster, audit, s.planner));
        const remaining = all.slice(k);
        assert.ok(
          JSON.stringify(replan) === JSON.stringify(remaining) || JSON.stringify(replan) === JSON.stringify(remaining.slice(1)),
          `k=${k}: ${replan.join(', ')} is not what remains (${remaining.join(', ')})`,
        );
        await converge(cluster, audit, s.planner);
        assert.deepEqual(endState(cluster), s.end, `k=${k}`);
        assert.deepEqual(cluster.violations, [], `k=${k}`);
      }
    });

    it(`${s.name}: audit lost entirely, re-planned from the state alone`, async () => {
      const { plan: reference } = await start(s);
      for (let k = 0; k <= reference.steps.length; k++) {
        const { cluster, audit, plan } = await start(s);
        let done = 0;
        audit.afterAppend = (r) => {
          if (r.kind !== 'runbook' && r.result === 'ok' && ++done === k) cluster.loseCoordinator();
        };
        if (k === 0) cluster.loseCoordinator();
        await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
        await converge(cluster, new MemoryAudit(), s.planner);
        assert.deepEqual(endState(cluster), s.end, `k=${k}`);
        assert.deepEqual(cluster.violations, [], `k=${k}`);
      }
    });
  }

  it('promotion recorded but the coordinator died before pg_promote: the next one promotes the same standby', async () => {
    const { cluster, audit, plan } = await start(failoverRegionDown);
    cluster.failNext('promote', 'half');
    const first = await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
    assert.equal(first.kind, 'failed');
    assert.equal(cluster.record.region, 'us-east');
    assert.deepEqual(cluster.writablePrimaries(), []);
    cluster.newCoordinator();
    const replan = planNow(cluster, audit, planFailover);
    assert.deepEqual(ids(replan), ids(plan), 'promote again, no new fence');
    assert.ok(!ids(plan).some((id) => id.startsWith('await-fence')));
    await converge(cluster, audit, planFailover);
    assert.deepEqual(endState(cluster), failoverRegionDown.end);
    assert.deepEqual(cluster.violations, []);
  });

  it('the old primary comes back before it was marked: it stays read-only, is marked and rebuilt as a standby', async () => {
    const { cluster, audit, plan } = await start(failoverRegionDown);
    audit.afterAppend = (r) => {
      if (r.stepId === 'validate-write:us-east' && r.result === 'ok') cluster.loseCoordinator();
    };
    await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
    cluster.restore('eu-west');
    assert.deepEqual(cluster.writablePrimaries(), ['us-east']);
    await converge(cluster, audit, planFailover);
    assert.deepEqual(endState(cluster), { ...failoverRegionDown.end, rejoin: [], following: ['eu-west<-us-east', 'ap-south<-us-east'] });
    assert.deepEqual(cluster.violations, []);
  });

  it('switchover: the target fails after writes were blocked; writes resume, and a later attempt completes', async () => {
    const { cluster, audit, plan } = await start(switchover);
    audit.afterAppend = (r) => {
      if (r.stepId === 'block-writes:eu-west' && r.result === 'ok') cluster.failDatabase('us-east', 'frozen');
    };
    const first = await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
    assert.equal(first.kind, 'failed', 'the exact catch-up cannot complete against a dead target');
    audit.afterAppend = undefined;
    assert.deepEqual(cluster.writablePrimaries(), [], 'writes are blocked');
    const toUsEast: Planner = (state, now) => planSwitchover(state, 'us-east', now);
    const aborted = await converge(cluster, audit, toUsEast);
    assert.equal(aborted.kind, 'blocked');
    assert.deepEqual(cluster.writablePrimaries(), ['eu-west'], 'the abort gave writes back to eu-west');
    cluster.restore('us-east');
    const done = await converge(cluster, audit, toUsEast);
    assert.equal(done.kind, 'noop', JSON.stringify(done));
    assert.deepEqual(endState(cluster), switchover.end);
    assert.deepEqual(cluster.violations, []);
  });
});
