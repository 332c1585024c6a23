import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDbDrillReport, type DbDrillHistory, type DbDrillReport, type WriteOp } from '../../../src/drill/db/index.ts';
import { formatDbDrillReport } from '../../../src/drill/db/index.ts';
import { EU1, FAULT, US2, acked, cleanFailover, failed } from './scenario.ts';

interface Case {
  readonly name: string;
  readonly history: DbDrillHistory;
  /** Names of the checks that must fail (sorted); [] means the drill passes. */
  readonly failing: readonly string[];
  readonly check?: (r: DbDrillReport) => void;
}

const base = cleanFailover('region-outage');

/** The clean history plus `extra` ops; the extra acks from before the fault are on the survivor (they replicated). */
function withOps(drill: DbDrillHistory['drill'], extra: readonly WriteOp[], over: Partial<DbDrillHistory> = {}): DbDrillHistory {
  const h = cleanFailover(drill, over);
  const replicated = extra.filter((o) => o.outcome === 'ok' && o.ackedAtMs! <= FAULT).map((o) => o.id);
  return { ...h, ops: [...h.ops, ...extra], survivingIds: [...h.survivingIds, ...replicated] };
}
const mainOps = base.ops;
const lastBeforeFault = mainOps.filter((o) => o.outcome === 'ok' && o.ackedAtMs! <= FAULT).slice(-3).map((o) => o.id);

