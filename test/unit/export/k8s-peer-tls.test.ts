/**
 * `meridian export k8s` with mutual TLS between agents (regions[].agent.peer): the flags, the
 * certificate Secret's volume, the peer port on the container and the Services, the sibling relay
 * on the peer port, and NetworkPolicies that admit the peer port from the peers' agent egress
 * addresses only. And without agent.peer, nothing changes.
 *
 * No Kubernetes API server, CNI or cert-manager runs here: the objects are checked as generated
 * (and validated against the OpenAPI schemas), the agent's own flag parser and planAgent read the
 * container's arguments, and `kubectl kustomize` builds the overlays when it is installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Command } from 'commander';
import { planAgent } from '../../../src/agent/index.ts';
import { PEER_TLS_FILES } from '../../../src/agent/tls/index.ts';
import { registerAgentCommands } from '../../../src/cli/commands/agent.ts';
import { InputError } from '../../../src/common/errors.ts';
import { writeExportFiles } from '../../../src/export/files.ts';
import { kubernetesExport, type K8sExportOptions } from '../../../src/export/k8s/index.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';
import { SMALL, smallWith } from './fixtures.ts';
import { documents, validateObject, type KubeObject } from './models.ts';

const EU_AGENT = 'egress: ["198.51.100.71"] }';
const US_AGENT = 'egress: ["198.51.100.72", "2001:db8:72::1"] }';
/** SMALL with a peer listener in both regions, at their API's address, on 7701 (the lab's port). */
const PEERS = smallWith([
  [EU_AGENT, 'egress: ["198.51.100.71"], peer: "10.1.0.10:7701" }'],
  [US_AGENT, 'egress: ["198.51.100.72", "2001:db8:72::1"], peer: "10.2.0.10:7701" }'],
]);
const BOTH: K8sExportOptions = { regions: ['eu-west', 'us-east'], dnsLoadBalancer: true, apiLoadBalancer: true };
const OPERATORS = '192.0.2.0/24';

/* eslint-disable @typescript-eslint/no-explicit-any -- walking generated YAML */
function object(topology: Topology, name: string, options: K8sExportOptions = BOTH): any {
  const text = kubernetesExport(topology, options).get(name);
  assert.ok(text, `${name} was not generated`);
  return documents(text)[0];
}
const container = (topology: Topology): any => object(topology, 'base/deployment.yaml').spec.template.spec.containers[0];
const podSpec = (topology: Topology): any => object(topology, 'base/deployment.yaml').spec.template.spec;
/** `--flag value` pairs of the container's arguments. */
function flags(args: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  args.forEach((a, i) => {
    if (a.startsWith('--')) out.set(a, args[i + 1]!);
  });
  return out;
}

