import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { problems } from './problems.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology, topologyJsonSchema } from '../../../src/spec/index.ts';

const base = (services: string, extra = '') => `apiVersion: meridian/v1
zone: global.example.com
regions:
  - name: eu-west
    geo: { lat: 53.3, lon: -6.2 }
  - name: us-east
    geo: { lat: 38.9, lon: -77.0 }
services:
${services}${extra}`;

const web = (policy: string, more = '') => `  - name: web
    hostname: web
    port: 8080
${more}    policy: ${policy}
`;

describe('topology loading', () => {
  test('the built-in topology is valid and gets defaults', () => {
    const t = parseTopology(DEFAULT_TOPOLOGY_YAML);
    assert.equal(t.regions.length, 3);
    assert.equal(t.dns.ttl, 2);
    const svc = t.services[0];
    assert.ok(svc);
    assert.equal(svc.health.interval, 500);
    assert.deepEqual(svc.policy, { type: 'failover', order: ['eu-west', 'us-east', 'ap-south'] });
    assert.ok(Object.isFrozen(t) && Object.isFrozen(t.regions) && Object.isFrozen(svc.health));
  });

  test('durations accept ms, s, m and bare milliseconds', () => {
    const t = parseTopology(base(web('{ type: all-healthy }', '    health: { interval: 2s, timeout: 300 }\n')));
    assert.equal(t.services[0]?.health.interval, 2000);
    assert.equal(t.services[0]?.health.timeout, 300);
  });

  const cases: { name: string; text: string; expected: string[] }[] = [
    {
      name: 'unknown key points at the key',
      text: base(web('{ type: all-healthy }', '    colour: red\n')),
      expected: ["12:5: services[0].colour: unknown key 'colour'"],
    },
    {
      name: 'wrong type points at the value',
      text: base(web('{ type: all-healthy }').replace('port: 8080', 'port: eighty')),
      expected: ['11:11: services[0].port: expected number, received string'],
    },
    {
      name: 'unknown policy type',
      text: base(web('{ type: random }')),
      expected: ['12:21: services[0].policy.type: expected one of: failover, weighted, geo, latency, all-healthy'],
    },
    {
      name: 'policy naming an unknown region',
      text: base(web('{ type: failover, order: [eu-west, us-wset] }')),
      expected: ["12:48: services[0].policy.order[1]: unknown region 'us-wset' (regions: eu-west, us-east)"],
    },
    {
      name: 'weights naming an unknown region point at the key',
      text: base(web('{ type: weighted, weights: { eu-west: 1, mars: 2 } }')),
      expected: ["12:54: services[0].policy.weights.mars: unknown region 'mars' (regions: eu-west, us-east)"],
    },
    {
      name: 'all-zero weights',
      text: base(web('{ type: weighted, weights: { eu-west: 0 } }')),
      expected: ['12:40: services[0].policy.weights: at least one region needs a weight above 0'],
    },
    {
      name: 'timeout not shorter than interval',
      text: base(web('{ type: all-healthy }', '    health: { interval: 1s, timeout: 1s }\n')),
      expected: ['12:38: services[0].health.timeout: timeout (1000ms) must be shorter than interval (1000ms)'],
    },
    {
      name: 'agent.peer that is not ip:port',
      text: base(web('{ type: all-healthy }')).replace('    geo: { lat: 53.3, lon: -6.2 }\n', '    geo: { lat: 53.3, lon: -6.2 }\n    agent: { dns: "10.0.0.1:53", api: "http://10.0.0.1:7700", peer: "10.0.0.1" }\n'),
      expected: ["6:69: regions[0].agent.peer: an address such as '10.0.0.1:53' or '[fd00::1]:53'"],
    },
    {
      name: 'bad duration',
      text: base(web('{ type: all-healthy }', '    health: { interval: 5 seconds }\n')),
      expected: ["12:25: services[0].health.interval: a duration such as '500ms', '2s' or '1m'"],
    },
    {
      name: 'duplicate region name',
      text: base(web('{ type: all-healthy }')).replace('name: us-east', 'name: eu-west'),
      expected: ["6:11: regions[1].name: duplicate region name 'eu-west'"],
    },
    {
      name: 'missing required key',
      text: base(web('{ type: all-healthy }')).replace('zone: global.example.com\n', ''),
      expected: ['1:1: zone: missing (expected string)'],
    },
    {
      name: 'YAML syntax error',
      text: 'apiVersion: meridian/v1\nzone: [a\n',
      expected: ['3:1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    },
    {
      name: 'duplicate YAML key',
      text: 'apiVersion: meridian/v1\nzone: a.b\nzone: c.d\n',
      expected: ['3:1: Map keys must be unique'],
    },
    {
      name: 'endpoint that is not an IP address',
      text: base(web('{ type: all-healthy }', '    endpoints: { eu-west: [web.example.com] }\n')),
      expected: ['12:28: services[0].endpoints.eu-west[0]: an IPv4 or IPv6 address'],
    },
    {
      name: 'every problem is reported, not only the first',
      text: base(web('{ type: all-healthy }', '    colour: red\n    instances: 0\n')),
      expected: ['13:16: services[0].instances: Too small: expected number to be >=1', "12:5: services[0].colour: unknown key 'colour'"],
    },
  ];
  for (const c of cases) {
    test(`rejects: ${c.name}`, () => assert.deepEqual(problems(c.text), c.expected));
  }

  test('the JSON Schema forbids unknown keys and documents durations as strings', () => {
    const schema = topologyJsonSchema() as { additionalProperties?: boolean; properties: Record<string, unknown> };
    assert.equal(schema.additionalProperties, false);
    assert.ok('regions' in schema.properties && 'services' in schema.properties);
    assert.match(JSON.stringify(schema), /\(ms\|s\|m\)/);
  });
});

describe('data stores', () => {
  const store = (fields: string) => base(web('{ type: all-healthy }'), `stores:\n  - name: orders\n    engine: postgres\n    primaryHostname: primary.orders.db\n${fields}`);

  test('the built-in topology has a sync demo store with defaults', () => {
    const s = parseTopology(DEFAULT_TOPOLOGY_YAML).stores[0];
    assert.ok(s);
    assert.equal(s.replication, 'sync');
    assert.equal(s.port, 5432);
    assert.deepEqual(s.targets, { rto: 30_000, rpo: 0 });
  });

  test('failover.approval: absent means automatic (not written back); manual with an expiry parses to milliseconds', () => {
    const plain = parseTopology(store('    primaryRegion: eu-west\n')).stores[0];
    assert.equal(plain?.failover, undefined);
    const manual = parseTopology(store('    primaryRegion: eu-west\n    failover: { approval: manual, approvalExpiry: 5m }\n')).stores[0];
    assert.deepEqual(manual?.failover, { approval: 'manual', approvalExpiry: 300_000 });
    const off = parseTopology(store('    primaryRegion: eu-west\n    failover: { approval: off }\n')).stores[0];
    assert.deepEqual(off?.failover, { approval: 'off', approvalExpiry: 600_000 });
  });

  const cases: { name: string; fields: string; expected: string[] }[] = [
    {
      name: 'unknown primary region',
      fields: '    primaryRegion: mars\n',
      expected: ["17:20: stores[0].primaryRegion: unknown region 'mars' (regions: eu-west, us-east)"],
    },
    {
      name: 'replica in the primary region',
      fields: '    primaryRegion: eu-west\n    replicaRegions: [eu-west]\n',
      expected: ["18:22: stores[0].replicaRegions[0]: replica region 'eu-west' is the primary region; replicas must be in other regions"],
    },
    {
      name: 'sync without replicas',
      fields: '    primaryRegion: eu-west\n    replication: sync\n',
      expected: ["18:18: stores[0].replication: 'sync' needs at least one replica region (a commit waits for a standby in another region)"],
    },
    {
      name: 'hostname clash with a service',
      fields: '    primaryRegion: eu-west\n    replicaHostname: web\n',
      expected: ["18:22: stores[0].replicaHostname: 'web' is already a service or store hostname"],
    },
    {
      name: 'an approval mode that does not exist',
      fields: '    primaryRegion: eu-west\n    failover: { approval: manaul }\n',
      expected: ['18:27: stores[0].failover.approval: expected one of: automatic, manual, off'],
    },
    {
      name: 'an approval expiry that is not a duration',
      fields: '    primaryRegion: eu-west\n    failover: { approval: manual, approvalExpiry: ten minutes }\n',
      expected: ["18:51: stores[0].failover.approvalExpiry: a duration such as '500ms', '2s' or '1m'"],
    },
    {
      name: 'an unknown key in a store\'s failover block',
      fields: '    primaryRegion: eu-west\n    failover: { automatic: false }\n',
      expected: ["18:17: stores[0].failover.automatic: unknown key 'automatic'"],
    },
  ];
  for (const c of cases) {
    test(`rejects: ${c.name}`, () => assert.deepEqual(problems(store(c.fields)), c.expected));
  }
});

describe('client networks and reserved names', () => {
  test('rejects a CIDR with an impossible prefix', () => {
    const text = base(web('{ type: all-healthy }'), 'clientNetworks:\n  - name: office\n    cidr: 10.0.0.0/40\n');
    assert.deepEqual(problems(text), ["15:11: clientNetworks[0].cidr: a CIDR such as '10.0.0.0/8' or 'fd00::/8' (prefix up to /32 for IPv4, /128 for IPv6)"]);
  });
  test('accepts IPv6 client networks', () => {
    const t = parseTopology(base(web('{ type: all-healthy }'), 'clientNetworks:\n  - name: office\n    cidr: fd00::/8\n'));
    assert.equal(t.clientNetworks[0]?.cidr, 'fd00::/8');
  });
  test("rejects a service hostname that is a region's name server name", () => {
    const text = base(web('{ type: all-healthy }').replace('hostname: web', 'hostname: ns-eu-west'));
    assert.deepEqual(problems(text), ["10:15: services[0].hostname: 'ns-eu-west' is the name server name of region 'eu-west'"]);
  });
});
