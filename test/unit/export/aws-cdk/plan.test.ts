/**
 * planAwsCdk: the topology → plan decisions of the aws-cdk export, as table tests. Pure: no
 * aws-cdk-lib, no AWS (synth.test.ts builds the app from these plans).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../../../src/common/errors.ts';
import type { NativeDns, NativeService } from '../../../../src/export/aws-cdk/app/lib/plan-types.ts';
import { planAwsCdk } from '../../../../src/export/aws-cdk/plan.ts';
import { parseTopology } from '../../../../src/spec/index.ts';
import { ACCOUNT, FULL_YAML, full, native, NATIVE_YAML } from './fixtures.ts';

describe('planAwsCdk: the full topology', () => {
  const plan = planAwsCdk(full());

  test('AWS regions in order, the first is home; accounts left out stay null (context)', () => {
    assert.equal(plan.homeRegion, 'eu-west');
    assert.deepEqual(plan.regions.map((r) => [r.name, r.awsRegion, r.account]), [
      ['eu-west', 'eu-west-1', ACCOUNT],
      ['us-east', 'us-east-1', ACCOUNT],
      ['ap-south', 'ap-south-1', null],
    ]);
  });

  test('database VPCs avoid every topology network (10.0.0.0/8 is taken, so 172.16-18)', () => {
    assert.deepEqual(plan.regions.map((r) => r.vpcCidr), ['172.16.0.0/16', '172.17.0.0/16', '172.18.0.0/16']);
  });

  test('delegate: ns-<region>.<zone> per agent, glue A or AAAA from agent.dns, NS TTL 300', () => {
    assert.deepEqual(plan.dns, {
      mode: 'delegate',
      parentZoneId: 'Z0123456789ABC',
      ttl: 300,
      nameServers: [
        { name: 'ns-eu-west.global.example.com', type: 'A', address: '203.0.113.10' },
        { name: 'ns-us-east.global.example.com', type: 'A', address: '203.0.113.20' },
        { name: 'ns-ap-south.global.example.com', type: 'AAAA', address: '2001:db8::30' },
      ],
    });
  });

  test('accelerators: dials from weights (heaviest 100), 100 for other policies', () => {
    const dials = Object.fromEntries(plan.accelerators.map((a) => [a.service, a.groups.map((g) => [g.awsRegion, g.trafficDialPercentage])]));
    assert.deepEqual(dials, {
      web: [['eu-west-1', 100], ['us-east-1', 50], ['ap-south-1', 0]],
      api: [['eu-west-1', 100], ['us-east-1', 100], ['ap-south-1', 100]],
    });
    assert.deepEqual(plan.accelerators[0]?.health, { path: '/healthz', intervalSeconds: 10, threshold: 2 });
    assert.ok(plan.notes.some((n) => n.startsWith('service api: the Global Accelerator sends clients to their nearest healthy region')));
  });

  test('a light but non-zero weight still gets a dial of at least 1', () => {
    const light = planAwsCdk(parseTopology(FULL_YAML.replace('weights: { eu-west: 60, us-east: 30, ap-south: 0 }', 'weights: { eu-west: 1000, us-east: 1 }')));
    assert.deepEqual(light.accelerators[0]?.groups.map((g) => g.trafficDialPercentage), [100, 1, 0]);
  });

  test('Aurora only for aurora-postgresql stores', () => {
    assert.deepEqual(plan.databases, [{
      store: 'orders',
      globalClusterIdentifier: 'meridian-orders',
      engineVersion: '16.6',
      instanceClass: 'r6g.large',
      database: 'orders',
      port: 5432,
      primaryRegion: 'eu-west',
      secondaryRegions: ['us-east', 'ap-south'],
    }]);
  });

  test('repositories and secrets replicate from home to every other AWS region', () => {
    assert.deepEqual(plan.repositories, { names: ['shop/web', 'shop/api'], replicateTo: ['us-east', 'ap-south'] });
    assert.deepEqual(plan.secrets, {
      keyAlias: 'alias/meridian-secrets',
      items: [{ name: 'orders/db', description: 'orders database login' }, { name: 'api-key', description: null }],
      replicateTo: ['us-east', 'ap-south'],
    });
  });
});

describe('planAwsCdk: Route 53 native, one service per policy', () => {
  const plan = planAwsCdk(native());
  const dns = plan.dns as NativeDns;
  const service = (name: string) => dns.services.find((s) => s.service === name) as NativeService;
  const records = (name: string) => service(name).records.map((r) => [r.type, r.setIdentifier, r.routing, r.values, r.healthCheck]);

  test('only AWS regions are planned; the zone is delegated from the parent with NS TTL 300', () => {
    assert.deepEqual(plan.regions.map((r) => r.name), ['eu-west', 'us-east']);
    assert.equal(dns.mode, 'native');
    assert.equal(dns.parentZoneId, 'Z0123456789ABC');
    assert.equal(dns.nsTtl, 300);
    assert.equal(dns.ttl, 5);
  });

  const cases: { name: string; service: string; expected: unknown[] }[] = [
    {
      name: 'failover: PRIMARY and SECONDARY only, per family; several addresses share a calculated check',
      service: 'web',
      expected: [
        ['A', 'eu-west', { policy: 'failover', role: 'PRIMARY' }, ['198.51.100.10', '198.51.100.11'], 'web-eu-west-ipv4'],
        ['A', 'us-east', { policy: 'failover', role: 'SECONDARY' }, ['198.51.100.20'], 'web-us-east-198-51-100-20'],
        ['AAAA', 'eu-west', { policy: 'failover', role: 'PRIMARY' }, ['2001:db8::10'], 'web-eu-west-2001-db8--10'],
      ],
    },
    {
      name: 'weighted: weights scaled to 0-255 when above',
      service: 'shop',
      expected: [
        ['A', 'eu-west', { policy: 'weighted', weight: 255 }, ['198.51.100.10'], 'shop-eu-west-198-51-100-10'],
        ['A', 'us-east', { policy: 'weighted', weight: 128 }, ['198.51.100.20'], 'shop-us-east-198-51-100-20'],
        ['A', 'europe', { policy: 'weighted', weight: 0 }, ['198.51.100.30'], 'shop-europe-198-51-100-30'],
      ],
    },
    {
      name: 'geo: geoproximity at each region coordinates (two decimals), any cloud',
      service: 'near',
      expected: [
        ['A', 'eu-west', { policy: 'geoproximity', latitude: '53.35', longitude: '-6.26' }, ['198.51.100.10'], 'near-eu-west-198-51-100-10'],
        ['A', 'us-east', { policy: 'geoproximity', latitude: '38.90', longitude: '-77.04' }, ['198.51.100.20'], 'near-us-east-198-51-100-20'],
        ['A', 'europe', { policy: 'geoproximity', latitude: '50.11', longitude: '8.68' }, ['198.51.100.30'], 'near-europe-198-51-100-30'],
      ],
    },
    {
      name: "latency: the region's AWS region",
      service: 'fast',
      expected: [
        ['A', 'eu-west', { policy: 'latency', awsRegion: 'eu-west-1' }, ['198.51.100.10'], 'fast-eu-west-198-51-100-10'],
        ['A', 'us-east', { policy: 'latency', awsRegion: 'us-east-1' }, ['198.51.100.20'], 'fast-us-east-198-51-100-20'],
      ],
    },
    {
      name: 'all-healthy: one multivalue record per address, each with its own check',
      service: 'all',
      expected: [
        ['A', 'eu-west-198-51-100-10', { policy: 'multivalue' }, ['198.51.100.10'], 'all-eu-west-198-51-100-10'],
        ['A', 'eu-west-198-51-100-11', { policy: 'multivalue' }, ['198.51.100.11'], 'all-eu-west-198-51-100-11'],
        ['A', 'us-east-198-51-100-20', { policy: 'multivalue' }, ['198.51.100.20'], 'all-us-east-198-51-100-20'],
      ],
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(records(c.service), c.expected));

  test('every record names a check of its service; checks are HTTP on the service port and path', () => {
    for (const s of dns.services) {
      const ids = new Set(s.healthChecks.map((h) => h.id));
      for (const r of s.records) assert.ok(ids.has(r.healthCheck), `${s.service}: ${r.healthCheck}`);
    }
    assert.deepEqual(service('web').healthChecks, [
      { id: 'web-eu-west-198-51-100-10', type: 'HTTP', region: 'eu-west', ip: '198.51.100.10', port: 8080, path: '/ready', requestInterval: 10, failureThreshold: 3 },
      { id: 'web-eu-west-198-51-100-11', type: 'HTTP', region: 'eu-west', ip: '198.51.100.11', port: 8080, path: '/ready', requestInterval: 10, failureThreshold: 3 },
      { id: 'web-eu-west-ipv4', type: 'CALCULATED', region: 'eu-west', children: ['web-eu-west-198-51-100-10', 'web-eu-west-198-51-100-11'] },
      { id: 'web-us-east-198-51-100-20', type: 'HTTP', region: 'us-east', ip: '198.51.100.20', port: 8080, path: '/ready', requestInterval: 10, failureThreshold: 3 },
      { id: 'web-eu-west-2001-db8--10', type: 'HTTP', region: 'eu-west', ip: '2001:db8::10', port: 8080, path: '/ready', requestInterval: 10, failureThreshold: 3 },
    ]);
  });

  test('notes say what Route 53 cannot express', () => {
    assert.deepEqual(plan.notes, [
      'service web (A): Route 53 failover has only PRIMARY and SECONDARY; europe left out',
      "service shop: weights scaled to Route 53's 0-255",
      'service all: region(s) europe list no endpoints; Route 53 leaves them out',
    ]);
  });
});

describe('planAwsCdk: what the topology lacks is an InputError naming it', () => {
  const edit = (yaml: string, from: string | RegExp, to: string) => {
    const out = yaml.replace(from, to);
    assert.notEqual(out, yaml, `fixture edit did not apply: ${String(from)}`);
    return out;
  };
  const cases: { name: string; yaml: string; message: RegExp }[] = [
    {
      name: 'no AWS region',
      yaml: NATIVE_YAML.replace(/provider: aws/g, 'provider: gcp'),
      message: /no region has 'cloud: \{ provider: aws/,
    },
    {
      name: 'delegate without a parent zone',
      yaml: edit(FULL_YAML, 'route53: { mode: delegate, parentZoneId: Z0123456789ABC }', 'route53: { mode: delegate }'),
      message: /route53\.parentZoneId is missing; the 'delegate' mode writes the NS and glue records of global\.example\.com/,
    },
    {
      name: 'no route53 section: delegate by default, which needs the parent zone',
      yaml: edit(FULL_YAML, /route53: .*\n/, ''),
      message: /route53\.parentZoneId is missing/,
    },
    {
      name: 'delegate with a region without agent',
      yaml: edit(FULL_YAML, '    agent: { dns: "203.0.113.20:53", api: "http://203.0.113.20:7700" }\n', ''),
      message: /region\(s\) us-east have no agent\.dns address/,
    },
    {
      name: 'delegate to an agent not on port 53',
      yaml: edit(FULL_YAML, '203.0.113.20:53', '203.0.113.20:5353'),
      message: /region us-east's agent\.dns is 203\.0\.113\.20:5353; resolvers follow a delegation to port 53 only/,
    },
    {
      name: 'native with a service without endpoints',
      yaml: edit(NATIVE_YAML, '    endpoints: { eu-west: ["198.51.100.10"], us-east: ["198.51.100.20"] }\n', ''),
      message: /service 'fast' lists no endpoints/,
    },
    {
      name: 'native with a private endpoint',
      yaml: edit(NATIVE_YAML, '"198.51.100.30"]', '"10.3.0.7"]'),
      message: /cannot reach the private address 10\.3\.0\.7/,
    },
    {
      name: 'native latency answering with a non-AWS region',
      yaml: edit(NATIVE_YAML, '    endpoints: { eu-west: ["198.51.100.10"], us-east: ["198.51.100.20"] }\n    policy: { type: latency, regions: [eu-west, us-east] }',
        '    endpoints: { eu-west: ["198.51.100.10"], us-east: ["198.51.100.20"], europe: ["198.51.100.30"] }\n    policy: { type: latency }'),
      message: /service 'fast': Route 53 latency records name an AWS region, and region europe has no 'cloud: \{ provider: aws \}'/,
    },
    {
      name: 'native with a service whose policy regions have no endpoints',
      yaml: edit(NATIVE_YAML, 'policy: { type: latency, regions: [eu-west, us-east] }', 'policy: { type: latency, regions: [europe] }'),
      message: /service 'fast': no region its latency policy answers with lists endpoints/,
    },
    {
      name: 'replicated secrets across two accounts',
      yaml: edit(edit(FULL_YAML, /stores:\n( {4}.*\n| {2}- .*\n)*/, ''), "region: us-east-1, account: '111111111111'", "region: us-east-1, account: '222222222222'"),
      message: /replicated secrets \(multi-region KMS keys\) spans regions eu-west, us-east, ap-south in different AWS accounts/,
    },
    {
      name: 'Aurora across two accounts',
      yaml: edit(FULL_YAML, "region: us-east-1, account: '111111111111'", "region: us-east-1, account: '222222222222'"),
      message: /Aurora store 'orders' spans regions eu-west, us-east, ap-south in different AWS accounts \(111111111111, 222222222222\)/,
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.throws(() => planAwsCdk(parseTopology(c.yaml)), (err: unknown) => err instanceof InputError && c.message.test(err.message)));
  }
});