const cases: Case[] = [
  {
    name: 'clean sync failover: every check passes, RTO = first durable ack after − last ack before',
    history: base,
    failing: [],
    check: (r) => {
      assert.equal(r.rtoMs, FAULT + 3005 - (FAULT - 95));
      assert.equal(r.oldPrimary, 'eu-west/tl1/7301');
      assert.equal(r.newPrimary, 'us-east/tl2/7301');
      assert.equal(r.recoveredBy, 'failover');
      assert.deepEqual(r.clients, { main: { writes: 140, ok: 110, fail: 30, unknown: 0, skipped: 0 } });
      assert.equal(r.timeline[0]!.atMs, -3000, 'timeline is relative to the fault');
      assert.deepEqual(r.timeline.map((t) => t.step), ['warmup', 'store', 'fault', 'store', 'recovered', 'restored']);
    },
  },
  {
    name: 'async: the last three acks before the fault are missing on the survivor: rpo fails with their ids',
    history: { ...base, replication: 'async', survivingIds: base.survivingIds.filter((id) => !lastBeforeFault.includes(id)) },
    failing: ['rpo'],
    check: (r) => {
      assert.deepEqual(r.lostAckedWrites, { count: 3, firstIds: lastBeforeFault });
      assert.equal(r.rpoMs, 200);
    },
  },
  {
    name: 'a loss inside an RPO target above zero passes',
    history: { ...base, targets: { rtoMs: 30_000, rpoMs: 500 }, survivingIds: base.survivingIds.filter((id) => !lastBeforeFault.includes(id)) },
    failing: [],
  },
  {
    name: 'RTO over the target fails',
    history: { ...base, targets: { rtoMs: 1000, rpoMs: 0 } },
    failing: ['rto'],
  },
  {
    name: 'no recovery within the bound: recovered and rto fail',
    history: {
      ...base,
      ops: [...acked('main', 7000, FAULT, EU1), ...failed('main', FAULT, FAULT + 11_000)],
      survivingIds: acked('main', 7000, FAULT, EU1).map((o) => o.id),
      survivorsFrom: 'eu-west',
      recovery: { outcome: 'timedOut', afterMs: 60_000, detail: 'still waiting for a primary other than eu-west' },
    },
    failing: ['recovered', 'rto'],
    check: (r) => assert.match(r.reasons.join('\n'), /recovered: no recovery 60000 ms after the fault: still waiting for a primary other than eu-west\n/),
  },
  {
    name: 'no recovery because the coordinator\'s plan was blocked: the reason says so, the plans are in the timeline',
    history: {
      ...base,
      ops: [...acked('main', 7000, FAULT, EU1), ...failed('main', FAULT, FAULT + 11_000)],
      survivingIds: acked('main', 7000, FAULT, EU1).map((o) => o.id),
      survivorsFrom: 'eu-west',
      recovery: { outcome: 'timedOut', afterMs: 60_000, detail: 'still waiting for the store to report a reachable primary' },
      plans: [
        { atMs: 7500, agentRegion: 'us-east', kind: 'noop', reason: 'the primary eu-west is healthy' },
        { atMs: FAULT + 2500, agentRegion: 'us-east', kind: 'blocked', reason: 'sync mode and no synchronous standby can be promoted' },
      ],
    },
    failing: ['recovered', 'rto'],
    check: (r) => {
      assert.match(r.reasons[0]!, /; last plan \(us-east\): blocked: sync mode and no synchronous standby can be promoted$/);
      assert.ok(r.timeline.some((t) => t.step === 'plan (us-east)' && t.atMs === 2500));
    },
  },
  {
    name: 'a restart in place is no recovery for a region outage',
    history: { ...base, recovery: { outcome: 'settled', afterMs: 2000, primary: 'eu-west', by: 'restartInPlace', seenAtMs: FAULT + 2000 } },
    failing: ['recovered'],
  },
  {
    name: 'a restart in place is a recovery for a primary crash',
    history: { ...cleanFailover('primary-crash'), recovery: { outcome: 'settled', afterMs: 2000, primary: 'eu-west', by: 'restartInPlace', seenAtMs: FAULT + 2000 } },
    failing: [],
    check: (r) => assert.equal(r.recoveredBy, 'restartInPlace'),
  },
  {
    name: 'no primary to read survivors from: survivorsRead fails, and every ack counts as lost',
    history: { ...base, survivingIds: [], survivorsFrom: null },
    failing: ['rpo', 'rto', 'survivorsRead'],
  },
  {
    name: 'the old primary acks again after the heal: zombie acks, split brain and lost writes',
    history: (() => {
      const zombie = acked('pinned', FAULT + 8100, FAULT + 9000, EU1);
      return { ...base, ops: [...base.ops, ...zombie], skipped: { main: 0, pinned: 2 } };
    })(),
    failing: ['rpo', 'splitBrain', 'zombieAcks'],
    check: (r) => {
      assert.equal(r.zombieAcks.count, 9);
      assert.equal(r.zombieAcks.afterHealCount, 9);
      assert.deepEqual(r.clients.pinned, { writes: 9, ok: 9, fail: 0, unknown: 0, skipped: 2 });
    },
  },
  {
    name: 'no ack from the old primary before the fault: the baseline fails',
    history: { ...base, ops: base.ops.filter((o) => o.server?.region !== 'eu-west') },
    failing: ['baseline'],
  },
  {
    name: 'partition: the local client stops getting acks within the lease TTL',
    history: withOps('partition', [...acked('local', 7000, FAULT + 1500, EU1), ...failed('local', FAULT + 1500, FAULT + 8000, 'unknown')]),
    failing: ['rpo'], // its acks after the cut (async-like: FAULT…FAULT+1.5 s) are not on the survivor
    check: (r) => {
      assert.equal(r.lostAckedWrites.count, 15);
      const local = r.checks.find((c) => c.name === 'localAcksStopped')!;
      assert.equal(local.pass, true);
      assert.match(local.detail, /15 writes acknowledged while cut, the last 1405 ms after the cut, within the lease TTL 4000 ms/);
      assert.equal(r.unknowns.count, 65);
    },
  },
  {
    name: 'partition: local acks for longer than the lease TTL fail',
    history: withOps('partition', acked('local', 7000, FAULT + 5000, EU1)),
    failing: ['localAcksStopped', 'rpo', 'splitBrain', 'zombieAcks'],
  },
  {
    name: 'partition: acks after the heal are not the lease check\'s business (zombie and split-brain checks judge them)',
    history: withOps('partition', [...acked('local', 7000, FAULT, EU1), ...acked('local', FAULT + 8100, FAULT + 8500, EU1)]),
    failing: ['rpo', 'splitBrain', 'zombieAcks'],
    check: (r) => assert.match(r.checks.find((c) => c.name === 'localAcksStopped')!.detail, /no write acknowledged while it was cut/),
  },
  {
    name: 'partition: a local client that never got an ack proves nothing',
    history: withOps('partition', failed('local', 7000, FAULT + 5000)),
    failing: ['localAcksStopped'],
  },
  {
    name: 'primary-freeze: frozen longer than the lease, the thawed primary probed and refusing',
    history: withOps('primary-freeze', [...acked('pinned', 7000, FAULT, EU1), ...failed('pinned', FAULT, FAULT + 11_000)]),
    failing: [],
    check: (r) => assert.match(r.checks.find((c) => c.name === 'oldPrimaryProbedAfterThaw')!.detail, /29 writes sent straight to eu-west after the thaw, none acknowledged/),
  },
  {
    name: 'primary-freeze: thawed before the lease TTL, and nobody probed it',
    history: cleanFailover('primary-freeze', { restoredAtMs: FAULT + 3000 }),
    failing: ['frozenPastLease', 'oldPrimaryProbedAfterThaw'],
  },
  {
    name: 'coordinator-crash: killed mid-runbook',
    history: cleanFailover('coordinator-crash', {
      coordinatorKill: { region: 'us-east', killedAtMs: FAULT + 800, runbookId: 'orders/failover/eu-west/1', stepsDoneBeforeKill: ['shift-traffic:eu-west'] },
      runbookSteps: [{ runbookId: 'orders/failover/eu-west/1', stepId: 'promote:us-east', result: 'ok', startedAtMs: FAULT + 2500, endedAtMs: FAULT + 2700, seenBy: 'ap-south' }],
    }),
    failing: [],
    check: (r) => {
      assert.match(r.checks.find((c) => c.name === 'coordinatorKilledMidRunbook')!.detail, /us-east was killed 800 ms after the fault.*finished: shift-traffic:eu-west/);
      assert.ok(r.timeline.some((t) => t.step === 'runbook step promote:us-east' && t.atMs === 2500 && /ok after 200 ms/.test(t.detail)));
    },
  },
  {
    name: 'coordinator-crash: no runbook seen, so no coordinator was killed',
    history: cleanFailover('coordinator-crash'),
    failing: ['coordinatorKilledMidRunbook'],
  },
];

