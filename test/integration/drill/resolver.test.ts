/**
 * The stub resolver, load client and DNS watcher against real loopback servers: a small DNS
 * responder written for this test (the real agent's DNS server is tested in its own suite) and
 * HTTP servers on 127.0.0.2/127.0.0.3 standing in for two regions' demo instances.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsWatcher, LoadClient, StubResolver, systemClock, type Nameserver } from '../../../src/drill/index.ts';
import { startDnsResponder, startRegionServers, type DnsResponder, type RegionServer } from './loopback.ts';

const FQDN = 'web.global.test';
const EU = '127.0.0.2';
const US = '127.0.0.3';
const ns = (r: DnsResponder, region: string): Nameserver => ({ region, address: '127.0.0.1', port: r.port });
const responders: DnsResponder[] = [];
let servers: RegionServer[] = [];
let httpPort = 0;

async function responder(addresses: string[], ttl: number): Promise<DnsResponder> {
  const r = await startDnsResponder(addresses, ttl);
  responders.push(r);
  return r;
}

before(async () => {
  ({ port: httpPort, servers } = await startRegionServers([
    { region: 'eu-west', address: EU },
    { region: 'us-east', address: US },
  ]));
});

after(async () => {
  await Promise.all([...responders.map((r) => r.close()), ...servers.map((s) => s.stop())]);
});

async function runClient(resolver: StubResolver, ms: number, rate = 20): Promise<LoadClient> {
  const client = new LoadClient({ fqdn: FQDN, port: httpPort, resolver, rate, requestTimeoutMs: 500 });
  client.start();
  await systemClock.sleep(ms);
  await client.stop();
  return client;
}

test('the resolver honours the TTL: a 1 s answer is asked for about once a second, not per request', async () => {
  const dns = await responder([EU], 1);
  const resolver = new StubResolver({ nameservers: [ns(dns, 'eu-west')] });
  const client = await runClient(resolver, 2300);
  assert.ok(client.ops.length >= 35, `expected ~46 requests, got ${client.ops.length}`);
  // Queries at ~0, ~1000 and ~2000 ms; the server's own count agrees with the client's record.
  assert.ok(dns.queries.length >= 2 && dns.queries.length <= 4, `expected 3 queries, server saw ${dns.queries.length}`);
  assert.equal(resolver.exchanges.length, dns.queries.length);
  assert.ok(resolver.exchanges.every((e) => e.rcode === 'NOERROR' && e.ttl === 1));
});

test('TTL 0 is asked again for every request', async () => {
  const dns = await responder([EU], 0);
  const resolver = new StubResolver({ nameservers: [ns(dns, 'eu-west')] });
  const client = await runClient(resolver, 1000);
  assert.ok(client.ops.length >= 15);
  // Concurrent requests may share one lookup; on loopback they barely overlap.
  assert.ok(dns.queries.length >= client.ops.length * 0.8, `${dns.queries.length} queries for ${client.ops.length} requests`);
});

test('a nameserver that does not answer is skipped after the timeout, and the next one stays first', async () => {
  const dead = await responder([EU], 0);
  dead.mode = 'silent';
  const alive = await responder([US], 0);
  const resolver = new StubResolver({ nameservers: [ns(dead, 'eu-west'), ns(alive, 'us-east')], timeoutMs: 200 });
  const started = Date.now();
  const first = await resolver.resolve(FQDN);
  assert.ok(Date.now() - started >= 190, 'waited for the first server to time out');
  assert.deepEqual(first, { kind: 'answer', addresses: [US], fromCache: false });
  await resolver.resolve(FQDN);
  assert.deepEqual(resolver.exchanges.map((e) => [e.region, e.rcode]), [['eu-west', 'timeout'], ['us-east', 'NOERROR'], ['us-east', 'NOERROR']]);
  assert.equal(dead.queries.length, 1);
});

test('SERVFAIL moves on to the next nameserver', async () => {
  const failing = await responder([EU], 0);
  failing.mode = 'servfail';
  const alive = await responder([US], 0);
  const resolver = new StubResolver({ nameservers: [ns(failing, 'eu-west'), ns(alive, 'us-east')] });
  assert.deepEqual(await resolver.resolve(FQDN), { kind: 'answer', addresses: [US], fromCache: false });
  assert.deepEqual(resolver.exchanges.map((e) => e.rcode), ['SERVFAIL', 'NOERROR']);
});

test('a truncated UDP answer is retried over TCP', async () => {
  const dns = await responder([EU, US], 5);
  dns.mode = 'truncate';
  const resolver = new StubResolver({ nameservers: [ns(dns, 'eu-west')] });
  assert.deepEqual(await resolver.resolve(FQDN), { kind: 'answer', addresses: [EU, US], fromCache: false });
  assert.deepEqual(dns.queries.map((q) => q.transport), ['udp', 'tcp']);
  assert.equal(resolver.exchanges[0]?.transport, 'tcp');
});

test('the load client records every request with the address it picked and the region that served it', async () => {
  const dns = await responder([EU, US], 1);
  const resolver = new StubResolver({ nameservers: [ns(dns, 'eu-west')] });
  const client = await runClient(resolver, 1000);
  assert.ok(client.ops.length >= 15);
  assert.ok(client.ops.every((o) => o.ok && o.status === 200 && o.endMs >= o.startMs));
  for (const op of client.ops) assert.equal(op.region, op.address === EU ? 'eu-west' : 'us-east');
  const regions = new Set(client.ops.map((o) => o.region));
  assert.deepEqual([...regions].sort(), ['eu-west', 'us-east'], 'random pick over both answered addresses');
  assert.deepEqual(client.ops.map((o) => o.id).sort((a, b) => a - b), client.ops.map((_, i) => i + 1));
});

test('requests to an address with nothing listening fail and are recorded as failures', async () => {
  const dns = await responder(['127.0.0.4'], 1);
  const resolver = new StubResolver({ nameservers: [ns(dns, 'eu-west')] });
  const client = await runClient(resolver, 500);
  assert.ok(client.ops.length >= 5);
  assert.ok(client.ops.every((o) => !o.ok && o.address === '127.0.0.4' && o.error === 'ECONNREFUSED'), JSON.stringify(client.ops[0]));
});

test('a failed resolution is recorded as a failed request without an address', async () => {
  const dead = await responder([EU], 1);
  dead.mode = 'silent';
  const resolver = new StubResolver({ nameservers: [ns(dead, 'eu-west')], timeoutMs: 100 });
  const client = await runClient(resolver, 300);
  assert.ok(client.ops.length >= 1);
  assert.ok(client.ops.every((o) => !o.ok && o.address === undefined && /^dns: no nameserver answered/.test(o.error ?? '')));
});

test('the watcher asks every nameserver on each tick and records answers and timeouts', async () => {
  const a = await responder([EU], 2);
  const b = await responder([US], 2);
  b.mode = 'silent';
  const watcher = new DnsWatcher({ fqdn: FQDN, nameservers: [ns(a, 'eu-west'), ns(b, 'us-east')], intervalMs: 100, timeoutMs: 150 });
  watcher.start();
  await systemClock.sleep(650);
  await watcher.stop();
  const fromA = watcher.samples.filter((s) => s.region === 'eu-west');
  const fromB = watcher.samples.filter((s) => s.region === 'us-east');
  assert.ok(fromA.length >= 5, `${fromA.length} samples from the answering server`);
  assert.ok(fromA.every((s) => s.addresses?.[0] === EU && s.atMs >= s.sentAtMs));
  // One query in flight per server: the silent one is asked about every 200 ms, not piled on.
  assert.ok(fromB.length >= 2 && fromB.length <= 4, `${fromB.length} samples from the silent server`);
  assert.ok(fromB.every((s) => s.error === 'timeout'));
  assert.equal(b.queries.length, fromB.length);
});
