/** `meridian export k8s` and `export argocd` through the real command line (bin/meridian.js). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runMeridian } from '../../support/cli.ts';
import { SMALL_YAML } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-export-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const topology = join(dir, 'meridian.yaml');
writeFileSync(topology, SMALL_YAML);

test('export --help lists every target', () => {
  const r = runMeridian(['export', '--help']);
  assert.equal(r.code, 0);
  for (const target of ['prometheus', 'k8s', 'argocd', 'aws-cdk']) assert.match(r.stdout, new RegExp(`^  ${target} `, 'm'));
});

test('export k8s --region writes base/ and that overlay, and says what it wrote', () => {
  const out = join(dir, 'k8s');
  const r = runMeridian(['export', 'k8s', '-f', topology, '--region', 'us-east', '--dns-load-balancer', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const written = r.stdout.trim().split('\n');
  assert.ok(written.includes(`wrote ${join(out, 'base/deployment.yaml')}`));
  assert.ok(written.includes(`wrote ${join(out, 'overlays/us-east/patch-service-dns.yaml')}`));
  assert.ok(!written.some((line) => line.includes('overlays/eu-west')));
  assert.match(readFileSync(join(out, 'overlays/us-east/configmap-region.yaml'), 'utf8'), /region: us-east/);
});

test('export k8s --image-digest: the Deployment runs the image by digest, without its tag', () => {
  const out = join(dir, 'k8s-digest');
  const digest = `sha256:${'ab'.repeat(32)}`;
  const r = runMeridian(['export', 'k8s', '-f', topology, '--region', 'eu-west', '--image-digest', digest, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(join(out, 'base/deployment.yaml'), 'utf8'), new RegExp(`^ +image: registry\\.example\\.com/meridian@${digest}$`, 'm'));
});

test('export argocd writes the ApplicationSets', () => {
  const out = join(dir, 'argocd');
  const r = runMeridian(['export', 'argocd', '-f', topology, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['applicationset-meridian-agent.yaml', 'applicationset-web.yaml', 'kustomization.yaml'].map((f) => `wrote ${join(out, f)}`));
});

const refusals: { name: string; args: string[]; stderr: RegExp }[] = [
  { name: 'neither --region nor --all-regions', args: ['export', 'k8s', '-f', topology, '-o', join(dir, 'x')], stderr: /^meridian: export k8s: pass exactly one of --region NAME and --all-regions\n$/ },
  { name: 'both', args: ['export', 'k8s', '-f', topology, '-o', join(dir, 'x'), '--region', 'eu-west', '--all-regions'], stderr: /^meridian: export k8s: pass exactly one of/ },
  { name: 'an unknown region', args: ['export', 'k8s', '-f', topology, '-o', join(dir, 'x'), '--region', 'mars'], stderr: /^meridian: region 'mars' is not in the topology/ },
  {
    name: 'a malformed --image-digest',
    args: ['export', 'k8s', '-f', topology, '-o', join(dir, 'x'), '--region', 'eu-west', '--image-digest', 'sha256:1234'],
    stderr: /^meridian: --image-digest: 'sha256:1234' is not an image digest: expected sha256: and 64 lowercase hex digits/,
  },
];
for (const c of refusals) {
  test(`export k8s refuses ${c.name}: exit 2, one line, nothing written`, () => {
    const r = runMeridian(c.args);
    assert.equal(r.code, 2);
    assert.match(r.stderr, c.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  });
}

test('export argocd without gitops: exit 2 naming the field', () => {
  const file = join(dir, 'no-gitops.yaml');
  writeFileSync(file, SMALL_YAML.replace(/^gitops:.*\n/m, ''));
  const r = runMeridian(['export', 'argocd', '-f', file, '-o', join(dir, 'y')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^meridian: gitops is missing:/);
});

test('export aws-cdk through the CLI: delegate mode without the parent zone is refused in one line, exit 2', () => {
  const r = runMeridian(['export', 'aws-cdk', '-f', topology, '-o', join(dir, 'cdk')]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^meridian: export aws-cdk: route53\.parentZoneId is missing/);
});
