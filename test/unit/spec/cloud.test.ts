/** The fields only the exports use: cloud placement, waves, Aurora, Global Accelerator, Route 53. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { problems } from './problems.ts';
import { parseTopology } from '../../../src/spec/index.ts';

const topology = (euCloud: string, usCloud: string, extra = '') => `apiVersion: meridian/v1
zone: global.example.com
regions:
  - name: eu
${euCloud}  - name: us
${usCloud}services:
  - name: web
    hostname: web
    port: 8080
    policy: { type: failover, order: [eu, us] }
${extra}`;

const aws = (region: string, account = '123456789012') =>
  `    cloud: { provider: aws, region: ${region}, account: '${account}', networks: [10.1.0.0/16] }\n`;

describe('cloud fields', () => {
  test('a full AWS topology parses with its defaults', () => {
    const t = parseTopology(topology(aws('eu-west-1'), aws('us-east-1'), `stores:
  - name: orders
    engine: aurora-postgresql
    primaryRegion: eu
    replicaRegions: [us]
    primaryHostname: primary.orders.db
waves: [[eu], [us]]
repositories: [shop/web]
secrets: [{ name: orders/db }]
route53: { mode: native }
kubernetes: { image: 'registry.example.com/meridian:1.0' }
gitops: { repoURL: 'https://git.example.com/platform.git' }
`));
    assert.deepEqual(t.regions[0]?.cloud, { provider: 'aws', region: 'eu-west-1', account: '123456789012', networks: ['10.1.0.0/16'] });
    assert.equal(t.services[0]?.globalAccelerator, false);
    assert.deepEqual(t.waves, [['eu'], ['us']]);
    assert.deepEqual(t.route53, { mode: 'native' });
    assert.deepEqual(t.kubernetes, { namespace: 'meridian', image: 'registry.example.com/meridian:1.0' });
    assert.deepEqual(t.gitops, { repoURL: 'https://git.example.com/platform.git', revision: 'HEAD', path: 'deploy' });
  });

  const cases: { name: string; text: string; expected: string[] }[] = [
    {
      name: 'a wave naming an unknown region',
      text: topology('', '', 'waves: [[eu], [mars, us]]\n'),
      expected: ["11:16: waves[1][0]: unknown region 'mars' (regions: eu, us)"],
    },
    {
      name: 'a region in two waves',
      text: topology('', '', 'waves: [[eu, us], [us]]\n'),
      expected: ["11:20: waves[1][0]: region 'us' is already in wave 1; a region syncs in exactly one wave"],
    },
    {
      name: 'a region in no wave',
      text: topology('', '', 'waves: [[eu]]\n'),
      expected: ['11:8: waves: region(s) us are in no wave; every region must be in exactly one'],
    },
    {
      name: 'Aurora with a non-AWS region',
      text: topology(aws('eu-west-1'), '    cloud: { provider: gcp, region: us-east1 }\n',
        'stores:\n  - name: orders\n    engine: aurora-postgresql\n    primaryRegion: eu\n    replicaRegions: [us]\n    primaryHostname: primary.orders.db\n'),
      expected: ["15:13: stores[0].engine: 'aurora-postgresql' runs only in AWS; region(s) us have no 'cloud: { provider: aws }'"],
    },
    {
      name: 'an AWS account id that is not 12 digits',
      text: topology(aws('eu-west-1', '1234'), ''),
      expected: ["5:57: regions[0].cloud.account: an AWS account id is 12 digits, not '1234'"],
    },
    {
      name: 'a Global Accelerator with a region outside AWS',
      text: topology(aws('eu-west-1'), '').replace('    policy:', '    globalAccelerator: true\n    policy:'),
      expected: ["11:24: services[0].globalAccelerator: a Global Accelerator needs every region in AWS; region(s) us have no 'cloud: { provider: aws }'"],
    },
    {
      name: 'an unknown cloud provider',
      text: topology('    cloud: { provider: ibm, region: eu-de }\n', ''),
      expected: ['5:24: regions[0].cloud.provider: Invalid option: expected one of "aws"|"gcp"|"azure"'],
    },
  ];
  for (const c of cases) test(`rejects: ${c.name}`, () => assert.deepEqual(problems(c.text), c.expected));
});
