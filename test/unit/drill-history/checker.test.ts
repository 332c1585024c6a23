import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHistory, type HistoryInput, type HistoryOp, type HistoryReport, type ServerIdentity } from '../../../src/drill/history/index.ts';

const EU1: ServerIdentity = { region: 'eu-west', timeline: 1, systemId: '7301' };
const US2: ServerIdentity = { region: 'us-east', timeline: 2, systemId: '7301' };

/** Writes sent every `everyMs` in [fromMs, toMs), each acked 5 ms later by `server`. */
function writes(prefix: string, fromMs: number, toMs: number, server: ServerIdentity, everyMs = 100): HistoryOp[] {
  const ops: HistoryOp[] = [];
  for (let t = fromMs; t < toMs; t += everyMs) {
    ops.push({ id: `${prefix}${t}`, kind: 'write', sentAtMs: t, ackedAtMs: t + 5, outcome: 'ok', server });
  }
  return ops;
}

const ids = (ops: readonly HistoryOp[]) => ops.map((o) => o.id);
const FAULT = 1000;
const TARGETS = { rtoMs: 5000, rpoMs: 0 };

// The common shape: eu-west acks until the fault, then us-east after a failover.
const before = writes('a', 0, 1000, EU1);
const after = writes('b', 3000, 4000, US2);

interface Case {
  readonly name: string;
  readonly input: HistoryInput;
  readonly pass: boolean;
  readonly check: (r: HistoryReport) => void;
}

