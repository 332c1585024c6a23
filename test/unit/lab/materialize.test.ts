import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { materializeTopology, topologyYaml } from '../../../src/lab/materialize.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const source = parseTopology(DEFAULT_TOPOLOGY_YAML);

describe('materializeTopology', () => {
  const lab = materializeTopology(source);

  it("fills every region's agent and etcd member from the layout", () => {
    assert.deepEqual(
      lab.regions.map((r) => [r.name, r.etcd]),
      [
        ['eu-west', { client: 'https://10.231.1.2:2379', peer: 'https://10.231.1.2:2380' }],
        ['us-east', { client: 'https://10.231.2.2:2379', peer: 'https://10.231.2.2:2380' }],
        ['ap-south', { client: 'https://10.231.3.2:2379', peer: 'https://10.231.3.2:2380' }],
      ],
    );
    assert.deepEqual(
      lab.regions.map((r) => [r.name, r.agent]),
      [
        ['eu-west', { dns: '10.231.1.1:53', api: 'https://10.231.1.1:7700', peer: '10.231.1.1:7701' }],
        ['us-east', { dns: '10.231.2.1:53', api: 'https://10.231.2.1:7700', peer: '10.231.2.1:7701' }],
        ['ap-south', { dns: '10.231.3.1:53', api: 'https://10.231.3.1:7700', peer: '10.231.3.1:7701' }],
      ],
    );
  });

  it("fills every service's endpoints per region, IPv4 then IPv6", () => {
    assert.deepEqual(lab.services[0]?.endpoints, {
      'eu-west': ['10.231.1.11', '10.231.1.12', 'fd77:231::1:11', 'fd77:231::1:12'],
      'us-east': ['10.231.2.11', '10.231.2.12', 'fd77:231::2:11', 'fd77:231::2:12'],
      'ap-south': ['10.231.3.11', '10.231.3.12', 'fd77:231::3:11', 'fd77:231::3:12'],
    });
  });

  it("fills each store's endpoints: the database address of its primary and replica regions", () => {
    assert.deepEqual(lab.stores[0]?.endpoints, { 'eu-west': '10.231.1.5', 'us-east': '10.231.2.5', 'ap-south': '10.231.3.5' });
  });

  it('changes nothing else and does not touch its input', () => {
    const { regions: _r, services: _s, stores: _st, ...rest } = lab;
    const { regions: _r0, services: _s0, stores: _st0, ...restSource } = source;
    assert.deepEqual(rest, restSource);
    assert.deepEqual(lab.services.map(({ endpoints: _e, ...s }) => s), source.services.map(({ endpoints: _e, ...s }) => s));
    assert.deepEqual(lab.stores.map(({ endpoints: _e, ...s }) => s), source.stores.map(({ endpoints: _e, ...s }) => s));
    assert.deepEqual(lab.regions.map(({ agent: _a, etcd: _e, ...r }) => r), source.regions.map(({ agent: _a, etcd: _e, ...r }) => r));
    assert.equal(source.regions[0]?.agent, undefined);
    assert.equal(source.regions[0]?.etcd, undefined);
    assert.equal(source.services[0]?.endpoints, undefined);
    assert.equal(source.stores[0]?.endpoints, undefined);
  });

  it('adds no etcd without stores, and drops one the file carried (the lab runs none then)', () => {
    const noStores = parseTopology(
      DEFAULT_TOPOLOGY_YAML.replace(/\nstores:[\s\S]*?\n# Where clients/, '\n# Where clients').replace(
        '  - name: eu-west\n',
        '  - name: eu-west\n    etcd: { client: "http://203.0.113.10:2379", peer: "http://203.0.113.10:2380" }\n',
      ),
    );
    assert.deepEqual(noStores.stores, []);
    assert.equal(noStores.regions[0]?.etcd?.client, 'http://203.0.113.10:2379');
    assert.deepEqual(materializeTopology(noStores).regions.map((r) => r.etcd), [undefined, undefined, undefined]);
  });

  it('replaces addresses a production file carried: in the lab only lab addresses exist', () => {
    const prod = parseTopology(
      DEFAULT_TOPOLOGY_YAML.replace('  - name: eu-west\n', '  - name: eu-west\n    agent: { dns: "203.0.113.10:53", api: "https://203.0.113.10:7700" }\n').replace(
        '    replication: sync\n',
        '    replication: sync\n    endpoints: { eu-west: 203.0.113.20, us-east: 203.0.113.21, ap-south: 203.0.113.22 }\n',
      ),
    );
    assert.equal(prod.regions[0]?.agent?.dns, '203.0.113.10:53');
    assert.equal(prod.stores[0]?.endpoints?.['eu-west'], '203.0.113.20');
    const lab = materializeTopology(prod);
    assert.equal(lab.regions[0]?.agent?.dns, '10.231.1.1:53');
    assert.equal(lab.stores[0]?.endpoints?.['eu-west'], '10.231.1.5');
  });

  it('round-trips through YAML and the schema unchanged (what the agents load)', () => {
    const text = topologyYaml(lab, 'meridian.yaml');
    assert.match(text, /^# Written by 'meridian lab up' from meridian\.yaml/);
    assert.deepEqual(parseTopology(text, 'topology.yaml'), lab);
  });
});
