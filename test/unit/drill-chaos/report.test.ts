import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildChaosReport, formatChaosReport, type ChaosHistory, type RoundRecord } from '../../../src/drill/chaos/index.ts';
import type { WriteOp } from '../../../src/drill/db/index.ts';
import { renderChaosReportHtml } from '../../../src/observe/report/chaos-html.ts';

const T0 = 1_700_000_000_000;
const EU1 = { region: 'eu-west', timeline: 1, systemId: 's' };
const US2 = { region: 'us-east', timeline: 2, systemId: 's' };
const EU3 = { region: 'eu-west', timeline: 3, systemId: 's' };

/** Main writes every 100 ms in [fromMs, toMs), acknowledged by `server`, ids m-<ms>. */
function mainWrites(fromMs: number, toMs: number, server: WriteOp['server']): WriteOp[] {
  const ops: WriteOp[] = [];
  for (let t = fromMs; t < toMs; t += 100) ops.push({ id: `m-${t}`, kind: 'write', client: 'main', sentAtMs: T0 + t, ackedAtMs: T0 + t + 5, outcome: 'ok', ...(server ? { server } : {}) });
  return ops;
}

const failed = (t: number): WriteOp => ({ id: `m-${t}`, kind: 'write', client: 'main', sentAtMs: T0 + t, outcome: 'fail', endedAtMs: T0 + t + 1000, error: 'no session within 1000 ms' });

const round1: RoundRecord = {
  index: 1, fault: { kind: 'primary-cut', cutMs: 6000 }, primaryBefore: 'eu-west', targets: ['eu-west'],
  startedAtMs: T0 + 3000, faultEndedAtMs: T0 + 9000, endedAtMs: T0 + 12_000,
  convergence: { outcome: 'converged', afterMs: 3000, atMs: T0 + 12_000, primary: 'us-east' },
  events: [
    { atMs: T0 + 3100, step: 'cut', detail: 'eu-west cut from every other region and client' },
    { atMs: T0 + 9000, step: 'undo', detail: 'heal eu-west' },
  ],
};
const round2: RoundRecord = {
  index: 2, fault: { kind: 'primary-freeze', frozenMs: 6000 }, primaryBefore: 'us-east', targets: ['us-east'],
  startedAtMs: T0 + 13_000, faultEndedAtMs: T0 + 19_000, endedAtMs: T0 + 49_000,
  convergence: { outcome: 'timedOut', afterMs: 30_000, primary: 'eu-west', problems: [{ check: 'standbysStreaming', region: 'us-east', detail: 'does not answer: connect ECONNREFUSED' }] },
  events: [],
};

const ops: WriteOp[] = [
  ...mainWrites(0, 3500, EU1), // eu-west primary, a little into the cut (in flight, legitimate)
  failed(4000),
  ...mainWrites(7000, 13_000, US2), // us-east after the failover
  ...mainWrites(22_000, 50_000, EU3), // eu-west again, promoted on timeline 3 (record token 20)
  { id: 'p-zombie', kind: 'write', client: 'pinned-eu-west', sentAtMs: T0 + 8000, ackedAtMs: T0 + 8003, outcome: 'ok', server: EU1 },
];

const history: ChaosHistory = {
  store: 'orders', replication: 'sync', seed: 1, leaseTtlMs: 4000, targets: { rtoMs: 30_000, rpoMs: 0 }, runId: 'c1',
  startMs: T0, endMs: T0 + 50_000, convergeBoundMs: 30_000, rounds: [round1, round2],
  ops,
  skipped: { main: 0 },
  // Everything survived but one of us-east's acks.
  survivingIds: ops.filter((o) => o.outcome === 'ok' && o.id !== 'm-12900').map((o) => o.id),
  survivorsFrom: 'eu-west',
  recordSightings: [
    { token: '5', region: 'eu-west', timeline: 1, firstSeenAtMs: T0 + 100, by: 'us-east' },
    { token: '9', region: 'us-east', firstSeenAtMs: T0 + 7500, by: 'ap-south' },
    { token: '20', region: 'eu-west', timeline: 3, firstSeenAtMs: T0 + 21_000, by: 'ap-south' },
  ],
  events: [],
};

