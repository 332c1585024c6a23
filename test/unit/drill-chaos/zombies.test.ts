import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findZombieAcks, type AckedWrite, type RecordSighting } from '../../../src/drill/chaos/index.ts';

/** eu-west until us-east's record is first seen at 10 000; us-east's own agent re-records it; back to eu-west (timeline 3) at 30 000. */
const SIGHTINGS: RecordSighting[] = [
  { token: '5', region: 'eu-west', timeline: 1, firstSeenAtMs: 100, by: 'us-east' },
  { token: '10', region: 'us-east', firstSeenAtMs: 10_000, by: 'ap-south' },
  { token: '11', region: 'us-east', timeline: 2, firstSeenAtMs: 10_400, by: 'us-east' },
  { token: '20', region: 'eu-west', timeline: 3, firstSeenAtMs: 30_000, by: 'us-east' },
];

const ack = (id: string, sentAtMs: number, region: string, timeline: number, client = 'main'): AckedWrite => ({ id, client, sentAtMs, ackedAtMs: sentAtMs + 5, outcome: 'ok', server: { region, timeline } });

describe('findZombieAcks', () => {
  it('acks by the primary the record named when they were sent are fine, however the record moved later', () => {
    const ops = [ack('a', 5_000, 'eu-west', 1), ack('b', 9_999, 'eu-west', 1), ack('c', 9_990, 'us-east', 2), ack('d', 20_000, 'us-east', 2), ack('e', 31_000, 'eu-west', 3)];
    assert.deepEqual(findZombieAcks(ops, SIGHTINGS), []);
  });

  it('the old primary acknowledging a write sent after the new record was seen: superseded', () => {
    assert.deepEqual(findZombieAcks([ack('late', 10_001, 'eu-west', 1, 'pinned-eu-west')], SIGHTINGS), [
      { id: 'late', client: 'pinned-eu-west', sentAtMs: 10_001, ackedAtMs: 10_006, server: 'eu-west/tl1', why: 'superseded', recordThen: { region: 'us-east', token: '10', seenAtMs: 10_000 } },
    ]);
  });

  it('the earlier incarnation of a region named again later is still superseded (its timeline is older)', () => {
    assert.equal(findZombieAcks([ack('old', 31_000, 'eu-west', 1)], SIGHTINGS)[0]?.why, 'superseded');
  });

  it('us-east acknowledging after eu-west came back on timeline 3: superseded', () => {
    const [z] = findZombieAcks([ack('x', 30_500, 'us-east', 2)], SIGHTINGS);
    assert.deepEqual([z?.why, z?.recordThen.token], ['superseded', '20']);
  });

  it('a member no record ever named: neverNamed, once any record was known', () => {
    const [z] = findZombieAcks([ack('ap', 12_000, 'ap-south', 2)], SIGHTINGS);
    assert.deepEqual([z?.why, z?.recordThen.region], ['neverNamed', 'us-east']);
    assert.deepEqual(findZombieAcks([ack('early', 50, 'ap-south', 1)], SIGHTINGS), [], 'no record was known yet');
  });

  it('failed, unknown and unidentified writes are not judged', () => {
    const ops: AckedWrite[] = [
      { id: 'f', client: 'main', sentAtMs: 20_000, outcome: 'fail', server: { region: 'ap-south' } },
      { id: 'u', client: 'main', sentAtMs: 20_000, outcome: 'unknown' },
      { id: 'n', client: 'main', sentAtMs: 20_000, ackedAtMs: 20_010, outcome: 'ok' },
    ];
    assert.deepEqual(findZombieAcks(ops, SIGHTINGS), []);
  });
});
