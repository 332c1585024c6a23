/**
 * `meridian export k8s` with https:// etcd client URLs: the agent runs with `--etcd-tls` on the
 * meridian-etcd-tls Secret (mounted like meridian-peer-tls; no certificate is issued), the egress
 * policy still reaches the members' client ports, and with http:// URLs nothing changes. A mix of
 * the two is refused, as the agent would refuse it at start.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { registerAgentCommands } from '../../../src/cli/commands/agent.ts';
import { InputError } from '../../../src/common/errors.ts';
import { TLS_DIR_FILES } from '../../../src/common/tls-dir.ts';
import { kubernetesExport, type K8sExportOptions } from '../../../src/export/k8s/index.ts';
import type { Topology } from '../../../src/spec/index.ts';
import { SMALL, smallWith } from './fixtures.ts';
import { documents, validateObject } from './models.ts';

const BOTH: K8sExportOptions = { regions: ['eu-west', 'us-east'], dnsLoadBalancer: true, apiLoadBalancer: true };
const EU_ETCD = 'client: "http://10.1.0.20:2379"';
const US_ETCD = 'client: "http://10.2.0.20:2379"';
const TLS = smallWith([[EU_ETCD, 'client: "https://10.1.0.20:2379"'], [US_ETCD, 'client: "https://10.2.0.20:2379"']]);

/* eslint-disable @typescript-eslint/no-explicit-any -- walking generated YAML */
const podSpec = (topology: Topology): any => (documents(kubernetesExport(topology, BOTH).get('base/deployment.yaml')!)[0] as any).spec.template.spec;
const argAfter = (args: readonly string[], flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);

describe('the agent with https:// etcd client URLs', () => {
  test('runs with --etcd-tls on the meridian-etcd-tls Secret, every key, read-only, no subPath', () => {
    const spec = podSpec(TLS);
    const args: string[] = spec.containers[0].args;
    assert.equal(argAfter(args, '--etcd-tls'), '/etc/meridian/etcd-tls');
    assert.deepEqual(spec.volumes.find((v: any) => v.name === 'etcd-tls'), { name: 'etcd-tls', secret: { secretName: 'meridian-etcd-tls', defaultMode: 0o440 } });
    assert.deepEqual(spec.containers[0].volumeMounts.find((m: any) => m.name === 'etcd-tls'), { name: 'etcd-tls', mountPath: '/etc/meridian/etcd-tls', readOnly: true });
    assert.deepEqual(Object.values(TLS_DIR_FILES).sort(), ['ca.crt', 'tls.crt', 'tls.key'], "a cert-manager Secret's keys");
    const program = new Command();
    registerAgentCommands(program);
    const known = new Set(program.commands.find((c) => c.name() === 'agent')!.options.map((o) => o.long));
    for (const arg of args.filter((a) => a.startsWith('--'))) assert.ok(known.has(arg), `meridian agent has no ${arg}`);
  });

  test('the egress policy still reaches every member on its client port; the objects validate', () => {
    const files = kubernetesExport(TLS, BOTH);
    assert.equal(files.get('base/networkpolicy-egress.yaml'), kubernetesExport(SMALL, BOTH).get('base/networkpolicy-egress.yaml'));
    for (const [name, text] of files) {
      if (name.endsWith('kustomization.yaml')) continue;
      for (const o of documents(text)) assert.doesNotThrow(() => validateObject(o), name);
    }
  });

  test('only the Deployment and the topology change; no certificate or Secret is written', () => {
    const plain = kubernetesExport(SMALL, BOTH);
    const tls = kubernetesExport(TLS, BOTH);
    const changed = [...new Set([...plain.keys(), ...tls.keys()])].filter((name) => plain.get(name) !== tls.get(name)).sort();
    assert.deepEqual(changed, ['base/configmap-topology.yaml', 'base/deployment.yaml']);
    for (const [name, text] of tls) assert.doesNotMatch(text, /BEGIN CERTIFICATE|kind: Secret\b/, name);
  });
});

describe('with http:// etcd client URLs', () => {
  test('nothing about etcd TLS is written', () => {
    for (const [name, text] of kubernetesExport(SMALL, BOTH)) assert.doesNotMatch(text, /etcd-tls/, name);
  });

  test('a mix of http:// and https:// members is refused in one line', () => {
    const mixed = smallWith([[EU_ETCD, 'client: "https://10.1.0.20:2379"']]);
    assert.throws(() => kubernetesExport(mixed, BOTH), (err: unknown) => err instanceof InputError
      && /^regions\[\]\.etcd\.client: http:\/\/10\.2\.0\.20:2379 are http:\/\/ while other members are https:\/\/: .*--etcd-tls/.test(err.message));
  });
});