describe('buildChaosReport', () => {
  const report = buildChaosReport(history);

  it('rounds: converged with its time, or never with what was still wrong', () => {
    assert.deepEqual(report.rounds.map((r) => [r.index, r.kind, r.converged, r.convergeMs, r.primaryAfter]), [
      [1, 'primary-cut', true, 3000, 'us-east'],
      [2, 'primary-freeze', false, null, 'eu-west'],
    ]);
    assert.deepEqual(report.rounds[1]!.problems, round2.convergence.outcome === 'timedOut' ? round2.convergence.problems : []);
    assert.deepEqual(report.roundsNotConverged, [2]);
  });

  it('the longest write gap of each round, in ms from the run start', () => {
    // Round 1: last eu-west ack at 3405, first us-east ack at 7005.
    assert.deepEqual(report.rounds[0]!.longestWriteGap, { gapMs: 3600, fromMs: 3405, toMs: 7005, open: false });
    // Round 2: last us-east ack at 12 905, writes back at 22 005.
    assert.deepEqual(report.rounds[1]!.longestWriteGap, { gapMs: 9100, fromMs: 12_905, toMs: 22_005, open: false });
  });

  it('overall: the lost ack, the zombie ack of the pinned client, the verdict and why', () => {
    assert.equal(report.lostAckedWrites.count, 1);
    assert.deepEqual(report.lostAckedWrites.firstIds, ['m-12900']);
    assert.deepEqual(report.zombieAcks.first.map((z) => [z.id, z.why, z.recordThen.region]), [['p-zombie', 'superseded', 'us-east']]);
    assert.equal(report.duplicates.count, 0);
    assert.equal(report.pass, false);
    assert.deepEqual(report.reasons, [
      'round 2 (primary-freeze) never converged: standbysStreaming',
      '1 acknowledged write(s) lost over 0 ms (target RPO 0 ms)',
      '1 write(s) acknowledged by a primary the record no longer (or never) named',
      // The zombie ack fell inside us-east's window: the zombie and us-east's 10 acks around it.
      'split brain: 11 write(s) acknowledged while two primaries both accepted writes',
    ]);
  });

  it('counts every client and the main writes per second', () => {
    assert.deepEqual(report.clients.main, { writes: 376, ok: 375, fail: 1, unknown: 0, skipped: 0 });
    assert.equal(report.clients['pinned-eu-west']!.ok, 1);
    assert.equal(report.mainWrites.ok.length, 50);
    assert.deepEqual([report.mainWrites.ok[0], report.mainWrites.fail[4], report.mainWrites.ok[15]], [10, 1, 0]);
  });

  it('passes when every round converged and nothing was lost, acknowledged by a zombie or duplicated', () => {
    const clean = buildChaosReport({ ...history, rounds: [round1], ops: ops.filter((o) => o.client === 'main'), survivingIds: ops.filter((o) => o.client === 'main' && o.outcome === 'ok').map((o) => o.id) });
    assert.deepEqual(clean.reasons, []);
    assert.equal(clean.pass, true);
  });

  it('no primary to read the survivors from: lost writes not checked (never counted as all lost), and a failure', () => {
    const blind = buildChaosReport({ ...history, rounds: [round1], survivingIds: [], survivorsFrom: null, ops: mainWrites(0, 1000, EU1) });
    assert.deepEqual(blind.reasons, ['no primary to read the surviving writes from: lost writes could not be checked']);
    assert.equal(blind.lostAckedWrites.count, null);
    assert.match(formatChaosReport(blind), /acknowledged writes lost: NOT CHECKED/);
    assert.match(renderChaosReportHtml(blind), /not checked: no primary to read from/);
  });

  it('text: every round with its verdict, the overall figures and how to reproduce', () => {
    const text = formatChaosReport(report);
    assert.match(text, /^Chaos rounds on orders \(sync replication, lease TTL 4\.00 s\), seed 1: 2 round\(s\)/);
    assert.match(text, /Round 1: primary-cut on eu-west .*\n.*\n {2}fault lasted 6\.00 s; converged on us-east after 3\.00 s; longest write gap 3\.60 s/);
    assert.match(text, /\n {4}\+100 ms cut: eu-west cut from every other region and client\n {4}\+6\.00 s undo: heal eu-west\n/);
    assert.match(text, /NEVER CONVERGED within 30\.00 s/);
    assert.match(text, /still wrong: \(standbysStreaming\) us-east: does not answer: connect ECONNREFUSED/);
    assert.match(text, /acknowledged writes lost: 1 /);
    assert.match(text, /p-zombie \(pinned-eu-west\) by eu-west\/tl1, sent 8\.00 s into the run: superseded; the record named us-east \(token 9\)/);
    assert.match(text, /meridian drill chaos --store orders --seed 1 --rounds N --round K/);
  });

  it('HTML: the report as plain data renders a self-contained page', () => {
    const html = renderChaosReportHtml(report);
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /Chaos rounds on orders, seed 1/);
    assert.match(html, /class="verdict fail"/);
    assert.match(html, /NEVER converged<ul><li>\(standbysStreaming\) us-east: does not answer: connect ECONNREFUSED<\/li><\/ul>/);
    assert.match(html, /p-zombie \(pinned-eu-west\) acknowledged by eu-west\/tl1: superseded/);
    assert.match(html, /<li>\+6\.00 s undo: heal eu-west<\/li>/);
    assert.doesNotMatch(html, /<script/);
  });
});
