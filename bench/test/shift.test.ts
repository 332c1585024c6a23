import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WatcherSample } from '../../src/drill/index.ts';
import type { LabStatus } from '../../src/lab/index.ts';
import { parseTopology } from '../../src/spec/index.ts';
import { pdnsZoneFile } from '../pdns.ts';
import { emptyAnswers, fullAnswerProgress, returnMs, serverShift, shiftProgress, type Watched } from '../shift/measure.ts';
import { PDNS_SETTINGS, shiftPdnsZone } from '../shift/powerdns.ts';
import { renderShiftTable, shiftRatios, systemReport } from '../shift/report.ts';
import type { RoundRecord } from '../shift/rounds.ts';
import { clientObservedMs, ratio, summarize, systemShiftMs, ttlRange } from '../shift/stats.ts';
import { shiftTarget } from '../shift/target.ts';

const EU = ['10.0.1.11', '10.0.1.12'];
const US = ['10.0.2.11', '10.0.2.12'];
const REGION = new Set(EU);
const A: Watched = { key: '10.0.2.1:53', system: 'meridian' };
const B: Watched = { key: '10.0.3.1:53', system: 'meridian' };
const P: Watched = { key: '10.0.0.1:5300', system: 'pdns' };
const CUT = 10_000;

/** A sample sent at `sent` (answered 5 ms later): 'eu', 'us', or a failure. */
function sample(server: Watched, sent: number, answer: 'eu' | 'us' | 'timeout'): WatcherSample {
  const base = { server: server.key, region: server.system, sentAtMs: sent, atMs: sent + 5 };
  return answer === 'timeout' ? { ...base, error: 'timeout' } : { ...base, addresses: answer === 'eu' ? EU : US };
}

/** One sample every 100 ms from `from` to `to`, answering eu before `switchAt` and us from then on. */
function series(server: Watched, from: number, to: number, switchAt: number): WatcherSample[] {
  const out: WatcherSample[] = [];
  for (let t = from; t < to; t += 100) out.push(sample(server, t, t < switchAt ? 'eu' : 'us'));
  return out;
}

test('shift: cut → arrival of the last answer sent during the cut that still had the region', () => {
  const samples = series(A, CUT - 500, CUT + 5000, CUT + 1250);
  const shift = serverShift(samples, A, CUT, CUT + 5000, REGION);
  // Last eu answer sent at CUT+1200, arrived 5 ms later.
  assert.deepEqual(shift, { server: A.key, system: 'meridian', shiftMs: 1205, shifted: true, answers: 50, failures: 0, emptyAnswers: 0 });
});

test('shift: answers sent before the cut or after the heal do not count, failures are counted', () => {
  const samples = [sample(A, CUT - 10, 'eu'), sample(A, CUT + 100, 'timeout'), sample(A, CUT + 200, 'us'), sample(A, CUT + 6000, 'eu')];
  assert.deepEqual(serverShift(samples, A, CUT, CUT + 5000, REGION), { server: A.key, system: 'meridian', shiftMs: 0, shifted: true, answers: 1, failures: 1, emptyAnswers: 0 });
});

test('shift: an empty answer (no address) is off the region but counted apart', () => {
  const empty: WatcherSample = { ...sample(A, CUT + 300, 'us'), addresses: [] };
  const samples = [sample(A, CUT + 100, 'eu'), sample(A, CUT + 200, 'eu'), empty, sample(A, CUT + 400, 'us'), { ...empty, sentAtMs: CUT + 5100 }];
  const shift = serverShift(samples, A, CUT, CUT + 5000, REGION);
  assert.equal(shift.shiftMs, 205);
  assert.equal(shift.emptyAnswers, 1);
  assert.equal(emptyAnswers(samples, A, CUT + 5000, CUT + 6000), 1);
});

test('shift: a server whose last answer before the heal still had the region has not shifted', () => {
  const samples = series(P, CUT, CUT + 3000, CUT + 1000).concat(sample(P, CUT + 3000, 'eu'));
  const shift = serverShift(samples, P, CUT, CUT + 4000, REGION);
  assert.equal(shift.shifted, false);
  assert.equal(shift.shiftMs, null);
});

