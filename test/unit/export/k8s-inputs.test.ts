/** `meridian export k8s`: what it refuses, with one line naming the missing field. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../../src/common/errors.ts';
import { kubernetesExport } from '../../../src/export/k8s/index.ts';
import type { Topology } from '../../../src/spec/index.ts';
import { SMALL, smallWith } from './fixtures.ts';

const cases: { name: string; topology: Topology; regions?: string[]; message: RegExp }[] = [
  {
    name: 'no kubernetes.image',
    topology: smallWith([['kubernetes: { image: "registry.example.com/meridian:0.1.0", operatorCidrs: [192.0.2.0/24] }\n', '']]),
    message: /^kubernetes\.image is missing: the k8s export needs the agent's container image/,
  },
  {
    name: 'an unknown region',
    topology: SMALL,
    regions: ['mars'],
    message: /^region 'mars' is not in the topology \(regions: eu-west, us-east\)$/,
  },
  {
    name: 'a region without an agent address (the agent itself would refuse to start)',
    topology: smallWith([['    agent: { dns: "203.0.113.20:53", api: "http://10.2.0.10:7700", egress: ["198.51.100.72", "2001:db8:72::1"] }\n', '']]),
    message: /^region 'us-east' has no agent address \(regions\[1\]\.agent/,
  },
  {
    name: 'a service without endpoints for a region its policy uses',
    topology: smallWith([['endpoints: { eu-west: ["198.51.100.10"], us-east: ["198.51.100.20", "2001:db8::20"] }', 'endpoints: { eu-west: ["198.51.100.10"] }']]),
    message: /^service 'web' has no endpoints for region us-east/,
  },
  {
    name: 'a peer without agent.egress: its API traffic would be shut out silently',
    topology: smallWith([[', egress: ["198.51.100.72", "2001:db8:72::1"]', '']]),
    regions: ['eu-west'],
    message: /^regions\[1\]\.agent\.egress is missing for 'us-east': the API of 'eu-west' admits only its peers' agent egress addresses/,
  },
  {
    name: 'no region at all',
    topology: SMALL,
    regions: [],
    message: /^no region to export: pass --region NAME or --all-regions$/,
  },
];

for (const c of cases) {
  test(`refused: ${c.name}`, () => {
    assert.throws(() => kubernetesExport(c.topology, { regions: c.regions ?? ['eu-west', 'us-east'] }), (err: unknown) => {
      assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
      assert.match(err.message, c.message);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    });
  });
}

test('a peer without agent.egress is fine when only that peer is exported and it has no peer lacking them', () => {
  const t = smallWith([[', egress: ["198.51.100.72", "2001:db8:72::1"]', '']]);
  const files = kubernetesExport(t, { regions: ['us-east'] });
  assert.deepEqual([...files.keys()].filter((k) => k.startsWith('overlays/')).map((k) => k.split('/')[1]), Array(4).fill('us-east'));
});
