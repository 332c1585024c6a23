/**
 * `meridian export argocd`: ApplicationSets validated against the Argo CD CRD schemas
 * (@kubernetes-models/argo-cd). No Argo CD or Kubernetes API server runs here: the rollout
 * order is checked by evaluating the RollingSync steps against the labels each generated
 * Application gets (the template's labels with each generator's values filled in).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../../src/common/errors.ts';
import { argocdExport, rolloutWaves } from '../../../src/export/argocd/index.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';
import { SMALL, SMALL_YAML, smallWith } from './fixtures.ts';
import { documents, validateObject, type KubeObject } from './models.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- walking generated YAML */
function sets(topology: Topology): Map<string, any> {
  const files = argocdExport(topology);
  return new Map([...files].filter(([name]) => name.startsWith('applicationset-')).map(([name, text]) => [name, documents(text)[0]]));
}

/** The Applications a set generates, one per generator (one cluster per region), with their labels. */
function applications(set: any): { name: string; path: string; labels: Record<string, string> }[] {
  const fill = (text: string, values: Record<string, string>) => text.replace(/\{\{ \.values\.(\w+) \}\}/g, (_, key: string) => {
    assert.ok(key in values, `template uses .values.${key}, which the generator does not set`);
    return values[key]!;
  });
  return set.spec.generators.map((g: any) => ({
    name: fill(set.spec.template.metadata.name, g.clusters.values),
    path: fill(set.spec.template.spec.source.path, g.clusters.values),
    labels: Object.fromEntries(Object.entries(set.spec.template.metadata.labels).map(([k, v]) => [k, fill(v as string, g.clusters.values)])),
  }));
}

const matches = (labels: Record<string, string>, expressions: any[]) =>
  expressions.every((e) => e.operator === 'In' && e.values.includes(labels[e.key]));

/** Regions synced by each RollingSync step, in step order. */
function rolloutOrder(set: any): string[][] {
  const apps = applications(set);
  return set.spec.strategy.rollingSync.steps.map((step: any) =>
    apps.filter((a) => matches(a.labels, step.matchExpressions)).map((a) => a.labels['meridian.dev/region']));
}

describe('ApplicationSets', () => {
  test('one for the agent and one per service, each valid against the Argo CD schema', () => {
    const all = sets(SMALL);
    assert.deepEqual([...all.keys()], ['applicationset-meridian-agent.yaml', 'applicationset-web.yaml']);
    for (const [name, set] of all) assert.doesNotThrow(() => validateObject(set as KubeObject), name);
    const kustomization = documents(argocdExport(SMALL).get('kustomization.yaml')!)[0] as any;
    assert.deepEqual(kustomization.resources, [...all.keys()]);
  });

  test('the validator is live: an unknown sync policy is rejected', () => {
    const set = sets(SMALL).get('applicationset-web.yaml');
    set.spec.syncPolicy.applicationsSync = 'sometimes';
    assert.throws(() => validateObject(set), /applicationsSync must be equal to one of the allowed values/);
  });

  test('clusters are chosen by region label; sources are the region overlays of the k8s export', () => {
    const agent = sets(SMALL).get('applicationset-meridian-agent.yaml');
    assert.deepEqual(agent.spec.generators.map((g: any) => g.clusters.selector.matchLabels), [{ 'meridian.dev/region': 'us-east' }, { 'meridian.dev/region': 'eu-west' }]);
    assert.deepEqual(applications(agent).map((a) => [a.name, a.path]), [
      ['meridian-agent-us-east', 'deploy/meridian/overlays/us-east'],
      ['meridian-agent-eu-west', 'deploy/meridian/overlays/eu-west'],
    ]);
    assert.equal(agent.spec.template.spec.source.repoURL, 'https://git.example.com/platform.git');
    assert.equal(agent.spec.template.spec.source.targetRevision, 'main');
    assert.deepEqual(agent.spec.template.spec.destination, { server: '{{ .server }}', namespace: 'meridian' });
    const web = sets(SMALL).get('applicationset-web.yaml');
    assert.deepEqual(applications(web).map((a) => a.path), ['deploy/meridian/services/web/overlays/us-east', 'deploy/meridian/services/web/overlays/eu-west']);
  });

  test('a change reaches regions in the declared waves: the RollingSync steps equal the waves', () => {
    const t = smallWith([
      ['waves: [[us-east], [eu-west]]', 'waves: [[us-east, eu-west]]'],
    ]);
    assert.deepEqual(rolloutOrder(sets(SMALL).get('applicationset-meridian-agent.yaml')), [['us-east'], ['eu-west']]);
    assert.deepEqual(rolloutOrder(sets(t).get('applicationset-meridian-agent.yaml')), [['us-east', 'eu-west']]);
    for (const set of sets(SMALL).values()) {
      assert.equal(set.spec.strategy.type, 'RollingSync');
      assert.equal(set.spec.template.spec.syncPolicy.automated, undefined, 'RollingSync, not auto-sync, decides when an Application syncs');
    }
  });

  test('no waves: one region per wave, in file order', () => {
    const t = smallWith([['waves: [[us-east], [eu-west]]\n', '']]);
    assert.deepEqual(rolloutWaves(t).map((w) => w.regions), [['eu-west'], ['us-east']]);
    assert.deepEqual(rolloutOrder(sets(t).get('applicationset-meridian-agent.yaml')), [['eu-west'], ['us-east']]);
  });

  test('a service only in some regions: steps for its regions only, wave numbers kept', () => {
    const t = smallWith([
      ['endpoints: { eu-west: ["198.51.100.10"], us-east: ["198.51.100.20", "2001:db8::20"] }', 'endpoints: { eu-west: ["198.51.100.10"] }'],
      ['policy: { type: failover, order: [eu-west, us-east] }', 'policy: { type: failover, order: [eu-west] }'],
    ]);
    const web = sets(t).get('applicationset-web.yaml');
    assert.deepEqual(rolloutOrder(web), [['eu-west']]);
    assert.deepEqual(web.spec.strategy.rollingSync.steps[0].matchExpressions[0].values, ['2']);
  });
});

describe('refusals', () => {
  test('no gitops: one line naming the field', () => {
    const t = smallWith([['gitops: { repoURL: "https://git.example.com/platform.git", revision: main, path: deploy/meridian }\n', '']]);
    assert.throws(() => argocdExport(t), (err: unknown) => err instanceof InputError && /^gitops is missing: the argocd export needs the Git repository/.test(err.message));
  });

  test('an Application name too long for the label Argo CD tracks it by', () => {
    const region = `r${'e'.repeat(30)}`;
    const t = parseTopology(SMALL_YAML.replaceAll('us-east', region).replace('  - name: web\n', `  - name: ${'w'.repeat(32)}\n`));
    assert.throws(() => argocdExport(t), /InputError: Argo CD Application 'w{32}-re{30}' is longer than 63 characters/);
  });
});
