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
  executePlan, planFailover, planRejoin, planSwitchover, runbookProgress, type Plan,
} from '../../../src/failover/index.ts';
import { MemoryAudit, type FakeCluster } from '../../../src/failover/testing/index.ts';
import { LSN } from './fixtures.ts';
import { TIMING, converge, endState, planNow, threeRegions, type Planner } from './world.ts';

interface Scenario {
  readonly name: string;
  /** Builds the world just before the runbook starts. */
  readonly setup: () => FakeCluster;
  readonly planner: Planner;
  readonly end: ReturnType<typeof endState>;
}

const failoverRegionDown: Scenario = {
  name: 'failover, primary region down',
  setup: () => {
    const c = threeRegions();
    c.failRegion('eu-west');
    return c;
  },
  planner: planFailover,
  end: { primary: 'us-east', writable: ['us-east'], dns: 'us-east', rejoin: ['eu-west'], following: ['ap-south<-us-east'] },
};

const failoverSync: Scenario = {
  name: 'failover in sync mode, the synchronous standby is behind an asynchronous one',
  setup: () => {
    const c = threeRegions({
      mode: 'sync',
      members: [
        { region: 'eu-west', role: 'primary', lsn: LSN('0/3000100') },
        { region: 'us-east', role: 'standby', lsn: LSN('0/3000060') },
        { region: 'ap-south', role: 'standby', lsn: LSN('0/3000010'), synchronous: true },
      ],
    });
    c.failDatabase('eu-west');
    return c;
  },
  planner: planFailover,
  // us-east holds WAL past ap-south's fork point: it is marked for rejoin, not repointed.
  end: { primary: 'ap-south', writable: ['ap-south'], dns: 'ap-south', rejoin: ['eu-west', 'us-east'], following: [] },
};

const switchover: Scenario = {
  name: 'planned switchover to us-east',
  setup: () => threeRegions(),
  planner: (state, now) => planSwitchover(state, 'us-east', now),
  end: { primary: 'us-east', writable: ['us-east'], dns: 'us-east', rejoin: [], following: ['eu-west<-us-east', 'ap-south<-us-east'] },
};

const rejoin: Scenario = {
  name: 'rejoin of the old primary after a failover',
  setup: () => {
    const c = threeRegions();
    c.failRegion('eu-west');
    c.newCoordinator();
    const plan = planFailover(c.snapshot(), c.clock.nowMs());
    if (plan.kind !== 'run') throw new Error(plan.kind);
    void executePlan(plan, { ...c.ports(), audit: new MemoryAudit(), clock: c.clock, timing: TIMING });
    return c;
  },
  planner: (state, now) => planRejoin(state, 'eu-west', now),
  end: { primary: 'us-east', writable: ['us-east'], dns: 'us-east', rejoin: [], following: ['eu-west<-us-east', 'ap-south<-us-east'] },
};

const scenarios = [failoverRegionDown, failoverSync, switchover, rejoin];

async function start(s: Scenario) {
  const cluster = s.setup();
  await settle();
  if (s === rejoin) cluster.restore('eu-west');
  const audit = new MemoryAudit();
  cluster.newCoordinator();
  const plan = planNow(cluster, audit, s.planner);
  if (plan.kind !== 'run') throw new Error(`${s.name}: expected a runbook, got ${plan.kind}: ${plan.reason}`);
  return { cluster, audit, plan };
}

/** Lets a fire-and-forget setup run finish (virtual clock: it never waits in real time). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const ids = (plan: Plan) => (plan.kind === 'run' ? plan.steps.map((s) => s.id) : []);
const stateChanges = (c: FakeCluster) => c.effects.map((e) => `${e.method} ${e.region}`);

describe('interrupted runbooks converge to the same end state', () => {
  for (const s of scenarios) {
    it(`${s.name}: uninterrupted`, async () => {
      const { cluster, audit, plan } = await start(s);
      const outcome = await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
      assert.equal(outcome.kind, 'completed');
      assert.deepEqual(endState(cluster), s.end);
      assert.deepEqual(cluster.violations, []);
      assert.equal(planNow(cluster, audit, s.planner).kind, 'noop');
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
        assert.deepEqual(progress?.completed, all.slice(0, k), `k=${k}: the audit shows what finished`);

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
    assert.deepEqual(ids(replan), ids(plan).slice(2));
    await converge(cluster, audit, planFailover);
    assert.deepEqual(endState(cluster), failoverRegionDown.end);
    assert.deepEqual(cluster.violations, []);
  });

  it('the old primary comes back before it was marked: it stays read-only and gets marked', async () => {
    const { cluster, audit, plan } = await start(failoverRegionDown);
    audit.afterAppend = (r) => {
      if (r.stepId === 'validate-write:us-east' && r.result === 'ok') cluster.loseCoordinator();
    };
    await executePlan(plan, { ...cluster.ports(), audit, clock: cluster.clock, timing: TIMING });
    cluster.restore('eu-west');
    assert.deepEqual(cluster.writablePrimaries(), ['us-east']);
    await converge(cluster, audit, planFailover);
    assert.deepEqual(endState(cluster), failoverRegionDown.end);
  });

  it('switchover: the target fails after writes were blocked; writes resume, and a later attempt completes', async () => {
    const { cluster, audit, plan } = await start(switchover);
    audit.afterAppend = (r) => {
      if (r.stepId === 'block-writes:eu-west' && r.result === 'ok') cluster.failDatabase('us-east');
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