describe('the agent container with agent.peer', () => {
  test('runs with --peer-tls on the mounted Secret and a peer listener on every interface at the topology\'s port', () => {
    const args: string[] = container(PEERS).args;
    const f = flags(args);
    assert.equal(f.get('--peer-tls'), '/etc/meridian/peer-tls');
    assert.equal(f.get('--peer'), '0.0.0.0:7701');
    const program = new Command();
    registerAgentCommands(program);
    const known = new Set(program.commands.find((c) => c.name() === 'agent')!.options.map((o) => o.long));
    for (const arg of args.filter((a) => a.startsWith('--'))) assert.ok(known.has(arg), `meridian agent has no ${arg}`);
  });

  test('the agent\'s own plan accepts those arguments: peer listener on 7701, siblings and peers on their peer listeners', () => {
    const f = flags(container(PEERS).args);
    const configMap = object(PEERS, 'base/configmap-topology.yaml');
    const topology = parseTopology(configMap.data['meridian.yaml'], 'configmap');
    const plan = planAgent(topology, 'eu-west', {
      dnsListen: f.get('--dns'), apiListen: f.get('--api'), siblings: f.get('--siblings'), peerTls: f.has('--peer-tls'), peerListen: f.get('--peer'),
    });
    assert.deepEqual(plan.peer, { host: '0.0.0.0', port: 7701 });
    assert.deepEqual(plan.siblings, [{ host: 'meridian-agents.meridian.svc', port: 7701 }], 'the sibling relay goes to the siblings\' peer listeners');
    assert.deepEqual(plan.peers.map((p) => p.viewUrl), ['https://10.2.0.10:7701/v1/view']);
  });

  test('the certificates come from the meridian-peer-tls Secret, every key, read-only, not by subPath (so rotations reach the files)', () => {
    const spec = podSpec(PEERS);
    const volume = spec.volumes.find((v: any) => v.name === 'peer-tls');
    assert.deepEqual(volume, { name: 'peer-tls', secret: { secretName: 'meridian-peer-tls', defaultMode: 0o440 } }, 'no items: every key of the Secret is a file of its own name');
    const mount = spec.containers[0].volumeMounts.find((m: any) => m.name === 'peer-tls');
    assert.equal(mount.subPath, undefined, 'a subPath mount is never updated by the kubelet');
    assert.deepEqual(mount, { name: 'peer-tls', mountPath: flags(spec.containers[0].args).get('--peer-tls'), readOnly: true });
    assert.deepEqual(Object.values(PEER_TLS_FILES).sort(), ['ca.crt', 'tls.crt', 'tls.key'], 'the files the agent reads: the keys of a cert-manager Secret');
  });

  test('the peer port is a named container port, and the API and headless Services carry it to that name', () => {
    const ports = Object.fromEntries(container(PEERS).ports.map((p: any) => [p.name, `${p.containerPort}/${p.protocol}`]));
    assert.deepEqual(ports, { 'dns-udp': '5353/UDP', 'dns-tcp': '5353/TCP', api: '7700/TCP', peer: '7701/TCP' });
    for (const name of ['base/service-api.yaml', 'base/service-agents.yaml']) {
      assert.deepEqual(object(PEERS, name).spec.ports.map((p: any) => `${p.name}:${p.port}/${p.protocol}->${p.targetPort}`), ['api:7700/TCP->api', 'peer:7701/TCP->peer'], name);
    }
  });

  test('every generated object validates against the Kubernetes OpenAPI schemas', () => {
    const files = kubernetesExport(PEERS, BOTH);
    for (const [name, text] of files) {
      if (name.endsWith('kustomization.yaml')) continue;
      for (const o of documents(text)) assert.doesNotThrow(() => validateObject(o), name);
    }
    assert.ok(files.has('overlays/eu-west/networkpolicy-peer-ingress.yaml') && files.has('overlays/us-east/networkpolicy-peer-ingress.yaml'));
  });
});

describe('NetworkPolicies with agent.peer', () => {
  /** Every policy of a region (base + its overlay), as Kubernetes adds them up. */
  function policies(region: string): any[] {
    const files = kubernetesExport(PEERS, BOTH);
    return [...files].filter(([name]) => (name.startsWith('base/') || name.startsWith(`overlays/${region}/`)) && name.includes('networkpolicy-'))
      .map(([, text]) => documents(text)[0] as any);
  }
  /** Who the union of the policies admits on a TCP port: each `from` peer, as JSON; 'ANYONE' for a rule without `from`. */
  function admittedOn(region: string, port: number): string[] {
    const sources = policies(region).flatMap((p) => (p.spec.ingress ?? [])
      .filter((rule: any) => rule.ports === undefined || rule.ports.some((x: any) => x.port === port && x.protocol === 'TCP'))
      .flatMap((rule: any) => (rule.from === undefined ? ['ANYONE'] : rule.from.map((peer: any) => JSON.stringify(peer)))));
    return [...new Set(sources)].sort();
  }
  const agents = JSON.stringify({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'meridian-agent', 'app.kubernetes.io/part-of': 'meridian' } } });
  const block = (cidr: string) => JSON.stringify({ ipBlock: { cidr } });

  test('the peer port admits the peers\' agent egress addresses and the region\'s own agent pods, nothing else (no operator network)', () => {
    assert.deepEqual(admittedOn('eu-west', 7701), [agents, block('198.51.100.72/32'), block('2001:db8:72::1/128')].sort());
    assert.deepEqual(admittedOn('us-east', 7701), [agents, block('198.51.100.71/32')].sort());
    assert.ok(!admittedOn('eu-west', 7701).includes(block(OPERATORS)));
    // The API still admits the operators: the peer port is a separate rule, not a copy of the API's.
    assert.ok(admittedOn('eu-west', 7700).includes(block(OPERATORS)));
  });

  test('the peer ingress policy is its own overlay object, one rule, the peer port only', () => {
    const policy = object(PEERS, 'overlays/eu-west/networkpolicy-peer-ingress.yaml');
    assert.equal(policy.metadata.name, 'meridian-peer-ingress');
    assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
    assert.deepEqual(policy.spec.ingress, [{
      from: [{ ipBlock: { cidr: '198.51.100.72/32' } }, { ipBlock: { cidr: '2001:db8:72::1/128' } }],
      ports: [{ port: 7701, protocol: 'TCP' }],
    }]);
    const kustomization = documents(kubernetesExport(PEERS, BOTH).get('overlays/eu-west/kustomization.yaml')!)[0] as any;
    assert.ok(kustomization.resources.includes('networkpolicy-peer-ingress.yaml'));
  });

  test('siblings relay to each other on the peer port; the API port is no longer open between the pods', () => {
    const policy = object(PEERS, 'base/networkpolicy-siblings.yaml');
    assert.deepEqual(policy.spec.ingress[0].ports, [{ port: 7701, protocol: 'TCP' }]);
    assert.deepEqual(policy.spec.egress[1].ports, [{ port: 7701, protocol: 'TCP' }]);
    assert.equal(flags(container(PEERS).args).get('--siblings'), 'meridian-agents.meridian.svc:7701');
  });

  test('egress to the peers: their APIs and their peer listeners', () => {
    const policy = object(PEERS, 'overlays/eu-west/networkpolicy-egress-peers.yaml');
    assert.deepEqual(policy.spec.egress, [
      { to: [{ ipBlock: { cidr: '10.2.0.10/32' } }], ports: [{ port: 7700, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '10.2.0.10/32' } }], ports: [{ port: 7701, protocol: 'TCP' }] },
    ]);
  });
});

