/**
 * The DNS query counter fed by codes: the answer table reports each exchange's query type and
 * response code as it already knew them (no second decode), and the metric's labels are the same
 * as for names. Each case's codes are also checked against a decode of the response sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket, { type OptAnswer } from 'dns-packet';
import { buildAnswerTable, DROPPED, NO_QTYPE, type ExchangeCodes } from '../../../src/gslb/index.ts';
import { AgentMetrics } from '../../../src/observe/index.ts';
import { parsePrometheusText, sampleValue } from '../../../src/observe/prom-text.ts';
import { TOPOLOGY, stateOf, view } from './fixtures.ts';

const allUp = { 'web/ra/10.0.1.11': 'up', 'web/ra/10.0.1.12': 'up', 'web/rb/10.0.2.11': 'up' } as const;
const table = buildAnswerTable(TOPOLOGY, stateOf(view('ra', allUp)).snapshot, { serial: 1 });
const LOCAL = { address: '127.0.0.1' };

const ask = (name: string, type: string, extra: Partial<dnsPacket.Packet> = {}) =>
  dnsPacket.encode({ type: 'query', id: 9, questions: [{ name, type: type as 'A' }], ...extra });
const edns = (version: number) => ({ additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: version, flags: 0, flag_do: false, options: [] } satisfies OptAnswer] });
const header = (qdcount: number, flags = 0) => Buffer.from([0, 9, flags, 0, 0, qdcount, 0, 0, 0, 0, 0, 0]);
/** A query by hand, for types and opcodes dns-packet does not write. */
const raw = (name: string, qtype: number, flags = 0) => {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]);
  return Buffer.concat([header(1, flags), Buffer.from([...labels, 0, qtype >> 8, qtype & 255, 0, 1])]);
};

/** name, query, its question's type code, the labels it must be counted under. */
const CASES: [string, Buffer, number, string, string][] = [
  ['an answered A', ask('web.global.test', 'A'), 1, 'A', 'NOERROR'],
  ['NODATA for TXT', ask('web.global.test', 'TXT'), 16, 'TXT', 'NOERROR'],
  ['a name not in the zone data', ask('nope.global.test', 'AAAA'), 28, 'AAAA', 'NXDOMAIN'],
  ['outside the zone', ask('example.com', 'A'), 1, 'A', 'REFUSED'],
  ['zone transfer', ask('global.test', 'AXFR'), 252, 'AXFR', 'REFUSED'],
  ['EDNS version 1 (extended rcode)', ask('web.global.test', 'A', edns(1)), 1, 'A', 'BADVERS'],
  ['a type without a label', raw('web.global.test', 65280), 65280, 'OTHER', 'NOERROR'],
  ['another opcode (slow path, error without a question)', raw('web.global.test', 28, 0x10), 28, 'AAAA', 'NOTIMP'],
  ['no question', header(0), NO_QTYPE, 'OTHER', 'FORMERR'],
  ['a response, not a query', header(1, 0x80), NO_QTYPE, 'OTHER', 'DROPPED'],
];

test('respond() fills in the codes of what it sent, as a decode of the response would read them', () => {
  for (const [name, query, qtype, , rcodeLabel] of CASES) {
    const codes: ExchangeCodes = { qtype: 12345, rcode: 12345 };
    const response = table.respond(query, LOCAL, 'udp', codes);
    if (rcodeLabel === 'DROPPED') {
      assert.deepEqual([response, codes], [null, { qtype: NO_QTYPE, rcode: DROPPED }], name);
      continue;
    }
    assert.ok(response, name);
    const decoded = dnsPacket.decode(response);
    const opt = decoded.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
    const sent = ((decoded.flags ?? 0) & 0x0f) | ((opt?.extendedRcode ?? 0) << 4);
    assert.equal(codes.rcode, sent, `${name}: rcode`);
    assert.equal(codes.qtype, qtype, `${name}: qtype`);
  }
});

test('counted by codes under the same labels as by names', async () => {
  const byCodes = new AgentMetrics({ topology: TOPOLOGY, region: 'ra', bootId: 'b1', state: () => stateOf(view('ra', allUp)), defaultMetrics: false });
  for (const [, query] of CASES) {
    const event = { qtype: NO_QTYPE, rcode: DROPPED, client: '127.0.0.1', transport: 'udp' as const };
    table.respond(query, LOCAL, 'udp', event);
    byCodes.recordDnsAnswer(event);
  }
  byCodes.recordDnsAnswer({ qtype: 1, rcode: 11, transport: 'tcp' }); // an rcode without a label
  const e = parsePrometheusText(await byCodes.exposition());
  const expected = new Map<string, number>();
  for (const [, , , qtype, rcode] of CASES) expected.set(`${qtype}/${rcode}`, (expected.get(`${qtype}/${rcode}`) ?? 0) + 1);
  for (const [key, n] of expected) {
    const [qtype, rcode] = key.split('/') as [string, string];
    assert.equal(sampleValue(e, 'meridian_dns_queries_total', { qtype, rcode, transport: 'udp' }), n, key);
  }
  assert.equal(sampleValue(e, 'meridian_dns_queries_total', { qtype: 'A', rcode: 'OTHER', transport: 'tcp' }), 1);
});