describe('buildDbDrillReport', () => {
  for (const c of cases) {
    it(c.name, () => {
      const report = buildDbDrillReport(c.history);
      const failing = report.checks.filter((k) => !k.pass).map((k) => k.name).sort();
      assert.deepEqual(failing, [...c.failing].sort(), report.reasons.join('\n'));
      assert.equal(report.pass, c.failing.length === 0);
      assert.equal(report.reasons.length, c.failing.length);
      c.check?.(report);
    });
  }

  it('is deterministic and JSON-safe: the same history gives the same report', () => {
    const a = buildDbDrillReport(base);
    assert.deepEqual(buildDbDrillReport(JSON.parse(JSON.stringify(base)) as DbDrillHistory), a);
    assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
  });

  it('agrees with the history checker on every history check', () => {
    for (const c of cases) {
      const r = buildDbDrillReport(c.history);
      const historyNames = new Set(['rto', 'rpo', 'splitBrain', 'zombieAcks', 'duplicates']);
      const ours = r.checks.filter((k) => historyNames.has(k.name)).every((k) => k.pass);
      assert.equal(ours, r.history.verdict.pass, c.name);
    }
  });
});

describe('formatDbDrillReport', () => {
  it('says the result, the numbers and every check', () => {
    const text = formatDbDrillReport(buildDbDrillReport(withOps('partition', acked('local', 7000, FAULT + 5000, EU1))));
    assert.match(text, /^Database drill partition on store orders \(sync replication, sql client\): eu-west\nResult: FAIL\n/);
    assert.match(text, /Primary: eu-west\/tl1\/7301 -> us-east\/tl2\/7301/);
    assert.match(text, /RTO 3\.10 s \(target 30\.00 s\), RPO 4\.90 s \(target 0 ms\)/);
    assert.match(text, /local {3}80 writes: 80 ok, 0 failed, 0 unknown/);
    assert.match(text, /-3\.00 s {2}warmup: load/);
    assert.match(text, /FAIL localAcksStopped: the client inside eu-west had 50 writes acknowledged while cut, the last 4905 ms after the cut \(lease TTL 4000 ms\)/);
    assert.match(text, /ok {3}baseline:/);
    void US2;
  });
});