const cases: Case[] = [
  {
    name: 'sync failover, no loss: RTO from last ack before to first ack after',
    input: { ops: [...before, ...after], survivingIds: ids([...before, ...after]), faultAtMs: FAULT, failoverAtMs: 2900, targets: TARGETS },
    pass: true,
    check: (r) => {
      assert.equal(r.ackedWrites, 20);
      assert.deepEqual(r.ackedLost, { count: 0, ids: [], rpoMs: 0 });
      assert.equal(r.lastAckBeforeFaultMs, 905);
      assert.equal(r.firstAckAfterFaultMs, 3005);
      assert.equal(r.rtoMs, 2100);
      assert.equal(r.splitBrain.count, 0);
      assert.equal(r.zombieAcks.count, 0);
      assert.equal(r.zombieAcks.oldPrimary, 'eu-west/tl1/7301');
      assert.equal(r.zombieAcks.newPrimary, 'us-east/tl2/7301');
    },
  },
  {
    name: 'a write in flight at the fault and acked just after it is no recovery',
    input: (() => {
      const inFlight: HistoryOp = { id: 'flight', kind: 'write', sentAtMs: 990, ackedAtMs: FAULT + 5, outcome: 'ok', server: EU1 };
      const ops = [...before, inFlight, ...after];
      return { ops, survivingIds: ids(ops), faultAtMs: FAULT, targets: TARGETS };
    })(),
    pass: true,
    check: (r) => {
      assert.equal(r.firstAckAfterFaultMs, 3005);
      assert.equal(r.rtoMs, 2100);
    },
  },
  {
    name: 'async failover, loss window: the last acked writes before the fault are gone',
    input: { ops: [...before, ...after], survivingIds: ids([...before.slice(0, 7), ...after]), faultAtMs: FAULT, targets: TARGETS },
    pass: false,
    check: (r) => {
      assert.deepEqual(r.ackedLost, { count: 3, ids: ['a700', 'a800', 'a900'], rpoMs: 200 });
      assert.match(r.verdict.failures.join('\n'), /3 acknowledged write\(s\) lost over 200 ms \(target RPO 0 ms\)/);
    },
  },
  {
    name: 'async failover, loss within an RPO target above zero: pass',
    input: { ops: [...before, ...after], survivingIds: ids([...before.slice(0, 7), ...after]), faultAtMs: FAULT, targets: { rtoMs: 5000, rpoMs: 500 } },
    pass: true,
    check: (r) => assert.equal(r.ackedLost.rpoMs, 200),
  },
  {
    name: 'a single lost write fails a zero RPO even though its window is 0 ms',
    input: { ops: [...before, ...after], survivingIds: ids([...before.slice(0, 9), ...after]), faultAtMs: FAULT, targets: TARGETS },
    pass: false,
    check: (r) => assert.deepEqual(r.ackedLost, { count: 1, ids: ['a900'], rpoMs: 0 }),
  },
  {
    name: 'split brain: the old primary kept acknowledging while the new one did',
    input: (() => {
      const stale = writes('z', 1000, 3500, EU1);
      const ops = [...before, ...stale, ...after];
      return { ops, survivingIds: ids([...before, ...after]), faultAtMs: FAULT, targets: TARGETS };
    })(),
    pass: false,
    check: (r) => {
      assert.equal(r.splitBrain.examples.length, 1);
      const e = r.splitBrain.examples[0]!;
      assert.deepEqual(e.primaries, ['eu-west/tl1/7301', 'us-east/tl2/7301']);
      assert.deepEqual([e.fromMs, e.toMs], [3005, 3405]);
      // Overlap [3005, 3405]: z3000..z3400 (5) and b3000..b3400 (5).
      assert.equal(r.splitBrain.count, 10);
      assert.deepEqual(r.zombieAcks.ids, ['z3100', 'z3200', 'z3300', 'z3400']);
      assert.equal(r.rtoMs, 3005 - 905, 'lost acks after the fault are no recovery');
    },
  },
  {
    name: 'zombie ack after the failover: one late ack from the old primary',
    input: (() => {
      const zombie: HistoryOp = { id: 'z', kind: 'write', sentAtMs: 3240, ackedAtMs: 3250, outcome: 'ok', server: EU1 };
      return { ops: [...before, ...after, zombie], survivingIds: ids([...before, ...after]), faultAtMs: FAULT, healAtMs: 3200, targets: TARGETS };
    })(),
    pass: false,
    check: (r) => {
      assert.deepEqual(r.zombieAcks.ids, ['z']);
      assert.equal(r.zombieAcks.afterMs, 3005);
      assert.equal(r.zombieAcks.afterHealCount, 1);
      assert.deepEqual(r.ackedLost.ids, ['z']);
      assert.match(r.verdict.failures.join('\n'), /acknowledged by the old primary eu-west\/tl1\/7301 after the failover/);
    },
  },
  {
    name: 'zombie ack bounded by the failover time when the new primary has not acked yet',
    input: (() => {
      const zombie: HistoryOp = { id: 'z', kind: 'write', sentAtMs: 2950, ackedAtMs: 2960, outcome: 'ok', server: EU1 };
      return { ops: [...before, zombie, ...after], survivingIds: ids([...before, ...after]), faultAtMs: FAULT, failoverAtMs: 2900, targets: TARGETS };
    })(),
    pass: false,
    check: (r) => {
      assert.equal(r.zombieAcks.afterMs, 2900);
      assert.deepEqual(r.zombieAcks.ids, ['z']);
    },
  },
  {
    name: 'no ack after the fault: RTO is null and the drill fails',
    input: { ops: before, survivingIds: ids(before), faultAtMs: FAULT, targets: TARGETS },
    pass: false,
    check: (r) => {
      assert.equal(r.rtoMs, null);
      assert.equal(r.firstAckAfterFaultMs, null);
      assert.match(r.verdict.failures[0]!, /no write was acknowledged \(durably\) after the fault/);
    },
  },
  {
    name: 'RTO above target fails',
    input: { ops: [...before, ...after], survivingIds: ids([...before, ...after]), faultAtMs: FAULT, targets: { rtoMs: 2000, rpoMs: 0 } },
    pass: false,
    check: (r) => assert.deepEqual(r.verdict.failures, ['RTO 2100 ms exceeds the target 2000 ms']),
  },
  {
    name: 'duplicates: an id present twice in the survivor, an id acknowledged twice',
    input: (() => {
      const again: HistoryOp = { ...after[0]!, sentAtMs: 3050, ackedAtMs: 3060 };
      const ops = [...before, ...after, again];
      return { ops, survivingIds: [...ids([...before, ...after]), 'a500'], faultAtMs: FAULT, targets: TARGETS };
    })(),
    pass: false,
    check: (r) => {
      assert.deepEqual(r.duplicates, { count: 2, ids: ['a500', 'b3000'], presentTwice: ['a500'], ackedTwice: ['b3000'] });
      assert.equal(r.ackedWrites, 20);
    },
  },
  {
    name: 'unknown outcomes are informational, present or absent, never lost',
    input: (() => {
      const unknownPresent: HistoryOp = { id: 'u1', kind: 'write', sentAtMs: 990, outcome: 'unknown', server: EU1 };
      const unknownAbsent: HistoryOp = { id: 'u2', kind: 'write', sentAtMs: 995, outcome: 'unknown' };
      const failedPresent: HistoryOp = { id: 'f1', kind: 'write', sentAtMs: 996, ackedAtMs: 999, outcome: 'fail' };
      const ops = [...before, unknownPresent, unknownAbsent, failedPresent, ...after];
      return { ops, survivingIds: [...ids([...before, ...after]), 'u1', 'f1'], faultAtMs: FAULT, targets: TARGETS };
    })(),
    pass: true,
    check: (r) => {
      assert.deepEqual(r.unknownOutcomes, { present: ['u1'], absent: ['u2'] });
      assert.deepEqual(r.failedButPresent, ['f1']);
      assert.equal(r.ackedLost.count, 0);
    },
  },
  {
    name: 'failover then failback to the same region on a new timeline: no split brain',
    input: (() => {
      const back = writes('c', 5000, 5500, { region: 'eu-west', timeline: 3, systemId: '7301' });
      const ops = [...before, ...after, ...back];
      return { ops, survivingIds: ids(ops), faultAtMs: FAULT, targets: TARGETS };
    })(),
    pass: true,
    check: (r) => assert.equal(r.splitBrain.count, 0),
  },
  {
    name: 'reads are not judged',
    input: (() => {
      const read: HistoryOp = { id: 'r1', kind: 'read', sentAtMs: 2000, ackedAtMs: 2001, outcome: 'ok', server: EU1 };
      const ops = [...before, read, ...after];
      return { ops, survivingIds: ids([...before, ...after]), faultAtMs: FAULT, targets: TARGETS };
    })(),
    pass: true,
    check: (r) => {
      assert.equal(r.rtoMs, 2100);
      assert.equal(r.ackedLost.count, 0);
    },
  },
];

