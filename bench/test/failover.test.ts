/**
 * Part (c)'s pure parts: per-drill records from drill reports (with the survivors re-read once
 * the store is whole), per-system figures, Meridian/Patroni ratios, the issue's targets, the
 * printed report, the topology switched to async, and when Meridian's store is whole again.
 * The drill reports come from the drill core's own report builder over hand-built histories.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { buildDbDrillReport, type DbDrillHistory } from '../../src/drill/db/index.ts';
import type { StoreStatus } from '../../src/lab/index.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../src/spec/index.ts';
import { acked, cleanFailover, EU1, FAULT } from '../../test/unit/drill-db/scenario.ts';
import {
  drillRecord, failedDrill, lostOf, worstGapAfterRecovery, rtoRatios, summarizeSystem, syncCostRatio, targetVerdicts, type DrillRecord, type SystemRun, type SystemSummary,
} from '../failover/figures.ts';
import { judgeStore, topologyWithReplication } from '../failover/meridian-store.ts';
import { describeDrill, renderFailoverReport } from '../failover/report.ts';

test('drill record: RTO, lost writes, split brain and zombie acks from the drill report; the re-read survivors win', () => {
  const h = cleanFailover('region-outage');
  const atEnd = { report: buildDbDrillReport(h), history: h };
  // Later, the old primary took over again: the new primary's acks are gone from the store.
  const gone = h.ops.filter((o) => o.outcome === 'ok' && o.server?.region === 'us-east').map((o) => o.id);
  const again = { ...h, survivingIds: h.survivingIds.filter((id) => !gone.includes(id)) };
  const r = drillRecord(1, atEnd, { report: buildDbDrillReport(again), history: again }, 12_000);
  assert.equal(r.cutRegion, 'eu-west');
  assert.equal(r.lostAtDrillEnd, 0);
  assert.equal(r.lostAfterRestore, gone.length);
  assert.equal(lostOf(r), gone.length);
  assert.equal(r.pass, false, 'judged on the final survivors');
  assert.equal(r.rtoMs, null, 'nothing acknowledged after the cut survived');
  assert.equal(r.worstGapAfterRecoveryMs, null);
  assert.equal(r.restoreMs, 12_000);
  const clean = drillRecord(2, atEnd, undefined, null, 'not whole');
  assert.equal(clean.rtoMs, 3100, 'last ack before at FAULT-95, first after at FAULT+3005');
  assert.equal(clean.lostAfterRestore, null);
  assert.equal(lostOf(clean), 0, 'no re-read: the figure at the drill end');
  assert.equal(clean.worstGapAfterRecoveryMs, 100, 'one ack every 100 ms after the recovery');
  assert.equal(clean.pass, true);
  assert.equal(clean.note, 'not whole');
});

test('worst gap after recovery: a stretch of acks that did not survive is a second outage; so is silence until the end', () => {
  const h = cleanFailover('region-outage');
  const hole = new Set(h.ops.filter((o) => o.ackedAtMs! > FAULT + 6000 && o.ackedAtMs! < FAULT + 8000).map((o) => o.id));
  assert.equal(worstGapAfterRecovery({ ...h, survivingIds: h.survivingIds.filter((id) => !hole.has(id)) }), 2100, 'FAULT+5905 → FAULT+8005');
  const quietEnd = { ...h, ops: [...h.ops, { id: 'late', kind: 'write' as const, client: 'main', sentAtMs: FAULT + 14_000, outcome: 'fail' as const }] };
  assert.equal(worstGapAfterRecovery(quietEnd), 14_000 - 10_905, 'last durable ack → the last write sent');
});

test('drill record: zombie acks of the old primary after the new one took over', () => {
  const h: DbDrillHistory = cleanFailover('region-outage');
  const zombies = acked('pinned', FAULT + 4000, FAULT + 4300, EU1);
  const withZombies = { ...h, ops: [...h.ops, ...zombies], survivingIds: [...h.survivingIds, ...zombies.map((z) => z.id)] };
  const r = drillRecord(1, { report: buildDbDrillReport(withZombies), history: withZombies }, undefined, 1000);
  assert.equal(r.zombieAcks, 3);
  assert.equal(r.pass, false);
});

function record(drill: number, rtoMs: number | null, over: Partial<DrillRecord> = {}): DrillRecord {
  return { ...failedDrill(drill, 'eu-west', ''), rtoMs, ackedWrites: 500, lostAtDrillEnd: 0, lostAfterRestore: 0, pass: rtoMs !== null, restoreMs: 9000, note: undefined, ...over } as DrillRecord;
}

function run(system: string, kind: 'meridian' | 'patroni', replication: 'sync' | 'async', records: DrillRecord[], commitsPerSecond?: number, planned = records.length): SystemRun {
  return {
    system, kind, replication, description: system, drillsPlanned: planned, records,
    throughput: commitsPerSecond === undefined ? null : { connections: 8, seconds: 5, commits: commitsPerSecond * 5, commitsPerSecond },
  };
}

const SYNC = run('meridian-sync', 'meridian', 'sync', [record(1, 4000), record(2, 4600), record(3, 5200)], 600);
const ASYNC = run('meridian-async', 'meridian', 'async', [record(1, 3000), record(2, 3400, { lostAfterRestore: 7, zombieAcks: 2 }), record(3, 3800)], 1000);
const PDEF = run('patroni-default', 'patroni', 'async', [record(1, 28_000), record(2, 31_000, { lostAfterRestore: 800, intervention: 'patronictl reinit of ap-south' }), record(3, 24_000)], 1000);
const PFAST = run('patroni-fast', 'patroni', 'async', [record(1, 22_000), record(2, null)], 1000, 3);

test('system summary: p50/max over recovered drills, lost and zombie totals and drills', () => {
  const s = summarizeSystem(ASYNC);
  assert.deepEqual(s.rto, { count: 3, p50Ms: 3400, minMs: 3000, maxMs: 3800 });
  assert.equal(s.lostAckedWrites, 7);
  assert.equal(s.drillsWithLoss, 1);
  assert.equal(s.zombieAcks, 2);
  assert.equal(s.drillsWithZombieAcks, 1);
  assert.equal(s.recovered, 3);
  const fast = summarizeSystem(PFAST);
  assert.equal(fast.recovered, 1);
  assert.equal(fast.drills, 2);
  assert.equal(fast.drillsPlanned, 3);
  assert.equal(summarizeSystem(PDEF).drillsWithIntervention, 1);
  assert.equal(s.drillsWithIntervention, 0);
});

const summaries = (): SystemSummary[] => [SYNC, ASYNC, PDEF, PFAST].map(summarizeSystem);

test('ratios: every Meridian system against every Patroni setting, p50 and max', () => {
  const ratios = rtoRatios(summaries());
  assert.equal(ratios.length, 4);
  assert.deepEqual(ratios.find((r) => r.system === 'meridian-sync' && r.reference === 'patroni-default'), { system: 'meridian-sync', reference: 'patroni-default', p50: 0.16, max: 0.17 });
  assert.deepEqual(ratios.find((r) => r.system === 'meridian-async' && r.reference === 'patroni-fast'), { system: 'meridian-async', reference: 'patroni-fast', p50: 0.15, max: 0.17 });
  assert.equal(syncCostRatio(summaries(), 'meridian'), 0.6);
  assert.equal(syncCostRatio(summaries(), 'patroni'), null, 'no Patroni sync run');
});

test('targets: met, not met, not measured; against a reference that did not always recover, its recovered drills', () => {
  const s = summaries();
  const verdicts = targetVerdicts(s, rtoRatios(s));
  const of = (system: string, target: RegExp) => verdicts.find((v) => v.system === system && target.test(v.target))?.verdict;
  assert.equal(of('meridian-sync', /^RTO p50 ≤ 5 s/), 'met', 'p50 4.6 s');
  assert.equal(of('meridian-async', /^RTO p50 ≤ 5 s/), 'met');
  assert.equal(of('meridian-sync', /0.25× patroni-default/), 'met', '0.16×');
  assert.equal(of('meridian-sync', /0.25× patroni-fast/), 'met', '4.6 / 22 s: missing drills could only raise its p50');
  assert.match(verdicts.find((v) => v.system === 'meridian-sync' && /patroni-fast/.test(v.target))!.measured, /0\.21× \(patroni-fast recovered in 1\/3 drills: p50 over those\)/);
  assert.equal(of('meridian-sync', /zero lost/), 'met');
  assert.equal(of('meridian-async', /zero lost/), undefined, 'only judged in sync mode');
  assert.equal(of('meridian-async', /zombie/), 'not met');
  assert.equal(of('patroni-default', /./), undefined, 'targets are Meridian\'s');
  const slow = run('meridian-sync', 'meridian', 'sync', [record(1, 6000), record(2, 7000)], 600);
  const incomplete = run('meridian-sync', 'meridian', 'sync', [record(1, 1000), record(2, null)], 600);
  const never = run('patroni-default', 'patroni', 'async', [record(1, null)], 1000);
  const unmeasured = [summarizeSystem(SYNC), summarizeSystem(never)];
  assert.equal(targetVerdicts(unmeasured, rtoRatios(unmeasured)).find((v) => /0.25×/.test(v.target))?.verdict, 'not measured');
  for (const [r, expected] of [[slow, 'not met'], [incomplete, 'not met']] as const) {
    const ss = [summarizeSystem(r), summarizeSystem(PDEF)];
    assert.equal(targetVerdicts(ss, rtoRatios(ss)).find((v) => v.target.startsWith('RTO p50 ≤ 5 s'))?.verdict, expected);
  }
});

test('report: table, per-drill RTOs with losses, stopped series, ratios, sync cost and targets', () => {
  const s = summaries().map((x) => (x.system === 'patroni-fast' ? { ...x, stopped: 'after drill 2: not whole within 150000 ms' } : x));
  const ratios = rtoRatios(s);
  const text = renderFailoverReport({
    summaries: s,
    records: { 'meridian-sync': SYNC.records, 'meridian-async': ASYNC.records, 'patroni-default': PDEF.records, 'patroni-fast': PFAST.records },
    ratios,
    verdicts: targetVerdicts(s, ratios),
    syncCost: 0.6,
  });
  assert.match(text, /^system +drills +recovered +RTO p50/);
  assert.match(text, /meridian-sync +3\/3 +3\/3 +4\.60 s +4\.00 s +5\.20 s +– +0 \(0\)/);
  assert.match(text, /patroni-default +3\/3 +3\/3 +28\.00 s .* 800 \(1\) +0 +0 \(0\) +1 /);
  assert.match(text, /patroni-default +28000, 31000 \(lost 800\), 24000/);
  assert.match(text, /patroni-fast: after drill 2: not whole/);
  assert.match(text, /meridian-sync\/patroni-default: p50 0\.16, max 0\.17/);
  assert.match(text, /sync ÷ async: 0\.60/);
  assert.match(text, /zombie acks\) +meridian-async +2 over 3 drills +NOT MET/);
});

test('drill line: figures, or why there are none', () => {
  assert.match(describeDrill('patroni-fast', record(2, 22_000, { newPrimary: 'us-east/tl2', lostAtDrillEnd: 3, lostAfterRestore: 800, worstGapAfterRecoveryMs: 4100 }), 10),
    /^patroni-fast drill 2\/10: cut eu-west → us-east\/tl2; RTO 22\.00 s; worst gap after 4\.10 s; lost 800 \(3 at the drill's end\); split brain 0; zombie acks 0; checks pass; whole again after 9\.00 s$/);
  assert.match(describeDrill('patroni-default', record(4, 30_000, { intervention: 'patronictl reinit of ap-south (200 reinitialize started)' }), 10), /whole again after 9\.00 s only after patronictl reinit of ap-south/);
  assert.match(describeDrill('meridian-sync', failedDrill(3, 'us-east', 'no write was acknowledged during the warm-up'), 10), /drill 3\/10: cut us-east: NO FIGURES: no write was acknowledged/);
});

test('topology: the built-in one with its store async, comments kept; a file without a store is refused', () => {
  const text = topologyWithReplication('async');
  assert.equal(parseTopology(text, 'x').stores[0]!.replication, 'async');
  assert.equal(parseTopology(topologyWithReplication('sync'), 'x').stores[0]!.replication, 'sync');
  assert.match(text, /# sync: a commit waits for at least one standby/);
  const expected = parse(DEFAULT_TOPOLOGY_YAML) as { stores: { replication: string }[] };
  expected.stores[0]!.replication = 'async';
  assert.deepEqual(parse(text), expected, 'nothing else changed');
  assert.throws(() => topologyWithReplication('async', 'zone: x\n'), /no stores\[0\]\.replication/);
});

function store(members: StoreStatus['members'], primary = 'us-east', source: StoreStatus['primarySource'] = 'observed'): StoreStatus {
  return {
    name: 'orders', engine: 'postgres', primaryFqdn: 'primary.orders.db.x', primary, primarySource: source, replication: 'sync', database: 'orders',
    members, connectionString: '', connectionStringDirect: '',
  };
}
const m = (region: string, role: 'primary' | 'standby' | 'unknown', timeline: number | null, streaming: boolean | null, reachable = true) =>
  ({ region, role, address: `10.0.0.${region.length}:5432`, lsn: null, timeline, streaming, fenced: role === 'primary' ? false : null, reachable });

test('meridian store: whole, or waiting, with the members only a rejoin brings back', () => {
  assert.deepEqual(judgeStore(store([m('eu-west', 'standby', 2, true), m('us-east', 'primary', 2, null), m('ap-south', 'standby', 2, true)])), { whole: true, primary: 'us-east' });
  const fenced = judgeStore(store([m('eu-west', 'primary', 1, null), m('us-east', 'primary', 2, null), m('ap-south', 'standby', 2, true)]));
  assert.deepEqual(fenced, { whole: false, waitingFor: 'eu-west to rejoin as standby of us-east', rejoin: ['eu-west'] });
  const reconnecting = judgeStore(store([m('eu-west', 'standby', 2, false), m('us-east', 'primary', 2, null), m('ap-south', 'standby', 2, true)]));
  assert.deepEqual(reconnecting, { whole: false, waitingFor: 'eu-west to stream from us-east', rejoin: [] }, 'same timeline: it reconnects by itself');
  const diverged = judgeStore(store([m('eu-west', 'standby', 1, false), m('us-east', 'primary', 2, null), m('ap-south', 'standby', 2, true)]));
  assert.deepEqual((diverged as { rejoin: readonly string[] }).rejoin, ['eu-west']);
  const cut = judgeStore(store([m('eu-west', 'unknown', null, null, false), m('us-east', 'primary', 2, null), m('ap-south', 'standby', 2, true)]));
  assert.match((cut as { waitingFor: string }).waitingFor, /eu-west to answer/);
  assert.equal(judgeStore(store([m('us-east', 'standby', 2, true)], 'us-east', 'topology')).whole, false);
});
