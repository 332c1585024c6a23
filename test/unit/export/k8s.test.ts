/**
 * `meridian export k8s`: the agent's Kustomize tree generated from a topology.
 *
 * No Kubernetes API server runs here: every generated object is validated against the official
 * Kubernetes OpenAPI schemas (kubernetes-models' `.validate()`) only, never applied to a cluster.
 * Building the overlays with `kubectl kustomize` is in k8s-kustomize.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Command } from 'commander';
import { pino } from 'pino';
import { Deployment } from 'kubernetes-models/apps/v1';
import { REQUIRED_DB_ENV } from '../../../src/agent/store/index.ts';
import { startApiServer, type ApiHandlers } from '../../../src/agent/http-api.ts';
import { registerAgentCommands } from '../../../src/cli/commands/agent.ts';
import { writeExportFiles } from '../../../src/export/files.ts';
import { kubernetesExport, type K8sExportOptions } from '../../../src/export/k8s/index.ts';
import { validated } from '../../../src/export/validated.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';
import { SMALL, SMALL_YAML, smallWith } from './fixtures.ts';
import { documents, validateObject, type KubeObject } from './models.ts';

const ALL: K8sExportOptions = { regions: ['eu-west', 'us-east'], dnsLoadBalancer: true, apiLoadBalancer: true };
const tmp = mkdtempSync(join(tmpdir(), 'meridian-export-k8s-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function objects(topology: Topology, options: K8sExportOptions = ALL): Map<string, KubeObject> {
  const files = kubernetesExport(topology, options);
  return new Map([...files].filter(([name]) => !name.endsWith('kustomization.yaml')).map(([name, text]) => {
    const docs = documents(text);
    assert.equal(docs.length, 1, `${name}: one object per file`);
    return [name, docs[0]!];
  }));
}

const get = (all: Map<string, KubeObject>, name: string): KubeObject => {
  const o = all.get(name);
  assert.ok(o, `${name} was not generated (files: ${[...all.keys()].join(', ')})`);
  return o;
};

/* eslint-disable @typescript-eslint/no-explicit-any -- walking generated YAML */
const podSpec = (all: Map<string, KubeObject>): any => (get(all, 'base/deployment.yaml') as any).spec.template.spec;

describe('schema validation', () => {
  test('every generated object validates against the Kubernetes OpenAPI schemas', () => {
    const all = objects(SMALL);
    assert.equal(all.size, 11 + 2 * 5);
    for (const [name, object] of all) assert.doesNotThrow(() => validateObject(object), name);
  });

  test('the validator is live: a broken Deployment is rejected', () => {
    const deployment = get(objects(SMALL), 'base/deployment.yaml') as any;
    deployment.spec.replicas = 'two';
    assert.throws(() => validateObject(deployment), /replicas must be integer/);
    const broken = new Deployment({ metadata: { name: 'x' }, spec: { selector: {}, template: { spec: { containers: [{ image: 'i' } as never] } } } });
    assert.throws(() => validated('base/deployment.yaml', broken), /invariant: generated base\/deployment.yaml does not match its schema: .*required property name/);
  });
});

describe('determinism', () => {
  test('the same topology gives byte-identical files, in memory and on disk', () => {
    const first = kubernetesExport(SMALL, ALL);
    const again = kubernetesExport(parseTopology(SMALL_YAML), ALL);
    assert.deepEqual([...again], [...first]);
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    const written = writeExportFiles(a, first);
    writeExportFiles(b, kubernetesExport(SMALL, ALL));
    for (const path of written) {
      const rel = path.slice(a.length);
      assert.ok(readFileSync(path).equals(readFileSync(join(b, rel))), rel);
    }
  });

  test('a topology change changes the pod template hash, so the pods roll', () => {
    const hash = (t: Topology) => (get(objects(t), 'base/deployment.yaml') as any).spec.template.metadata.annotations['meridian.dev/topology-sha256'];
    assert.match(hash(SMALL), /^[0-9a-f]{64}$/);
    assert.notEqual(hash(smallWith([['port: 8080', 'port: 8081']])), hash(SMALL));
  });
});

