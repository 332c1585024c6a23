/**
 * `meridian export k8s` with https:// agent.api URLs: the agent serves its API with `--api-tls` on
 * the meridian-api-tls Secret (mounted like meridian-peer-tls, no subPath, so renewals need no
 * restart; no certificate is issued), the kubelet probes over HTTPS, and with http:// URLs nothing
 * changes. A mix of the two is refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { registerAgentCommands } from '../../../src/cli/commands/agent.ts';
import { InputError } from '../../../src/common/errors.ts';
import { kubernetesExport, type K8sExportOptions } from '../../../src/export/k8s/index.ts';
import type { Topology } from '../../../src/spec/index.ts';
import { SMALL, smallWith } from './fixtures.ts';
import { documents, validateObject } from './models.ts';

const BOTH: K8sExportOptions = { regions: ['eu-west', 'us-east'], dnsLoadBalancer: true, apiLoadBalancer: true };
const EU_API = 'api: "http://10.1.0.10:7700"';
const US_API = 'api: "http://10.2.0.10:7700"';
const TLS = smallWith([[EU_API, 'api: "https://10.1.0.10:7700"'], [US_API, 'api: "https://10.2.0.10:7700"']]);

/* eslint-disable @typescript-eslint/no-explicit-any -- walking generated YAML */
const podSpec = (topology: Topology): any => (documents(kubernetesExport(topology, BOTH).get('base/deployment.yaml')!)[0] as any).spec.template.spec;
const argAfter = (args: readonly string[], flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);

describe('the agent with https:// agent.api URLs', () => {
  test('runs with --api-tls on the meridian-api-tls Secret, read-only, no subPath; probes over HTTPS', () => {
    const spec = podSpec(TLS);
    const container = spec.containers[0];
    assert.equal(argAfter(container.args, '--api-tls'), '/etc/meridian/api-tls');
    assert.deepEqual(spec.volumes.find((v: any) => v.name === 'api-tls'), { name: 'api-tls', secret: { secretName: 'meridian-api-tls', defaultMode: 0o440 } });
    assert.deepEqual(container.volumeMounts.find((m: any) => m.name === 'api-tls'), { name: 'api-tls', mountPath: '/etc/meridian/api-tls', readOnly: true });
    assert.equal(container.readinessProbe.httpGet.scheme, 'HTTPS');
    assert.equal(container.livenessProbe.httpGet.scheme, 'HTTPS');
    const program = new Command();
    registerAgentCommands(program);
    const known = new Set(program.commands.find((c) => c.name() === 'agent')!.options.map((o) => o.long));
    for (const arg of container.args.filter((a: string) => a.startsWith('--'))) assert.ok(known.has(arg), `meridian agent has no ${arg}`);
  });

  test('the objects validate; no certificate or Secret is written', () => {
    for (const [name, text] of kubernetesExport(TLS, BOTH)) {
      assert.doesNotMatch(text, /BEGIN CERTIFICATE|kind: Secret\b/, name);
      if (name.endsWith('kustomization.yaml')) continue;
      for (const o of documents(text)) assert.doesNotThrow(() => validateObject(o), name);
    }
  });
});

describe('with http:// agent.api URLs', () => {
  test('nothing about API TLS is written', () => {
    const spec = podSpec(SMALL);
    assert.equal(spec.containers[0].args.includes('--api-tls'), false);
    assert.equal(spec.volumes.some((v: any) => v.name === 'api-tls'), false);
    assert.equal(spec.containers[0].readinessProbe.httpGet.scheme, undefined);
  });

  test('a mix of http:// and https:// is refused', () => {
    const mixed = smallWith([[EU_API, 'api: "https://10.1.0.10:7700"']]);
    assert.throws(() => kubernetesExport(mixed, BOTH), (err) => err instanceof InputError && /http:\/\/10\.2\.0\.10:7700 are http:\/\/ while other agents' are https:\/\//.test(err.message));
  });
});
