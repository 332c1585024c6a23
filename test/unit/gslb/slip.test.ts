import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket, { type Packet } from 'dns-packet';
import { slipResponse } from '../../../src/gslb/slip.ts';

const question = { type: 'A' as const, name: 'web.global.test', class: 'IN' as const };
const answers = [{ type: 'A' as const, name: 'web.global.test', ttl: 2, data: '10.1.0.1' }, { type: 'A' as const, name: 'web.global.test', ttl: 2, data: '10.1.0.2' }];
const opt: dnsPacket.OptAnswer = { type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, extendedRcode: 0, ednsVersion: 0, flag_do: false, options: [] };

const CASES: [string, Packet, boolean][] = [
  ['an answer with EDNS: the question and the OPT stay, TC set', { type: 'response', id: 7, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: [question], answers, additionals: [opt] }, true],
  ['a plain answer: the question alone, TC set', { type: 'response', id: 7, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: [question], answers }, false],
];
for (const [name, packet, withOpt] of CASES) {
  test(`slip: ${name}`, () => {
    const full = dnsPacket.encode(packet);
    const slipped = slipResponse(full);
    assert.ok(slipped);
    assert.ok(slipped.length < full.length);
    const decoded = dnsPacket.decode(slipped);
    assert.equal(decoded.id, 7);
    assert.equal(decoded.flag_tc, true);
    assert.equal(decoded.flag_aa, true);
    assert.deepEqual(decoded.questions, [question]);
    assert.equal(decoded.answers?.length, 0);
    assert.equal(decoded.authorities?.length, 0);
    assert.deepEqual(decoded.additionals?.map((r) => r.type), withOpt ? ['OPT'] : []);
  });
}

test('slip: an unreadable response gives null (dropped)', () => {
  assert.equal(slipResponse(Buffer.alloc(5)), null);
  assert.equal(slipResponse(Buffer.from([0, 7, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63])), null);
});
