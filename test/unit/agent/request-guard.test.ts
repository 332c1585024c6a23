import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiHostNames, hostKey, MAX_POST_BYTES, refuseUnsafe, type RequestFacts } from '../../../src/agent/request-guard.ts';
import { parseTopology } from '../../../src/spec/index.ts';

const topology = parseTopology(`
apiVersion: meridian/v1
zone: global.test
regions:
  - { name: eu, agent: { dns: "203.0.113.10:53", api: "http://Agent-EU.Example.com:7700" } }
  - { name: us, agent: { dns: "[2001:db8::20]:53", api: "http://[2001:db8::20]:7700" } }
services:
  - { name: web, hostname: web, port: 80, endpoints: { eu: ["198.51.100.1"], us: ["198.51.100.2"] }, health: { interval: 1s, timeout: 500ms, healthyThreshold: 2, unhealthyThreshold: 2 }, policy: { type: all-healthy } }
`);

test('the names an agent answers to: its own api host and dns address, its listen address, localhost', () => {
  assert.deepEqual(apiHostNames(topology, 'eu', '0.0.0.0'), ['agent-eu.example.com', '203.0.113.10', 'localhost', '127.0.0.1', '::1']);
  assert.deepEqual(apiHostNames(topology, 'us', '2001:db8::20'), ['2001:db8::20', 'localhost', '127.0.0.1', '::1']);
  assert.deepEqual(apiHostNames(topology, 'eu', '10.0.0.5'), ['agent-eu.example.com', '203.0.113.10', '10.0.0.5', 'localhost', '127.0.0.1', '::1']);
});

for (const [header, key] of [
  ['10.0.0.1:7700', '10.0.0.1'],
  ['[2001:DB8::20]:7700', '2001:db8::20'],
  ['2001:db8::20', '2001:db8::20'],
  ['Agent-EU.Example.com.', 'agent-eu.example.com'],
  ['evil.example@10.0.0.1', undefined],
  ['a b', undefined],
  ['', undefined],
] as const) {
  test(`host key of '${header}': ${key}`, () => assert.equal(hostKey(header), key));
}

const names = new Set(apiHostNames(topology, 'eu', '0.0.0.0'));
const ok: RequestFacts = { method: 'POST', host: 'agent-eu.example.com:7700', contentType: 'application/json', contentLength: '20', localAddress: '10.1.2.3' };

for (const [name, facts, status] of [
  ['a GET from anywhere', { method: 'GET', host: 'attacker.example' }, undefined],
  ['a HEAD from anywhere', { method: 'HEAD' }, undefined],
  ['the configured name, any case, with a trailing dot', { ...ok, host: 'AGENT-EU.example.com.:7700' }, undefined],
  ['the address the connection arrived on (a pod behind 0.0.0.0)', { ...ok, host: '10.1.2.3:7700' }, undefined],
  ['the same, through an IPv4-mapped socket address', { ...ok, host: '10.1.2.3', localAddress: '::ffff:10.1.2.3' }, undefined],
  ['localhost (a port-forward)', { ...ok, host: 'localhost:7700' }, undefined],
  ['json with a utf-8 charset', { ...ok, contentType: 'application/json; charset=UTF-8' }, undefined],
  ['exactly the maximum size', { ...ok, contentLength: String(MAX_POST_BYTES) }, undefined],
  ['a rebound name', { ...ok, host: 'attacker.example:7700' }, 421],
  ['another agent\'s address', { ...ok, host: '2001:db8::20' }, 421],
  ['an address that is not the one the connection arrived on', { ...ok, host: '10.1.2.4' }, 421],
  ['no Host (HTTP/1.0)', { ...ok, host: undefined }, 400],
  ['a DELETE is checked like a POST', { ...ok, method: 'DELETE', host: 'attacker.example' }, 421],
  ['text/plain', { ...ok, contentType: 'text/plain' }, 415],
  ['a form', { ...ok, contentType: 'multipart/form-data; boundary=x' }, 415],
  ['no content type', { ...ok, contentType: undefined }, 415],
  ['a malformed content type', { ...ok, contentType: 'application/' }, 415],
  ['json in UTF-16', { ...ok, contentType: 'application/json; charset=utf-16' }, 415],
  ['one byte over', { ...ok, contentLength: String(MAX_POST_BYTES + 1) }, 413],
  ['chunked', { ...ok, contentLength: undefined, transferEncoding: 'chunked' }, 411],
] as const satisfies readonly (readonly [string, RequestFacts, number | undefined])[]) {
  test(`request guard: ${name} -> ${status ?? 'passes'}`, () => assert.equal(refuseUnsafe(facts, names)?.status, status));
}

test('the Host is checked before the type and the size, and the refusal says what to do', () => {
  const refusal = refuseUnsafe({ method: 'POST', host: 'attacker.example', contentType: 'text/plain', contentLength: '999999' }, names);
  assert.equal(refusal?.status, 421);
  assert.match(refusal?.error ?? '', /^Host 'attacker\.example' is not a name of this agent \(agent-eu\.example\.com, 203\.0\.113\.10, localhost, 127\.0\.0\.1, ::1\): .*DNS rebinding/);
});