describe('checkHistory', () => {
  for (const c of cases) {
    it(c.name, () => {
      const report = checkHistory(c.input);
      assert.equal(report.verdict.pass, c.pass, report.verdict.failures.join('\n'));
      assert.equal(report.verdict.failures.length === 0, c.pass);
      c.check(report);
    });
  }

  it('is deterministic: reversed ops give the same report', () => {
    for (const c of cases) {
      const reversed = { ...c.input, ops: [...c.input.ops].reverse() };
      assert.deepEqual(checkHistory(reversed), checkHistory(c.input), c.name);
    }
  });

  it('rejects a history it cannot judge, with one clear line', () => {
    const bad: HistoryOp = { id: 'x', kind: 'write', sentAtMs: 1, outcome: 'ok' };
    assert.throws(() => checkHistory({ ops: [bad], survivingIds: [], faultAtMs: 0, targets: TARGETS }), {
      name: 'InputError', message: 'history op x: outcome ok without ackedAtMs',
    });
    const early: HistoryOp = { id: 'y', kind: 'write', sentAtMs: 10, ackedAtMs: 5, outcome: 'ok' };
    assert.throws(() => checkHistory({ ops: [early], survivingIds: [], faultAtMs: 0, targets: TARGETS }), { name: 'InputError' });
  });
});
