import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAnswerTable, decide, type RoutingDecision } from '../../../src/gslb/index.ts';
import { endpointKey } from '../../../src/health/types.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';
import { answerData, decode, query, regionDown, seededRandom, service, snapshot, topologyWith, ZONE } from './fixtures.ts';

const t = topologyWith(
  service('fo', '{ type: failover, order: [eu-west, us-east, ap-south] }') +
    service('wt', '{ type: weighted, weights: { eu-west: 50, us-east: 25, ap-south: 25 } }') +
    service('tie', '{ type: weighted, weights: { eu-west: 10, us-east: 10, ap-south: 10 } }') +
    service('geo', '{ type: geo }') +
    service('lat', '{ type: latency }') +
    service('all', '{ type: all-healthy }') +
    service('sub', '{ type: all-healthy, regions: [us-east, ap-south] }') +
    service('v4only', '{ type: failover, order: [ap-south, eu-west] }'),
);
const net = (name: string) => t.clientNetworks.find((n) => n.name === name);
const svc = (name: string) => {
  const s = t.services.find((x) => x.name === name);
  if (!s) throw new Error(name);
  return s;
};
const ep = (service: string, region: string, address: string) => endpointKey({ service, region, address });

interface Case {
  name: string;
  service: string;
  down?: string[];
  client?: string;
  regions: string[];
  addresses?: string[];
  failOpen?: boolean;
  selection?: RoutingDecision['selection'];
  weights?: number[];
  reason?: RegExp;
}

function check(topology: Topology, c: Case): void {
  const d = decide(svc(c.service), topology, snapshot(topology, c.down), c.client ? net(c.client) : undefined);
  assert.deepEqual(d.regions.map((r) => r.region), c.regions, d.reason);
  if (c.addresses) assert.deepEqual(d.regions.flatMap((r) => r.addresses).sort(), [...c.addresses].sort());
  assert.equal(d.failOpen, c.failOpen ?? false);
  if (c.selection) assert.equal(d.selection, c.selection);
  if (c.weights) assert.deepEqual(d.regions.map((r) => r.weight), c.weights);
  if (c.reason) assert.match(d.reason, c.reason);
}

