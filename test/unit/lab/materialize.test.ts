import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { materializeTopology, topologyYaml } from '../../../src/lab/materialize.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const source = parseTopology(DEFAULT_TOPOLOGY_YAML);

describe('materializeTopology', () => {
  const lab = materializeTopology(source);

  it("fills every region's agent from the layout", () => {
    assert.deepEqual(
      lab.regions.map((r) => [r.name, r.agent]),
      [
        ['eu-west', { dns: '10.231.1.1:53', api: 'http://10.231.1.1:7700' }],
        ['us-east', { dns: '10.231.2.1:53', api: 'http://10.231.2.1:7700' }],
        ['ap-south', { dns: '10.231.3.1:53', api: 'http://10.231.3.1:7700' }],
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

  it('changes nothing else and does not touch its input', () => {
    const { regions: _r, services: _s, ...rest } = lab;
    const { regions: _r0, services: _s0, ...restSource } = source;
    assert.deepEqual(rest, restSource);
    assert.deepEqual(lab.services.map(({ endpoints: _e, ...s }) => s), source.services.map(({ endpoints: _e, ...s }) => s));
    assert.equal(source.regions[0]?.agent, undefined);
    assert.equal(source.services[0]?.endpoints, undefined);
  });

  it('replaces addresses a production file carried: in the lab only lab addresses exist', () => {
    const prod = parseTopology(
      DEFAULT_TOPOLOGY_YAML.replace('  - name: eu-west\n', '  - name: eu-west\n    agent: { dns: "203.0.113.10:53", api: "https://203.0.113.10:7700" }\n'),
    );
    assert.equal(prod.regions[0]?.agent?.dns, '203.0.113.10:53');
    assert.equal(materializeTopology(prod).regions[0]?.agent?.dns, '10.231.1.1:53');
  });

  it('round-trips through YAML and the schema unchanged (what the agents load)', () => {
    const text = topologyYaml(lab, 'meridian.yaml');
    assert.match(text, /^# Written by 'meridian lab up' from meridian\.yaml/);
    assert.deepEqual(parseTopology(text, 'topology.yaml'), lab);
  });
});
