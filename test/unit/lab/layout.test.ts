import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceHost, labLayout } from '../../../src/lab/layout.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const defaultTopology = parseTopology(DEFAULT_TOPOLOGY_YAML);

function topologyWith(regions: string[], services: { name: string; instances: number; port?: number }[]): ReturnType<typeof parseTopology> {
  const yaml = [
    'apiVersion: meridian/v1',
    'zone: lab.test',
    'regions:',
    ...regions.map((r) => `  - name: ${r}`),
    services.length === 0 ? 'services: []' : 'services:',
    ...services.map(
      (s) => `  - { name: ${s.name}, hostname: ${s.name}, port: ${s.port ?? 8080}, instances: ${s.instances}, policy: { type: all-healthy } }`,
    ),
  ].join('\n');
  return parseTopology(yaml, 'test.yaml');
}

function withStores(regions: string[], stores: string[]): ReturnType<typeof parseTopology> {
  const yaml = ['apiVersion: meridian/v1', 'zone: lab.test', 'regions:', ...regions.map((r) => `  - name: ${r}`), 'stores:', ...stores.map((s) => `  - ${s}`)].join('\n');
  return parseTopology(yaml, 'test.yaml');
}

describe('labLayout', () => {
  const layout = labLayout(defaultTopology);

  it('numbers regions by topology order: namespace, veth and agent addresses; the API is https', () => {
    assert.deepEqual(
      layout.regions.map((r) => [r.name, r.index, r.namespace, r.hostLink, r.agent.ipv4, r.agent.ipv6, r.dns, r.api]),
      [
        ['eu-west', 1, 'mrd-eu-west', 'mrd-r1h', '10.231.1.1', 'fd77:231::1:1', '10.231.1.1:53', 'https://10.231.1.1:7700'],
        ['us-east', 2, 'mrd-us-east', 'mrd-r2h', '10.231.2.1', 'fd77:231::2:1', '10.231.2.1:53', 'https://10.231.2.1:7700'],
        ['ap-south', 3, 'mrd-ap-south', 'mrd-r3h', '10.231.3.1', 'fd77:231::3:1', '10.231.3.1:53', 'https://10.231.3.1:7700'],
      ],
    );
  });

  it('puts instance j of the first service at .10+j, on the service port', () => {
    assert.deepEqual(
      layout.regions[1]?.instances.map((i) => [i.service, i.instance, i.ipv4, i.ipv6, i.port]),
      [
        ['web', 1, '10.231.2.11', 'fd77:231::2:11', 8080],
        ['web', 2, '10.231.2.12', 'fd77:231::2:12', 8080],
      ],
    );
  });

  it('lists the agent address first, then etcd and the database, then every instance address, on eth0', () => {
    assert.deepEqual(layout.regions[0]?.addresses.map((a) => a.ipv4), ['10.231.1.1', '10.231.1.2', '10.231.1.5', '10.231.1.11', '10.231.1.12']);
  });

  it('gives every region an etcd member at .2 and each store member region a database at .5, when there are stores', () => {
    assert.deepEqual(
      layout.regions.map((r) => [r.name, r.etcd, r.database]),
      [
        ['eu-west', { address: { ipv4: '10.231.1.2', ipv6: 'fd77:231::1:2' }, client: 'https://10.231.1.2:2379', peer: 'https://10.231.1.2:2380' }, { ipv4: '10.231.1.5', ipv6: 'fd77:231::1:5' }],
        ['us-east', { address: { ipv4: '10.231.2.2', ipv6: 'fd77:231::2:2' }, client: 'https://10.231.2.2:2379', peer: 'https://10.231.2.2:2380' }, { ipv4: '10.231.2.5', ipv6: 'fd77:231::2:5' }],
        ['ap-south', { address: { ipv4: '10.231.3.2', ipv6: 'fd77:231::3:2' }, client: 'https://10.231.3.2:2379', peer: 'https://10.231.3.2:2380' }, { ipv4: '10.231.3.5', ipv6: 'fd77:231::3:5' }],
      ],
    );
  });

  it('adds no data-layer address without stores, and none for a region no store uses', () => {
    const plain = labLayout(topologyWith(['a1', 'b2'], [{ name: 'web', instances: 1 }]));
    assert.deepEqual(plain.regions.map((r) => [r.etcd, r.database]), [[undefined, undefined], [undefined, undefined]]);
    assert.deepEqual(plain.regions[0]?.addresses.map((a) => a.ipv4), ['10.231.1.1', '10.231.1.11']);
    const oneStore = labLayout(withStores(['a1', 'b2', 'c3'], ['{ name: s1, engine: postgres, primaryRegion: a1, replicaRegions: [c3], primaryHostname: p.s1 }']));
    assert.deepEqual(oneStore.regions.map((r) => [r.name, r.etcd !== undefined, r.database?.ipv4]), [['a1', true, '10.231.1.5'], ['b2', true, undefined], ['c3', true, '10.231.3.5']]);
  });

  it('refuses two stores on one port in a shared region (one database address per region)', () => {
    const stores = [
      '{ name: s1, engine: postgres, primaryRegion: a1, replicaRegions: [b2], primaryHostname: p.s1 }',
      '{ name: s2, engine: postgres, primaryRegion: b2, primaryHostname: p.s2 }',
    ];
    assert.throws(() => labLayout(withStores(['a1', 'b2'], stores)), {
      name: 'InputError',
      message: "stores 's1' and 's2' both use port 5432 in region b2: the lab gives each region one database address, so give them different ports",
    });
    const apart = [stores[0]!, '{ name: s2, engine: postgres, primaryRegion: b2, primaryHostname: p.s2, port: 5433 }'];
    assert.equal(labLayout(withStores(['a1', 'b2'], apart)).regions[1]?.database?.ipv4, '10.231.2.5');
  });

  it('has one client namespace in 10.231.250.0/24, which the default clientNetworks covers', () => {
    assert.deepEqual(layout.clients, [
      { namespace: 'mrd-client', hostLink: 'mrd-c1h', address: { ipv4: '10.231.250.1', ipv6: 'fd77:231::250:1' }, addresses: [{ ipv4: '10.231.250.1', ipv6: 'fd77:231::250:1' }] },
    ]);
    assert.equal(defaultTopology.clientNetworks[0]?.cidr, '10.231.250.0/24');
  });

  it('keeps every interface name within the kernel limit of 15 characters', () => {
    const big = labLayout(topologyWith(Array.from({ length: 249 }, (_, i) => `region-number-${i}`), [{ name: 'web', instances: 1 }]));
    for (const r of big.regions) assert.ok(r.hostLink.length <= 15, r.hostLink);
    assert.equal(big.regions.at(-1)?.hostLink, 'mrd-r249h');
  });

  it('gives each service its own block of 20 addresses, so 16 instances never collide', () => {
    assert.deepEqual([instanceHost(1, 1), instanceHost(1, 16), instanceHost(2, 1), instanceHost(12, 16)], [11, 26, 31, 246]);
    const many = labLayout(topologyWith(['a1', 'b2'], Array.from({ length: 12 }, (_, k) => ({ name: `s${k + 1}`, instances: 16 }))));
    const all = many.regions.flatMap((r) => r.addresses.flatMap((a) => [a.ipv4, a.ipv6]));
    assert.equal(new Set(all).size, all.length, 'addresses are unique');
    assert.equal(many.regions[0]?.instances.find((i) => i.service === 's2' && i.instance === 1)?.ipv4, '10.231.1.31');
  });

  it('rejects what the address plan cannot hold, with one clear line', () => {
    assert.throws(() => labLayout(topologyWith(['a1'], Array.from({ length: 13 }, (_, k) => ({ name: `s${k + 1}`, instances: 1 })))), {
      name: 'InputError',
      message: 'the lab supports at most 12 services (topology has 13)',
    });
    assert.throws(() => labLayout(topologyWith(Array.from({ length: 250 }, (_, i) => `r${i}`), [])), {
      name: 'InputError',
      message: 'the lab supports at most 249 regions (topology has 250)',
    });
    assert.throws(() => labLayout(topologyWith(['client'], [])), /region named 'client'/);
  });
});