const cases: Record<string, Case[]> = {
  failover: [
    { name: 'all healthy: first in order', service: 'fo', regions: ['eu-west'], addresses: ['10.1.0.1', '10.1.0.2', 'fd00:1::1'] },
    {
      name: 'first region down: next in order',
      service: 'fo',
      down: regionDown(t, 'fo', 'eu-west'),
      regions: ['us-east'],
      reason: /^eu-west down by majority; first healthy in failover order is us-east$/,
    },
    { name: 'two down: third', service: 'fo', down: [...regionDown(t, 'fo', 'eu-west'), ...regionDown(t, 'fo', 'us-east')], regions: ['ap-south'] },
    {
      name: 'all down: fail open with every endpoint',
      service: 'fo',
      down: ['eu-west', 'us-east', 'ap-south'].flatMap((r) => regionDown(t, 'fo', r)),
      regions: ['eu-west', 'us-east', 'ap-south'],
      addresses: ['10.1.0.1', '10.1.0.2', 'fd00:1::1', '10.2.0.1', 'fd00:2::1', '10.3.0.1'],
      failOpen: true,
      reason: /failing open with all 6 endpoints/,
    },
    {
      name: 'endpoints partially down: only the up ones',
      service: 'fo',
      down: [ep('fo', 'eu-west', '10.1.0.1')],
      regions: ['eu-west'],
      addresses: ['10.1.0.2', 'fd00:1::1'],
      reason: /eu-west: 2 of 3 endpoints up/,
    },
  ],
  weighted: [
    { name: 'all healthy: every region with its weight', service: 'wt', regions: ['eu-west', 'us-east', 'ap-south'], selection: 'weighted-pick', weights: [50, 25, 25] },
    {
      name: 'one region down: the rest keep their weights',
      service: 'wt',
      down: regionDown(t, 'wt', 'eu-west'),
      regions: ['us-east', 'ap-south'],
      weights: [25, 25],
      reason: /^eu-west down by majority; one region per query/,
    },
    {
      name: 'all down: fail open, every endpoint',
      service: 'wt',
      down: ['eu-west', 'us-east', 'ap-south'].flatMap((r) => regionDown(t, 'wt', r)),
      regions: ['eu-west', 'us-east', 'ap-south'],
      selection: 'all',
      failOpen: true,
    },
  ],
  geo: [
    { name: 'paris: nearest is eu-west', service: 'geo', client: 'paris', regions: ['eu-west'], reason: /nearest healthy region to paris is eu-west \(\d+ km\)/ },
    { name: 'new-york: nearest is us-east', service: 'geo', client: 'new-york', regions: ['us-east'] },
    { name: 'paris, eu-west down: next nearest (us-east)', service: 'geo', client: 'paris', down: regionDown(t, 'geo', 'eu-west'), regions: ['us-east'] },
    { name: 'unknown client: every healthy region', service: 'geo', regions: ['eu-west', 'us-east', 'ap-south'], reason: /client in no listed network: answering every healthy region/ },
    { name: 'network without location: every healthy region', service: 'geo', client: 'nowhere', regions: ['eu-west', 'us-east', 'ap-south'], reason: /nowhere has no location/ },
    {
      name: 'all down: fail open',
      service: 'geo',
      client: 'paris',
      down: ['eu-west', 'us-east', 'ap-south'].flatMap((r) => regionDown(t, 'geo', r)),
      regions: ['eu-west', 'us-east', 'ap-south'],
      failOpen: true,
    },
  ],
  latency: [
    { name: 'measured region wins over a nearer one', service: 'lat', client: 'new-york', regions: ['us-east'], reason: /lowest latency from new-york .* us-east \(8 ms\)/ },
    { name: 'partial table, measured ones down: nearest of the rest', service: 'lat', client: 'new-york', down: regionDown(t, 'lat', 'us-east'), regions: ['eu-west'], reason: /no latency measured .* nearest is eu-west/ },
    { name: 'lowest of several measurements', service: 'lat', client: 'paris-lab', regions: ['ap-south'] },
    { name: 'lowest one down: next lowest', service: 'lat', client: 'paris-lab', down: regionDown(t, 'lat', 'ap-south'), regions: ['us-east'] },
    { name: 'no measurement, location: nearest', service: 'lat', client: 'paris', regions: ['eu-west'] },
    { name: 'neither measurement nor location: every healthy region', service: 'lat', client: 'nowhere', regions: ['eu-west', 'us-east', 'ap-south'] },
    { name: 'unknown client: every healthy region', service: 'lat', regions: ['eu-west', 'us-east', 'ap-south'] },
    {
      name: 'all down: fail open',
      service: 'lat',
      client: 'new-york',
      down: ['eu-west', 'us-east', 'ap-south'].flatMap((r) => regionDown(t, 'lat', r)),
      regions: ['eu-west', 'us-east', 'ap-south'],
      failOpen: true,
    },
  ],
  'all-healthy': [
    { name: 'all healthy: every endpoint', service: 'all', regions: ['eu-west', 'us-east', 'ap-south'], addresses: ['10.1.0.1', '10.1.0.2', 'fd00:1::1', '10.2.0.1', 'fd00:2::1', '10.3.0.1'] },
    { name: 'one region down: the others', service: 'all', down: regionDown(t, 'all', 'us-east'), regions: ['eu-west', 'ap-south'], reason: /^us-east down by majority; every healthy region: eu-west, ap-south$/ },
    { name: 'restricted to listed regions', service: 'sub', regions: ['us-east', 'ap-south'] },
    { name: 'partially down endpoints', service: 'all', down: [ep('all', 'us-east', '10.2.0.1')], regions: ['eu-west', 'us-east', 'ap-south'], addresses: ['10.1.0.1', '10.1.0.2', 'fd00:1::1', 'fd00:2::1', '10.3.0.1'] },
    { name: 'all down: fail open', service: 'sub', down: [...regionDown(t, 'sub', 'us-east'), ...regionDown(t, 'sub', 'ap-south')], regions: ['us-east', 'ap-south'], failOpen: true },
  ],
};

for (const [policy, list] of Object.entries(cases)) {
  describe(`policy ${policy}`, () => {
    for (const c of list) it(c.name, () => check(t, c));
  });
}

describe('policy edge cases', () => {
  it('an endpoint missing from the snapshot counts as up', () => {
    const empty = { atMs: 0, endpoints: new Map(), reachablePeers: [] };
    const d = decide(svc('fo'), t, empty, undefined);
    assert.deepEqual(d.regions.map((r) => r.region), ['eu-west']);
    assert.equal(d.failOpen, false);
  });

  it('a service without endpoints has no answer and does not claim to fail open', () => {
    const bare = topologyWith('  - { name: bare, hostname: bare, port: 80, policy: { type: all-healthy } }\n');
    const d = decide(bare.services[0] as Topology['services'][number], bare, snapshot(bare), undefined);
    assert.deepEqual(d.regions, []);
    assert.equal(d.failOpen, false);
    assert.match(d.reason, /no endpoints/);
  });

  it('geo ties are broken by topology region order, not policy order', () => {
    const twins = parseTopology(`
apiVersion: meridian/v1
zone: ${ZONE}
regions:
  - { name: a-one, geo: { lat: 10, lon: 10 } }
  - { name: b-two, geo: { lat: 10, lon: 10 } }
services:
  - { name: geo, hostname: geo, port: 80, endpoints: { a-one: ["10.0.0.1"], b-two: ["10.0.0.2"] }, policy: { type: geo, regions: [b-two, a-one] } }
clientNetworks:
  - { name: here, cidr: 10.9.0.0/16, location: { lat: 0, lon: 0 } }
`);
    const d = decide(twins.services[0] as Topology['services'][number], twins, snapshot(twins), twins.clientNetworks[0]);
    assert.deepEqual(d.regions.map((r) => r.region), ['a-one']);
  });
});