describe('without agent.peer', () => {
  test('nothing about mutual TLS is written', () => {
    const files = kubernetesExport(SMALL, BOTH);
    for (const [name, text] of files) {
      assert.doesNotMatch(text, /peer-tls|--peer\b|meridian-peer-ingress|7701/, name);
    }
    assert.equal(container(SMALL).ports.some((p: any) => p.name === 'peer'), false);
    assert.equal(flags(container(SMALL).args).get('--siblings'), 'meridian-agents.meridian.svc:7700');
  });

  test('agent.peer changes only the files that carry mutual TLS; every other file is byte-identical', () => {
    const plain = kubernetesExport(SMALL, BOTH);
    const peers = kubernetesExport(PEERS, BOTH);
    const changed = [...new Set([...plain.keys(), ...peers.keys()])].filter((name) => plain.get(name) !== peers.get(name)).sort();
    assert.deepEqual(changed, [
      'base/configmap-topology.yaml', // the topology itself now has agent.peer
      'base/deployment.yaml',
      'base/networkpolicy-siblings.yaml',
      'base/service-agents.yaml',
      'base/service-api.yaml',
      'overlays/eu-west/kustomization.yaml',
      'overlays/eu-west/networkpolicy-egress-peers.yaml',
      'overlays/eu-west/networkpolicy-peer-ingress.yaml',
      'overlays/us-east/kustomization.yaml',
      'overlays/us-east/networkpolicy-egress-peers.yaml',
      'overlays/us-east/networkpolicy-peer-ingress.yaml',
    ]);
    assert.equal(plain.get('overlays/eu-west/networkpolicy-api-ingress.yaml'), peers.get('overlays/eu-west/networkpolicy-api-ingress.yaml'), 'the API\'s admission is untouched');
  });
});