test('shift progress: done only when every server answered without the region for the settle time', () => {
  const samples = [...series(A, CUT, CUT + 4000, CUT + 1000), ...series(P, CUT, CUT + 4000, CUT + 3000)];
  const at = (now: number) => shiftProgress(samples.filter((s) => s.atMs <= now), [A, P], REGION, CUT, now, 1000);
  assert.deepEqual(at(CUT + 2500), { done: false, waitingFor: [P.key] }); // A shifted at 1000, P still answers eu
  assert.deepEqual(at(CUT + 3500), { done: false, waitingFor: [P.key] }); // P shifted 500 ms ago
  assert.deepEqual(at(CUT + 4000), { done: true });
  // A server that stopped answering is not settled, even if its last answer was right.
  assert.deepEqual(shiftProgress(samples, [A], REGION, CUT, CUT + 6000, 1000), { done: false, waitingFor: [A.key] });
});

test('full answer progress: every server must answer all of the region, with an answer sent since the mark', () => {
  const partial: WatcherSample = { ...sample(B, CUT + 100, 'eu'), addresses: [EU[0]!, ...US] };
  assert.deepEqual(fullAnswerProgress([sample(A, CUT + 100, 'eu'), partial], [A, B], REGION, CUT), { done: false, waitingFor: [B.key] });
  assert.deepEqual(fullAnswerProgress([sample(A, CUT - 100, 'eu')], [A], REGION, CUT), { done: false, waitingFor: [A.key] });
  assert.deepEqual(fullAnswerProgress([sample(A, CUT + 100, 'eu'), sample(A, CUT + 200, 'timeout')], [A], REGION, CUT), { done: true });
});

test('return: heal → first answer with the region again', () => {
  const heal = CUT + 5000;
  const stillUs = series(A, heal - 300, heal + 2000, heal - 300);
  assert.equal(returnMs(stillUs, A, heal, REGION), null);
  // An eu answer sent before the heal does not count; the first one sent after it does.
  assert.equal(returnMs([...stillUs, sample(A, heal - 50, 'eu'), sample(A, heal + 800, 'eu'), sample(A, heal + 900, 'eu')], A, heal, REGION), 805);
});

test('stats: p50 is the median, ratio and client estimate', () => {
  assert.deepEqual(summarize([1300, 1100, 1200, 1500]), { count: 4, p50Ms: 1250, minMs: 1100, maxMs: 1500 });
  assert.equal(summarize([]), null);
  assert.equal(ratio(1250, 4500), 0.28);
  assert.equal(ratio(1250, null), null);
  assert.equal(ratio(1250, 0), null);
  assert.deepEqual(ttlRange([2, 2, 3]), { min: 2, max: 3 });
  assert.equal(clientObservedMs(1250, { min: 2, max: 2 }), 3250);
  assert.equal(clientObservedMs(1250, null), 1250);
});

test('stats: a system shifts with its last server; not at all if one did not', () => {
  const s = (server: string, system: string, shiftMs: number | null) => ({ server, system, shiftMs, shifted: shiftMs !== null, answers: 1, failures: 0, emptyAnswers: 0 });
  assert.equal(systemShiftMs([s('a', 'meridian', 1100), s('b', 'meridian', 1300), s('p', 'pdns', 4000)], 'meridian'), 1300);
  assert.equal(systemShiftMs([s('a', 'meridian', 1100), s('b', 'meridian', null)], 'meridian'), null);
  assert.equal(systemShiftMs([s('a', 'meridian', 1100)], 'pdns'), null);
});

function round(n: number, meridian: [number | null, number | null], pdns: number | null): RoundRecord {
  const servers = [
    { server: A.key, system: 'meridian', shiftMs: meridian[0], shifted: meridian[0] !== null, answers: 10, failures: 0, emptyAnswers: n === 2 ? 1 : 0 },
    { server: B.key, system: 'meridian', shiftMs: meridian[1], shifted: meridian[1] !== null, answers: 10, failures: 0, emptyAnswers: 0 },
    { server: P.key, system: 'pdns', shiftMs: pdns, shifted: pdns !== null, answers: 10, failures: 0, emptyAnswers: 0 },
  ];
  return {
    round: n, pauseMs: 1000, cutAtMs: n * 100_000, healAtMs: n * 100_000 + 9000, settled: true, servers,
    systems: { meridian: systemShiftMs(servers, 'meridian'), pdns: systemShiftMs(servers, 'pdns') },
    returnMs: { [A.key]: 500, [B.key]: 600, [P.key]: n === 3 ? null : 4000 },
    emptyAfterHeal: { [A.key]: 0, [B.key]: n, [P.key]: 0 },
  };
}

