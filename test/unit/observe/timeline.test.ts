import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventRing, eventId, mergeTimelines, parseSince, type TimelineEvent } from '../../../src/observe/index.ts';
import { resumeSeq } from '../../../src/observe/stream.ts';

const ev = (region: string, seq: number, atMs: number, boot = `boot-${region}`): TimelineEvent => ({
  seq, atMs, region, boot, kind: 'operator.action', summary: `${region}#${seq}`, details: {},
});

test('the ring numbers events from 1, keeps the newest `capacity`, and pages after `since`', () => {
  let clock = 1_000;
  const ring = new EventRing('ra', 'b1', 3, () => clock++);
  assert.deepEqual(ring.page(), { region: 'ra', boot: 'b1', lastSeq: 0, truncated: false, events: [] });
  for (let i = 0; i < 5; i++) ring.record({ kind: 'operator.action', summary: `e${i + 1}`, details: { i } });
  const all = ring.page(0);
  assert.deepEqual(all.events.map((e) => [e.seq, e.atMs, e.summary]), [[3, 1002, 'e3'], [4, 1003, 'e4'], [5, 1004, 'e5']]);
  assert.equal(all.lastSeq, 5);
  assert.equal(all.truncated, true, 'events 1 and 2 were dropped');
  assert.equal(ring.page(1).truncated, true);
  assert.equal(ring.page(2).truncated, false, 'nothing between 2 and the oldest kept (3) is missing');
  assert.deepEqual(ring.page(4).events.map((e) => e.seq), [5]);
  assert.deepEqual(ring.page(5).events, []);
  assert.deepEqual(ring.page(99).events, [], 'a since from the future (another boot) gives nothing; the boot tells the client');
});

test('subscribers get every new event until they unsubscribe', () => {
  const ring = new EventRing('ra', 'b1', 10, () => 0);
  const got: number[] = [];
  const unsubscribe = ring.subscribe((e) => got.push(e.seq));
  ring.record({ kind: 'agent.started', summary: 'a', details: {} });
  unsubscribe();
  ring.record({ kind: 'agent.started', summary: 'b', details: {} });
  assert.deepEqual(got, [1]);
});

test('a ring of capacity 0 is a bug', () => {
  assert.throws(() => new EventRing('ra', 'b1', 0), /invariant/);
});

test('merge: time order across agents, each event once, ties by region then seq', () => {
  const ra = [ev('ra', 1, 100), ev('ra', 2, 300), ev('ra', 3, 300)];
  const rb = [ev('rb', 1, 200), ev('rb', 2, 300)];
  const merged = mergeTimelines([rb, ra, ra.slice(1), rb]);
  assert.deepEqual(merged.map((e) => e.summary), ['ra#1', 'rb#1', 'ra#2', 'ra#3', 'rb#2']);
});

test('merge: a restarted agent (new boot) reuses seqs without being taken for duplicates', () => {
  const merged = mergeTimelines([[ev('ra', 1, 100, 'old'), ev('ra', 2, 150, 'old')], [ev('ra', 1, 500, 'new')]]);
  assert.deepEqual(merged.map(eventId), ['ra/old/1', 'ra/old/2', 'ra/new/1']);
});

test('merge (property): sorted, duplicate-free, and independent of how pages are split and ordered', () => {
  const eventArb = fc.record({ region: fc.constantFrom('ra', 'rb', 'rc'), seq: fc.integer({ min: 1, max: 30 }), atMs: fc.integer({ min: 0, max: 50 }) });
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), (raw, cuts) => {
      // One agent process never gives two different events the same seq: derive atMs from the identity.
      const unique = [...new Map(raw.map((r) => [`${r.region}/${r.seq}`, ev(r.region, r.seq, r.seq * 7 + r.region.charCodeAt(1))])).values()];
      const pages: TimelineEvent[][] = [unique.slice().reverse()];
      for (const c of cuts) pages.push(unique.slice(c % (unique.length + 1)));
      const merged = mergeTimelines(pages);
      assert.equal(new Set(merged.map(eventId)).size, merged.length);
      assert.deepEqual(new Set(merged.map(eventId)), new Set(unique.map(eventId)));
      for (let i = 1; i < merged.length; i++) assert.ok((merged[i - 1] as TimelineEvent).atMs <= (merged[i] as TimelineEvent).atMs);
      assert.deepEqual(mergeTimelines(pages.slice().reverse()), merged);
    }),
  );
});

for (const [raw, expected] of [
  [null, 0],
  ['', 0],
  ['0', 0],
  ['42', 42],
  ['-1', { error: "since must be a non-negative integer, got '-1'" }],
  ['1.5', { error: "since must be a non-negative integer, got '1.5'" }],
  ['abc', { error: "since must be a non-negative integer, got 'abc'" }],
] as const) {
  test(`parseSince(${JSON.stringify(raw)})`, () => assert.deepEqual(parseSince(raw), expected));
}

for (const [name, header, expected] of [
  ['same boot', 'b1:7', 7],
  ['another boot (agent restarted)', 'b0:7', 0],
  ['no header', undefined, 0],
  ['garbage', 'seven', 0],
] as const) {
  test(`Last-Event-ID resume: ${name}`, () => assert.equal(resumeSeq(header, 'b1'), expected));
}

test('Last-Event-ID resume: a boot id may contain colons', () => assert.equal(resumeSeq('b:1:9', 'b:1'), 9));