describe('what the export refuses with agent.peer', () => {
  const cases: { name: string; topology: () => Topology; regions?: string[]; message: RegExp }[] = [
    {
      name: 'two different peer ports (the base Deployment is shared by every region)',
      topology: () => smallWith([[EU_AGENT, 'egress: ["198.51.100.71"], peer: "10.1.0.10:7701" }'], [US_AGENT, 'egress: ["198.51.100.72"], peer: "10.2.0.10:7702" }']]),
      message: /^the k8s export needs one peer port for every region .*regions\[0\]\.agent\.peer '10\.1\.0\.10:7701', regions\[1\]\.agent\.peer '10\.2\.0\.10:7702'$/,
    },
    {
      name: 'a privileged peer port (the pod has no NET_BIND_SERVICE)',
      topology: () => smallWith([[EU_AGENT, 'egress: ["198.51.100.71"], peer: "10.1.0.10:443" }'], [US_AGENT, 'egress: ["198.51.100.72"], peer: "10.2.0.10:443" }']]),
      message: /^regions\[0\]\.agent\.peer '10\.1\.0\.10:443': the k8s export runs the agent without NET_BIND_SERVICE/,
    },
    {
      name: 'an exported region without agent.peer while another region has one',
      topology: () => smallWith([[US_AGENT, 'egress: ["198.51.100.72"], peer: "10.2.0.10:7701" }']]),
      regions: ['eu-west'],
      message: /^regions\[0\]\.agent\.peer is missing for 'eu-west'/,
    },
    {
      name: 'an agent.peer not at the host of agent.api (the agent would answer 421 to the peers)',
      topology: () => smallWith([[EU_AGENT, 'egress: ["198.51.100.71"], peer: "10.1.0.11:7701" }'], [US_AGENT, 'egress: ["198.51.100.72"], peer: "10.2.0.10:7701" }']]),
      message: /^regions\[0\]\.agent\.peer '10\.1\.0\.11:7701' is not at the host of agent\.api 'http:\/\/10\.1\.0\.10:7700'/,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.throws(() => kubernetesExport(c.topology(), { regions: c.regions ?? ['eu-west', 'us-east'] }), (err: unknown) => {
        assert.ok(err instanceof InputError, String(err));
        assert.match(err.message, c.message);
        return true;
      });
    });
  }

  test('agent.peer and agent.api name the same IPv6 address written differently: accepted', () => {
    const t = smallWith([
      ['api: "http://10.2.0.10:7700"', 'api: "http://[fd00:2::10]:7700"'],
      [EU_AGENT, 'egress: ["198.51.100.71"], peer: "10.1.0.10:7701" }'],
      [US_AGENT, 'egress: ["198.51.100.72"], peer: "[fd00:2:0::10]:7701" }'],
    ]);
    const files = kubernetesExport(t, BOTH);
    const egress = documents(files.get('overlays/eu-west/networkpolicy-egress-peers.yaml')!)[0] as any;
    assert.deepEqual(egress.spec.egress.map((r: any) => r.ports[0].port), [7700, 7701]);
  });

  test('a region without agent.peer that is not exported (e.g. on VMs) does not stop the others', () => {
    const t = smallWith([[US_AGENT, 'egress: ["198.51.100.72"], peer: "10.2.0.10:7701" }']]);
    const files = kubernetesExport(t, { regions: ['us-east'] });
    const deployment = documents(files.get('base/deployment.yaml')!)[0] as any;
    assert.equal(flags(deployment.spec.template.spec.containers[0].args).get('--peer'), '0.0.0.0:7701');
    assert.ok(files.has('overlays/us-east/networkpolicy-peer-ingress.yaml'));
    // eu-west has no peer listener: us-east reaches it on its API only.
    assert.deepEqual(documents(files.get('overlays/us-east/networkpolicy-egress-peers.yaml')!)[0]!.spec, {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'meridian-agent', 'app.kubernetes.io/part-of': 'meridian' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.1.0.10/32' } }], ports: [{ port: 7700, protocol: 'TCP' }] }],
    });
  });
});

const kustomize = spawnSync('kubectl', ['kustomize', '--help'], { encoding: 'utf8' });
const skip = kustomize.status === 0 ? false : 'kubectl (with kustomize) is not installed';
const dir = mkdtempSync(join(tmpdir(), 'meridian-export-peer-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('kustomize: each overlay builds with the peer policy, the LoadBalancer patch keeps both API Service ports, all valid', { skip }, () => {
  writeExportFiles(dir, kubernetesExport(PEERS, BOTH));
  for (const region of ['eu-west', 'us-east']) {
    const r = spawnSync('kubectl', ['kustomize', join(dir, 'overlays', region)], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const built: KubeObject[] = documents(r.stdout);
    for (const o of built) assert.doesNotThrow(() => validateObject(o), `${region}: ${o.kind}/${o.metadata.name}`);
    const peerPolicy = built.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'meridian-peer-ingress');
    assert.ok(peerPolicy, `${region}: meridian-peer-ingress built`);
    assert.equal(peerPolicy.metadata.labels?.['meridian.dev/region'], region);
    const api = built.find((o) => o.kind === 'Service' && o.metadata.name === 'meridian-api') as any;
    assert.equal(api.spec.type, 'LoadBalancer');
    assert.deepEqual(api.spec.ports.map((p: any) => p.name).sort(), ['api', 'peer']);
  }
});
