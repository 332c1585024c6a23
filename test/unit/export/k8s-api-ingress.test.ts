/**
 * `meridian export k8s`: who the agent's API admits. Peers by their agents' egress addresses
 * (/32, /128), operators by kubernetes.operatorCidrs, never a peer's whole VPC; DNS stays open.
 * Every written object is validated against the Kubernetes OpenAPI schemas.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiSourceRanges, kubernetesExport } from '../../../src/export/k8s/index.ts';
import type { Topology } from '../../../src/spec/index.ts';
import { SMALL, smallWith } from './fixtures.ts';
import { documents, validateObject, type KubeObject } from './models.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- walking generated YAML */
const BOTH = { regions: ['eu-west', 'us-east'], apiLoadBalancer: true };

function policy(topology: Topology, region: string): any {
  return documents(kubernetesExport(topology, BOTH).get(`overlays/${region}/networkpolicy-api-ingress.yaml`)!)[0];
}

const blocks = (p: any): string[][] => p.spec.ingress.map((rule: any) => rule.from.map((peer: any) => peer.ipBlock.cidr));

const cases: { name: string; topology: Topology; region: string; expected: string[][] }[] = [
  { name: 'eu-west: us-east\'s agents (IPv4 and IPv6), then the operators', topology: SMALL, region: 'eu-west', expected: [['198.51.100.72/32', '2001:db8:72::1/128'], ['192.0.2.0/24']] },
  { name: 'us-east: eu-west\'s agent, then the operators', topology: SMALL, region: 'us-east', expected: [['198.51.100.71/32'], ['192.0.2.0/24']] },
  {
    name: 'no operatorCidrs: the peers only',
    topology: smallWith([[', operatorCidrs: [192.0.2.0/24]', '']]),
    region: 'eu-west',
    expected: [['198.51.100.72/32', '2001:db8:72::1/128']],
  },
  {
    name: 'operators listed twice and unsorted: each once, sorted',
    topology: smallWith([['operatorCidrs: [192.0.2.0/24]', 'operatorCidrs: ["fd00:9::/64", 192.0.2.0/24, "fd00:9::/64"]']]),
    region: 'us-east',
    expected: [['198.51.100.71/32'], ['192.0.2.0/24', 'fd00:9::/64']],
  },
];

for (const c of cases) {
  test(`API ingress ipBlocks, ${c.name}`, () => {
    const p = policy(c.topology, c.region);
    assert.deepEqual(blocks(p), c.expected);
    for (const rule of p.spec.ingress) assert.deepEqual(rule.ports, [{ port: 7700, protocol: 'TCP' }]);
  });
}

test('no peer VPC (cloud.networks) is admitted anywhere in an overlay', () => {
  const files = kubernetesExport(SMALL, BOTH);
  for (const [path, text] of files) {
    if (!path.startsWith('overlays/')) continue;
    for (const network of ['10.1.0.0/16', '10.2.0.0/16', 'fd00:2::/48']) assert.ok(!text.includes(network), `${path} admits ${network}`);
  }
});

test('cloud.networks are no longer needed by the k8s export', () => {
  const t = smallWith([
    ["account: '123456789012', networks: [10.1.0.0/16]", "account: '123456789012'"],
    ['region: us-east1, networks: [10.2.0.0/16, "fd00:2::/48"]', 'region: us-east1'],
  ]);
  assert.deepEqual(blocks(policy(t, 'eu-west')), [['198.51.100.72/32', '2001:db8:72::1/128'], ['192.0.2.0/24']]);
});

test('the API LoadBalancer\'s source ranges are the policy\'s blocks', () => {
  for (const region of ['eu-west', 'us-east']) {
    const patch = documents(kubernetesExport(SMALL, BOTH).get(`overlays/${region}/patch-service-api.yaml`)!)[0] as any;
    assert.deepEqual(patch.spec.loadBalancerSourceRanges, blocks(policy(SMALL, region)).flat().sort());
    assert.deepEqual(patch.spec.loadBalancerSourceRanges, apiSourceRanges(SMALL, region, ['192.0.2.0/24']));
  }
});

test('DNS stays open to every client, UDP and TCP', () => {
  const dns = documents(kubernetesExport(SMALL, BOTH).get('base/networkpolicy-dns-ingress.yaml')!)[0] as any;
  assert.deepEqual(dns.spec.ingress, [{ ports: [{ port: 5353, protocol: 'UDP' }, { port: 5353, protocol: 'TCP' }] }]);
});

test('every written object still validates against the Kubernetes schemas', () => {
  const files = kubernetesExport(SMALL, { ...BOTH, dnsLoadBalancer: true });
  const objects: KubeObject[] = [...files].filter(([path]) => !path.endsWith('kustomization.yaml')).flatMap(([, text]) => documents(text));
  assert.ok(objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'meridian-api-ingress'));
  for (const o of objects) assert.doesNotThrow(() => validateObject(o), `${o.kind} ${o.metadata.name}`);
});
