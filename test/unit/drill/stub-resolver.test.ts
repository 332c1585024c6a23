import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dnsPacket from 'dns-packet';
import { StubResolver, type Clock, type DnsQueryOutcome, type Nameserver } from '../../../src/drill/index.ts';
import { decodeResponse, readAAnswer } from '../../../src/drill/dns-answer.ts';
import { expiresAt, isFresh, nextStart, serverOrder, verdictFor } from '../../../src/drill/resolver-policy.ts';

const answer = (addresses: string[], ttl?: number, rcode = 'NOERROR'): DnsQueryOutcome => ({
  kind: 'response',
  transport: 'udp',
  rcode,
  truncated: false,
  addresses,
  ...(ttl === undefined ? {} : { ttl }),
});
const timeout: DnsQueryOutcome = { kind: 'timeout', transport: 'udp' };

test('cache freshness: an answer is usable strictly before now + TTL; TTL 0 never', () => {
  const cases = [
    { name: 'ttl 2, 1999 ms later', ttl: 2, after: 1999, fresh: true },
    { name: 'ttl 2, exactly 2 s later', ttl: 2, after: 2000, fresh: false },
    { name: 'ttl 0, same instant', ttl: 0, after: 0, fresh: false },
    { name: 'no ttl at all, same instant', ttl: undefined, after: 0, fresh: false },
  ];
  for (const c of cases) {
    const entry = { addresses: ['10.0.0.1'], expiresAtMs: expiresAt(1000, c.ttl) };
    assert.equal(isFresh(entry, 1000 + c.after), c.fresh, c.name);
  }
  assert.equal(isFresh(undefined, 0), false);
});

test('verdicts: NOERROR and NXDOMAIN end a lookup; timeouts, errors, SERVFAIL, REFUSED move on', () => {
  assert.equal(verdictFor(answer(['10.0.0.1'], 2)), 'answer');
  assert.equal(verdictFor(answer([], 30, 'NXDOMAIN')), 'answer');
  assert.equal(verdictFor(answer([], undefined, 'SERVFAIL')), 'tryNext');
  assert.equal(verdictFor(answer([], undefined, 'REFUSED')), 'tryNext');
  assert.equal(verdictFor(timeout), 'tryNext');
  assert.equal(verdictFor({ kind: 'error', transport: 'udp', message: 'ECONNREFUSED' }), 'tryNext');
});

test('server order wraps from the start index; a failure moves the start past the failed server', () => {
  assert.deepEqual(serverOrder(3, 0), [0, 1, 2]);
  assert.deepEqual(serverOrder(3, 2), [2, 0, 1]);
  assert.equal(nextStart(3, 2), 0);
  assert.equal(nextStart(3, 0), 1);
});

test('reading answers: smallest A TTL, negative TTL from the SOA, truncation flag, rcode', () => {
  const encoded = dnsPacket.encode({
    type: 'response',
    id: 7,
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    questions: [{ type: 'A', name: 'web.test' }],
    answers: [
      { type: 'A', name: 'web.test', ttl: 5, data: '10.0.0.1' },
      { type: 'A', name: 'web.test', ttl: 2, data: '10.0.0.2' },
    ],
  });
  assert.deepEqual(readAAnswer(decodeResponse(encoded, 7)!), { rcode: 'NOERROR', truncated: false, addresses: ['10.0.0.1', '10.0.0.2'], ttl: 2 });
  assert.equal(decodeResponse(encoded, 8), undefined, 'another id is not our answer');
  const negative = dnsPacket.encode({
    type: 'response',
    id: 1,
    flags: 3 | dnsPacket.TRUNCATED_RESPONSE,
    questions: [{ type: 'A', name: 'nope.test' }],
    authorities: [{ type: 'SOA', name: 'test', ttl: 60, data: { mname: 'ns.test', rname: 'h.test', minimum: 10 } }],
  });
  assert.deepEqual(readAAnswer(decodeResponse(negative, 1)!), { rcode: 'NXDOMAIN', truncated: true, addresses: [], ttl: 10 });
});

// The lookup logic over a fake exchange (the port) and a hand-driven clock; sockets are in the integration test.
function harness(script: (server: Nameserver, call: number) => DnsQueryOutcome) {
  let now = 0;
  const calls: string[] = [];
  const clock: Clock = { nowMs: () => now, sleep: async (ms) => void (now += ms), after: () => () => {} };
  const nameservers: Nameserver[] = [
    { region: 'a', address: '10.0.1.1', port: 53 },
    { region: 'b', address: '10.0.2.1', port: 53 },
    { region: 'c', address: '10.0.3.1', port: 53 },
  ];
  const resolver = new StubResolver({
    nameservers,
    clock,
    query: async (server) => {
      calls.push(server.region);
      return script(server, calls.length);
    },
  });
  return { resolver, calls, advance: (ms: number) => void (now += ms) };
}

test('an answer is reused for its TTL, then asked again', async () => {
  const h = harness(() => answer(['10.0.0.1'], 2));
  assert.deepEqual(await h.resolver.resolve('web.test'), { kind: 'answer', addresses: ['10.0.0.1'], fromCache: false });
  h.advance(1999);
  assert.deepEqual(await h.resolver.resolve('WEB.test'), { kind: 'answer', addresses: ['10.0.0.1'], fromCache: true });
  h.advance(1);
  assert.equal((await h.resolver.resolve('web.test')).kind, 'answer');
  assert.deepEqual(h.calls, ['a', 'a']);
});

test('TTL 0 asks on every lookup', async () => {
  const h = harness(() => answer(['10.0.0.1'], 0));
  for (let i = 0; i < 3; i += 1) await h.resolver.resolve('web.test');
  assert.equal(h.calls.length, 3);
});

test('concurrent lookups of one name share one query', async () => {
  const h = harness(() => answer(['10.0.0.1'], 0));
  await Promise.all([h.resolver.resolve('web.test'), h.resolver.resolve('web.test')]);
  assert.equal(h.calls.length, 1);
});

test('timeout and SERVFAIL move on to the next server, which then stays first', async () => {
  const h = harness((server) => (server.region === 'a' ? timeout : server.region === 'b' ? answer([], undefined, 'SERVFAIL') : answer(['10.0.0.3'], 0)));
  assert.deepEqual(await h.resolver.resolve('web.test'), { kind: 'answer', addresses: ['10.0.0.3'], fromCache: false });
  await h.resolver.resolve('web.test');
  assert.deepEqual(h.calls, ['a', 'b', 'c', 'c']);
  assert.deepEqual(
    h.resolver.exchanges.map((e) => [e.region, e.rcode]),
    [['a', 'timeout'], ['b', 'SERVFAIL'], ['c', 'NOERROR'], ['c', 'NOERROR']],
  );
});

test('NXDOMAIN is final: no other server is asked', async () => {
  const h = harness(() => answer([], 0, 'NXDOMAIN'));
  assert.deepEqual(await h.resolver.resolve('nope.test'), { kind: 'answer', addresses: [], fromCache: false });
  assert.deepEqual(h.calls, ['a']);
});

test('every server failing gives a failed resolution that names each failure', async () => {
  const h = harness((server) => (server.region === 'b' ? answer([], undefined, 'REFUSED') : timeout));
  const result = await h.resolver.resolve('web.test');
  assert.deepEqual(result, { kind: 'failed', reason: 'no nameserver answered: 10.0.1.1:53 timeout, 10.0.2.1:53 REFUSED, 10.0.3.1:53 timeout' });
});