test('report: per-system p50/max over shifted rounds, per server, ratios and the table', () => {
  const records = [round(1, [1100, 1200], 4000), round(2, [1300, 1250], 6000), round(3, [1000, null], 2500)];
  const meridian = systemReport({ name: 'meridian', description: 'm', servers: [A.key, B.key] }, records, [2, 2]);
  const pdns = systemReport({ name: 'pdns', description: 'p', servers: [P.key] }, records, [2]);
  assert.deepEqual(meridian.perRoundMs, [1200, 1300, null]);
  assert.deepEqual(meridian.shift, { count: 2, p50Ms: 1250, minMs: 1200, maxMs: 1300 });
  assert.equal(meridian.roundsShifted, 2);
  assert.deepEqual(meridian.perServer.map((s) => s.shift?.maxMs), [1300, 1250]);
  assert.deepEqual(meridian.clientObserved, { p50Ms: 3250, maxMs: 3300 });
  assert.deepEqual(meridian.backAfterHeal, { count: 3, p50Ms: 600, minMs: 600, maxMs: 600 });
  assert.deepEqual(meridian.emptyAnswers, { duringCut: 1, afterHeal: 6 });
  assert.deepEqual(pdns.shift, { count: 3, p50Ms: 4000, minMs: 2500, maxMs: 6000 });
  assert.equal(pdns.backAfterHeal?.count, 2);
  assert.deepEqual(pdns.emptyAnswers, { duringCut: 0, afterHeal: 0 });
  const ratios = shiftRatios([meridian, pdns], 'meridian');
  assert.deepEqual(ratios, [{ system: 'meridian', reference: 'pdns', p50: 0.31, max: 0.22 }]);
  const text = renderShiftTable([meridian, pdns], ratios);
  assert.match(text, /meridian\s+2\/3\s+1\.25 s\s+1\.20 s\s+1\.30 s\s+2 s\s+3\.25 s/);
  assert.match(text, /meridian\/pdns: p50 0\.31, max 0\.22/);
  assert.match(text, /meridian\s+1200, 1300, –/);
  assert.match(text, /0\.60 s \(0\.60 s\)\s+1\/6/);
});

const TOPOLOGY = parseTopology(
  `apiVersion: meridian/v1
zone: global.meridian.test
regions: [{ name: eu-west }, { name: us-east }, { name: ap-south }]
services:
  - name: web
    hostname: web
    port: 8080
    endpoints: { eu-west: ["10.0.1.11", "fd77::1:11", "10.0.1.12"], us-east: ["10.0.2.11"], ap-south: ["10.0.3.11"] }
    policy: { type: failover, order: [eu-west, us-east, ap-south] }
`,
  'test.yaml',
);

const STATUS = {
  agents: true,
  regions: ['eu-west', 'us-east', 'ap-south'].map((name, i) => ({ name, dns: `10.0.${i + 1}.1:53` })),
} as unknown as LabStatus;

test('target: cut the first failover region, IPv4 sets in failover order, watch the other agents', () => {
  const target = shiftTarget(TOPOLOGY, STATUS);
  assert.equal(target.cutRegion, 'eu-west');
  assert.equal(target.fqdn, 'web.global.meridian.test');
  assert.equal(target.ttl, 2);
  assert.deepEqual(target.failoverSets.map((s) => s.addresses), [['10.0.1.11', '10.0.1.12'], ['10.0.2.11'], ['10.0.3.11']]);
  assert.deepEqual(target.survivingAgents, [{ region: 'us-east', address: '10.0.2.1', port: 53 }, { region: 'ap-south', address: '10.0.3.1', port: 53 }]);
  assert.throws(() => shiftTarget(TOPOLOGY, { ...STATUS, agents: false }), { name: 'InputError', message: /no agents/ });
});

test('PowerDNS zone: ifurlup over the same instances per setting, same TTL and health path', () => {
  const target = shiftTarget(TOPOLOGY, STATUS);
  const apex = ['global.meridian.test. 2 IN SOA ns1.global.meridian.test. h.global.meridian.test. 1 60 10 300 2'];
  const [defaults, aggressive] = PDNS_SETTINGS.map((setting) => pdnsZoneFile(shiftPdnsZone(target, apex, setting)));
  assert.equal(
    defaults?.split('\n').at(-2),
    `web.global.meridian.test. 2 IN LUA A "ifurlup('http://10.0.1.11:8080/healthz', {{'10.0.1.11','10.0.1.12'},{'10.0.2.11'},{'10.0.3.11'}}, {selector='all'})"`,
  );
  assert.match(aggressive ?? '', /\{selector='all', timeout=1\}\)"$/m);
  assert.deepEqual(PDNS_SETTINGS.map((s) => [s.intervalSeconds, s.timeoutSeconds ?? 2]), [[5, 2], [1, 1]]);
});