describe('the agent workload', () => {
  test('the topology ConfigMap is the normalized topology the agent loads', () => {
    const cm = get(objects(SMALL), 'base/configmap-topology.yaml') as any;
    assert.deepEqual(parseTopology(cm.data['meridian.yaml'], 'configmap'), SMALL);
  });

  test('the container runs `meridian agent` with flags the agent command really has', () => {
    const program = new Command();
    registerAgentCommands(program);
    const agent = program.commands.find((c) => c.name() === 'agent')!;
    const known = new Set(agent.options.map((o) => o.long));
    const [container] = podSpec(objects(SMALL)).containers;
    assert.equal(container.args[0], 'agent');
    for (const arg of container.args.filter((a: string) => a.startsWith('--'))) assert.ok(known.has(arg), `meridian agent has no ${arg}`);
    assert.deepEqual(container.args.slice(1), [
      '--file', '/etc/meridian/meridian.yaml', '--region', '$(MERIDIAN_REGION)', '--dns', '0.0.0.0:5353', '--api', '0.0.0.0:7700',
      '--siblings', 'meridian-agents.meridian.svc:7700', '--state-dir', '/var/lib/meridian',
    ]);
    assert.equal(container.image, 'registry.example.com/meridian:0.1.0');
  });

  test('probes hit /healthz on the API port, and the agent API really answers it', async () => {
    const [container] = podSpec(objects(SMALL)).containers;
    for (const probe of [container.readinessProbe, container.livenessProbe]) assert.deepEqual(probe.httpGet, { path: '/healthz', port: 'api' });
    assert.equal(container.ports.find((p: any) => p.name === 'api').containerPort, 7700);
    const unused = () => assert.fail('not called');
    const server = await startApiServer({ host: '127.0.0.1', port: 0 }, { status: unused, view: unused, receiveView: unused } as unknown as ApiHandlers, pino({ level: 'silent' }));
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}${container.readinessProbe.httpGet.path}`);
      assert.equal(res.status, 200);
    } finally {
      await server.close();
    }
  });

  test('non-root, read-only root filesystem, no capabilities, no token, no privileged port', () => {
    const spec = podSpec(objects(SMALL));
    const [container] = spec.containers;
    assert.equal(spec.securityContext.runAsNonRoot, true);
    assert.equal(spec.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(spec.automountServiceAccountToken, false);
    assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    assert.ok(container.ports.every((p: any) => p.containerPort >= 1024), 'an unprivileged port needs no NET_BIND_SERVICE');
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
    assert.deepEqual(container.volumeMounts.filter((m: any) => !m.readOnly).map((m: any) => m.mountPath).sort(), ['/tmp', '/var/lib/meridian']);
  });

  test('two replicas spread over zones, never two on a node, and a PDB keeping one', () => {
    const all = objects(SMALL);
    const deployment = get(all, 'base/deployment.yaml') as any;
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(podSpec(all).topologySpreadConstraints[0].topologyKey, 'topology.kubernetes.io/zone');
    assert.equal(podSpec(all).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, 'kubernetes.io/hostname');
    const pdb = get(all, 'base/poddisruptionbudget.yaml') as any;
    assert.equal(pdb.spec.minAvailable, 1);
    assert.deepEqual(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
  });

  test('database credentials come from a Secret by reference, with the names the agent reads', () => {
    const [container] = podSpec(objects(SMALL)).containers;
    const secretEnv = container.env.filter((e: any) => e.valueFrom?.secretKeyRef);
    assert.deepEqual(secretEnv.map((e: any) => e.name).sort(), Object.values(REQUIRED_DB_ENV).sort());
    assert.ok(container.env.every((e: any) => e.value === undefined), 'no literal values');
  });

  test('no PostgreSQL store: no credential variables at all', () => {
    const t = parseTopology(SMALL_YAML.replace(/stores:[\s\S]*?waves:/, 'waves:'));
    const [container] = podSpec(objects(t)).containers;
    assert.deepEqual(container.env.map((e: any) => e.name), ['MERIDIAN_REGION']);
  });

  test('the ServiceAccount has no Role and says why', () => {
    const files = kubernetesExport(SMALL, ALL);
    assert.match(files.get('base/serviceaccount.yaml')!, /# Least privilege: the agent calls no Kubernetes API/);
    assert.ok(![...files.values()].some((text) => /kind: (Cluster)?Role(Binding)?$/m.test(text)));
  });
});
