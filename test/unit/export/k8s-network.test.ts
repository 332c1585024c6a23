/**
 * `meridian export k8s`: Services, LoadBalancer annotations and NetworkPolicies per region.
 * No Kubernetes API server or CNI runs here: the tests check the generated objects (validated
 * against the OpenAPI schemas in k8s.test.ts), not how a cluster enforces them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { egressRules, kubernetesExport, loadBalancerAnnotations, type K8sExportOptions } from '../../../src/export/k8s/index.ts';
import type { Topology } from '../../../src/spec/index.ts';
import { SMALL, smallWith } from './fixtures.ts';
import { documents } from './models.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- walking generated YAML */
function object(topology: Topology, options: K8sExportOptions, name: string): any {
  const text = kubernetesExport(topology, options).get(name);
  assert.ok(text, `${name} was not generated`);
  return documents(text)[0];
}

const EU: K8sExportOptions = { regions: ['eu-west'] };
const cidrs = (rule: any): string[] => (rule.to ?? rule.from).map((p: any) => p.ipBlock.cidr);
const ports = (rule: any): string[] => rule.ports.map((p: any) => `${p.port}/${p.protocol}`);

describe('Services', () => {
  test('DNS: UDP and TCP 53 onto the unprivileged container port; API 7700; ClusterIP by default', () => {
    const dns = object(SMALL, EU, 'base/service-dns.yaml');
    assert.equal(dns.spec.type, 'ClusterIP');
    assert.deepEqual(dns.spec.ports.map((p: any) => `${p.port}/${p.protocol}->${p.targetPort}`), ['53/UDP->dns-udp', '53/TCP->dns-tcp']);
    const deployment = object(SMALL, EU, 'base/deployment.yaml');
    const containerPorts = Object.fromEntries(deployment.spec.template.spec.containers[0].ports.map((p: any) => [p.name, `${p.containerPort}/${p.protocol}`]));
    assert.deepEqual(containerPorts, { 'dns-udp': '5353/UDP', 'dns-tcp': '5353/TCP', api: '7700/TCP' });
    assert.equal(object(SMALL, EU, 'base/service-api.yaml').spec.ports[0].targetPort, 'api');
    assert.equal(kubernetesExport(SMALL, EU).has('overlays/eu-west/patch-service-dns.yaml'), false);
  });

  test('--dns-load-balancer: a public LoadBalancer per region, annotated for its cloud, keeping client addresses', () => {
    const options = { regions: ['eu-west', 'us-east'], dnsLoadBalancer: true };
    const eu = object(SMALL, options, 'overlays/eu-west/patch-service-dns.yaml');
    assert.deepEqual(eu.spec, { type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    assert.equal(eu.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme'], 'internet-facing');
    const us = object(SMALL, options, 'overlays/us-east/patch-service-dns.yaml');
    assert.deepEqual(us.metadata.annotations, { 'cloud.google.com/l4-rbs': 'enabled' });
    const kustomization = documents(kubernetesExport(SMALL, options).get('overlays/eu-west/kustomization.yaml')!)[0] as any;
    assert.deepEqual(kustomization.patches, [{ path: 'patch-service-dns.yaml' }]);
  });

  test('--api-load-balancer: internal, and open only to the peers\' agent addresses and the operators\' networks', () => {
    const patch = object(SMALL, { regions: ['eu-west'], apiLoadBalancer: true }, 'overlays/eu-west/patch-service-api.yaml');
    assert.equal(patch.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme'], 'internal');
    assert.deepEqual(patch.spec.loadBalancerSourceRanges, ['192.0.2.0/24', '198.51.100.72/32', '2001:db8:72::1/128']);
  });

  const annotationCases: { provider: 'aws' | 'gcp' | 'azure' | undefined; exposure: 'public' | 'internal'; expected: Record<string, string> }[] = [
    { provider: 'gcp', exposure: 'internal', expected: { 'networking.gke.io/load-balancer-type': 'Internal' } },
    { provider: 'azure', exposure: 'public', expected: {} },
    { provider: 'azure', exposure: 'internal', expected: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } },
    { provider: undefined, exposure: 'public', expected: {} },
  ];
  for (const c of annotationCases) {
    test(`annotations: ${c.provider ?? 'no cloud'} ${c.exposure}`, () => assert.deepEqual(loadBalancerAnnotations(c.provider, c.exposure), c.expected));
  }
  test('annotations: aws NLB with IP targets and client IP preserved', () => {
    assert.deepEqual(loadBalancerAnnotations('aws', 'public'), {
      'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
      'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'preserve_client_ip.enabled=true',
    });
  });
});

describe('NetworkPolicies', () => {
  test('DNS ingress from anywhere, on the container port, both protocols', () => {
    const policy = object(SMALL, EU, 'base/networkpolicy-dns-ingress.yaml');
    assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
    assert.equal(policy.spec.ingress[0].from, undefined);
    assert.deepEqual(ports(policy.spec.ingress[0]), ['5353/UDP', '5353/TCP']);
  });

  test('API ingress only from the peers\' agent egress addresses and the operators, never the region\'s own', () => {
    const eu = object(SMALL, { regions: ['eu-west', 'us-east'] }, 'overlays/eu-west/networkpolicy-api-ingress.yaml');
    assert.deepEqual(eu.spec.ingress.map((r: any) => [cidrs(r), ports(r)]), [
      [['198.51.100.72/32', '2001:db8:72::1/128'], ['7700/TCP']],
      [['192.0.2.0/24'], ['7700/TCP']],
    ]);
    const us = object(SMALL, { regions: ['eu-west', 'us-east'] }, 'overlays/us-east/networkpolicy-api-ingress.yaml');
    assert.deepEqual(us.spec.ingress.map(cidrs), [['198.51.100.71/32'], ['192.0.2.0/24']]);
  });

  test('siblings: a headless Service listing every agent pod (ready or not), and API traffic between the pods, found through cluster DNS', () => {
    const headless = object(SMALL, EU, 'base/service-agents.yaml');
    assert.equal(headless.spec.clusterIP, 'None');
    assert.equal(headless.spec.publishNotReadyAddresses, true);
    assert.deepEqual(headless.spec.ports.map((p: any) => `${p.port}/${p.protocol}->${p.targetPort}`), ['7700/TCP->api']);
    const agentArgs: string[] = object(SMALL, EU, 'base/deployment.yaml').spec.template.spec.containers[0].args;
    assert.equal(agentArgs[agentArgs.indexOf('--siblings') + 1], `${headless.metadata.name}.${headless.metadata.namespace}.svc:7700`);
    const policy = object(SMALL, EU, 'base/networkpolicy-siblings.yaml');
    const agents = { podSelector: { matchLabels: headless.spec.selector } };
    assert.deepEqual(policy.spec.ingress, [{ from: [agents], ports: [{ port: 7700, protocol: 'TCP' }] }]);
    assert.deepEqual(policy.spec.egress[1], { to: [agents], ports: [{ port: 7700, protocol: 'TCP' }] });
    assert.deepEqual(ports(policy.spec.egress[0]), ['53/UDP', '53/TCP'], 'cluster DNS, to look the headless name up');
  });

  test('shared egress: every probe target on its service port, etcd clients (not peer URLs), PostgreSQL stores', () => {
    const policy = object(SMALL, EU, 'base/networkpolicy-egress.yaml');
    assert.deepEqual(policy.spec.policyTypes, ['Egress']);
    assert.deepEqual(policy.spec.egress.map((r: any) => [ports(r)[0], cidrs(r)]), [
      ['2379/TCP', ['10.1.0.20/32', '10.2.0.20/32']],
      ['5432/TCP', ['10.1.0.30/32', '10.2.0.30/32']],
      ['8080/TCP', ['198.51.100.10/32', '198.51.100.20/32', '2001:db8::20/128']],
    ]);
  });

  test('peer egress: the other regions\' agent APIs only', () => {
    const policy = object(SMALL, EU, 'overlays/eu-west/networkpolicy-egress-peers.yaml');
    assert.deepEqual(policy.spec.egress.map((r: any) => [ports(r), cidrs(r)]), [[['7700/TCP'], ['10.2.0.10/32']]]);
  });

  test('a destination named by a host: its port is open to any address, and cluster DNS is allowed', () => {
    // Both https: the export, like the agent, refuses a mix of http:// and https:// etcd members.
    const t = smallWith([['client: "http://10.1.0.20:2379"', 'client: "https://10.1.0.20:2379"'], ['client: "http://10.2.0.20:2379"', 'client: "https://etcd.us-east.example.com"']]);
    const rules = object(t, EU, 'base/networkpolicy-egress.yaml').spec.egress;
    assert.deepEqual(ports(rules[0]), ['53/UDP', '53/TCP']);
    assert.equal(rules[0].to[0].podSelector.matchLabels['k8s-app'], 'kube-dns');
    const https = rules.find((r: any) => ports(r)[0] === '443/TCP');
    assert.equal(https.to, undefined);
  });

  test('egressRules: one rule per port, sorted, addresses deduplicated', () => {
    assert.deepEqual(egressRules([{ host: '10.0.0.2', port: 80 }, { host: '10.0.0.1', port: 80 }, { host: '10.0.0.1', port: 80 }, { host: '::1', port: 22 }]), [
      { to: [{ ipBlock: { cidr: '::1/128' } }], ports: [{ port: 22, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '10.0.0.1/32' } }, { ipBlock: { cidr: '10.0.0.2/32' } }], ports: [{ port: 80, protocol: 'TCP' }] },
    ]);
  });
});
