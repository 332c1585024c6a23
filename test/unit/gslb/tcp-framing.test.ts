import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FrameReader } from '../../../src/gslb/tcp.ts';

const frame = (payload: Buffer) => Buffer.concat([Buffer.from([payload.length >> 8, payload.length & 0xff]), payload]);

describe('TCP frame reader', () => {
  it('several pipelined frames in one chunk', () => {
    const r = new FrameReader();
    const frames = r.push(Buffer.concat([frame(Buffer.from('abc')), frame(Buffer.from('')), frame(Buffer.from('de'))]));
    assert.deepEqual(frames.map(String), ['abc', '', 'de']);
  });

  it('any split of the stream yields the same frames', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 }), (payloads, cuts) => {
        const stream = Buffer.concat(payloads.map((p) => frame(Buffer.from(p))));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const r = new FrameReader();
        const got: Buffer[] = [];
        let from = 0;
        for (const to of [...points, stream.length]) {
          got.push(...r.push(stream.subarray(from, to)));
          from = to;
        }
        assert.deepEqual(got.map((b) => [...b]), payloads.map((p) => [...p]));
      }),
    );
  });
});