describe('policy through the answer table', () => {
  const name = (s: string) => `${s}.${ZONE}`;

  it('IPv4-only region answers AAAA with NODATA (no fallback to another region)', () => {
    const table = buildAnswerTable(t, snapshot(t));
    const aaaa = decode(table.respond(query(name('v4only'), 'AAAA'), { address: '127.0.0.1' }, 'udp'));
    assert.equal(aaaa.rcode, 'NOERROR');
    assert.deepEqual(aaaa.answers, []);
    assert.equal(aaaa.authorities?.[0]?.type, 'SOA');
    const a = decode(table.respond(query(name('v4only'), 'A'), { address: '127.0.0.1' }, 'udp'));
    assert.deepEqual(answerData(a), ['10.3.0.1']);
  });

  it('a region whose IPv4 endpoints are down answers A from the next region and AAAA from its own (never an empty A)', () => {
    const v4Down = [ep('fo', 'eu-west', '10.1.0.1'), ep('fo', 'eu-west', '10.1.0.2')];
    const table = buildAnswerTable(t, snapshot(t, v4Down));
    const a = decode(table.respond(query(name('fo'), 'A'), { address: '127.0.0.1' }, 'udp'));
    assert.deepEqual(answerData(a), ['10.2.0.1']);
    const aaaa = decode(table.respond(query(name('fo'), 'AAAA'), { address: '127.0.0.1' }, 'udp'));
    assert.deepEqual(answerData(aaaa), ['fd00:1::1']);
    const fo = table.describe().find((s) => s.service === 'fo')?.answers[0];
    assert.deepEqual(fo?.regions, ['us-east', 'eu-west']);
    assert.match(fo?.reason ?? '', /^IPv4: eu-west down by majority; .*; IPv6: first healthy in failover order is eu-west/);
  });

  it('geo answers per client network, by source address', () => {
    const table = buildAnswerTable(t, snapshot(t));
    const ask = (address: string) => answerData(decode(table.respond(query(name('geo'), 'A'), { address }, 'udp')));
    assert.deepEqual(ask('10.50.1.1'), ['10.1.0.1', '10.1.0.2']); // paris → eu-west
    assert.deepEqual(ask('2001:db8:1::53'), ['10.2.0.1']); // new-york → us-east
    assert.deepEqual(ask('203.0.113.9'), ['10.1.0.1', '10.1.0.2', '10.2.0.1', '10.3.0.1']); // unknown → all
  });

  const share = (table: ReturnType<typeof buildAnswerTable>, picks: number) => {
    const counts = new Map<string, number>();
    for (let i = 0; i < picks; i++) {
      const addresses = answerData(decode(table.respond(query(name('tie'), 'A'), { address: '127.0.0.1' }, 'udp')));
      assert.ok(addresses.length >= 1);
      const key = addresses.join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };

  it('weighted ties: each query gets ONE region, uniformly (10 000 seeded picks)', () => {
    const counts = share(buildAnswerTable(t, snapshot(t), { random: seededRandom(7) }), 10_000);
    assert.deepEqual([...counts.keys()].sort(), ['10.1.0.1,10.1.0.2', '10.2.0.1', '10.3.0.1']);
    for (const n of counts.values()) assert.ok(Math.abs(n / 10_000 - 1 / 3) < 0.02, `share ${n / 10_000}`);
  });

  it('weighted with one region down: the others re-normalized', () => {
    const counts = share(buildAnswerTable(t, snapshot(t, regionDown(t, 'tie', 'us-east')), { random: seededRandom(11) }), 10_000);
    assert.deepEqual([...counts.keys()].sort(), ['10.1.0.1,10.1.0.2', '10.3.0.1']);
    for (const n of counts.values()) assert.ok(Math.abs(n / 10_000 - 1 / 2) < 0.02, `share ${n / 10_000}`);
  });

  it('weighted 50/25/25 is honoured', () => {
    const table = buildAnswerTable(t, snapshot(t), { random: seededRandom(3) });
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const a = answerData(decode(table.respond(query(name('wt'), 'A'), { address: '127.0.0.1' }, 'udp')))[0] as string;
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    assert.ok(Math.abs((counts.get('10.1.0.1') ?? 0) / 10_000 - 0.5) < 0.02);
    assert.ok(Math.abs((counts.get('10.2.0.1') ?? 0) / 10_000 - 0.25) < 0.02);
  });

  it('weighted AAAA picks only among regions that have IPv6', () => {
    const table = buildAnswerTable(t, snapshot(t), { random: seededRandom(5) });
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const r = decode(table.respond(query(name('tie'), 'AAAA'), { address: '127.0.0.1' }, 'udp'));
      assert.equal(r.answers?.length, 1);
      seen.add(answerData(r)[0] as string);
    }
    assert.deepEqual([...seen].sort(), ['fd00:1::1', 'fd00:2::1']);
  });
});
