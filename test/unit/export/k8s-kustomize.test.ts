/**
 * `meridian export k8s`, built the way a user applies it: `kubectl kustomize overlays/<region>`.
 * kustomize runs offline on the written files; no Kubernetes API server runs here, so the built
 * objects are validated against the OpenAPI schemas only. Skipped (and says so) when `kubectl`
 * is not installed: kustomize is not an npm dependency.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeExportFiles } from '../../../src/export/files.ts';
import { kubernetesExport } from '../../../src/export/k8s/index.ts';
import { SMALL } from './fixtures.ts';
import { documents, validateObject, type KubeObject } from './models.ts';

const kustomize = spawnSync('kubectl', ['kustomize', '--help'], { encoding: 'utf8' });
const skip = kustomize.status === 0 ? false : 'kubectl (with kustomize) is not installed';
const dir = mkdtempSync(join(tmpdir(), 'meridian-export-kustomize-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function build(overlay: string): KubeObject[] {
  const r = spawnSync('kubectl', ['kustomize', join(dir, overlay)], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return documents(r.stdout);
}

/* eslint-disable @typescript-eslint/no-explicit-any -- walking built YAML */
test('every overlay builds, and every built object validates against the schemas', { skip }, () => {
  writeExportFiles(dir, kubernetesExport(SMALL, { regions: ['eu-west', 'us-east'], dnsLoadBalancer: true, apiLoadBalancer: true }));
  for (const region of ['eu-west', 'us-east']) {
    const built = build(`overlays/${region}`);
    for (const o of built) assert.doesNotThrow(() => validateObject(o), `${region}: ${o.kind}/${o.metadata.name}`);
    assert.deepEqual(built.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
      'ConfigMap/meridian-region', 'ConfigMap/meridian-topology', 'Deployment/meridian-agent', 'Namespace/meridian',
      'NetworkPolicy/meridian-api-ingress', 'NetworkPolicy/meridian-dns-ingress', 'NetworkPolicy/meridian-egress', 'NetworkPolicy/meridian-egress-peers',
      'NetworkPolicy/meridian-siblings', 'PodDisruptionBudget/meridian-agent', 'Service/meridian-agents', 'Service/meridian-api', 'Service/meridian-dns', 'ServiceAccount/meridian-agent',
    ]);
    for (const o of built) assert.equal(o.metadata.labels?.['meridian.dev/region'], region, `${o.kind} labelled with its region`);
    const byName = (kind: string, name: string) => built.find((o) => o.kind === kind && o.metadata.name === name) as any;
    assert.equal(byName('ConfigMap', 'meridian-region').data.region, region);
    const dns = byName('Service', 'meridian-dns');
    assert.equal(dns.spec.type, 'LoadBalancer');
    assert.equal(dns.spec.ports.length, 2, 'the patch keeps the base ports');
    const deployment = byName('Deployment', 'meridian-agent');
    assert.deepEqual(deployment.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'meridian-agent', 'app.kubernetes.io/part-of': 'meridian' }, 'selectors untouched by the region label');
  }
});
