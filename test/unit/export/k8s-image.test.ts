/**
 * `meridian export k8s`: the agent image by digest. With a digest (in kubernetes.image, in
 * --image, or --image-digest) the Deployment runs `name@sha256:…` and never a tag; a bad digest
 * is one InputError line (exit 2 through the CLI: cli.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../../src/common/errors.ts';
import { agentImage, kubernetesExport, parseImageReference, type K8sExportOptions } from '../../../src/export/k8s/index.ts';
import type { Topology } from '../../../src/spec/index.ts';
import { SMALL, smallWith } from './fixtures.ts';
import { documents, validateObject } from './models.ts';

const HEX = 'a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4';
const DIGEST = `sha256:${HEX}`;

function deployedImage(topology: Topology, options: Partial<K8sExportOptions> = {}): string {
  const text = kubernetesExport(topology, { regions: ['eu-west'], ...options }).get('base/deployment.yaml')!;
  const [deployment] = documents(text);
  validateObject(deployment!);
  return (deployment as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image;
}

const pinned: { name: string; topology: Topology; options?: Partial<K8sExportOptions>; expected: string }[] = [
  { name: 'no digest: the reference as written (today\'s behaviour)', topology: SMALL, expected: 'registry.example.com/meridian:0.1.0' },
  { name: '--image-digest: name@digest, the tag dropped', topology: SMALL, options: { imageDigest: DIGEST }, expected: `registry.example.com/meridian@${DIGEST}` },
  { name: '--image repo@digest', topology: SMALL, options: { image: `registry.example.com/meridian@${DIGEST}` }, expected: `registry.example.com/meridian@${DIGEST}` },
  {
    name: 'kubernetes.image with tag and digest: the tag dropped',
    topology: smallWith([['meridian:0.1.0"', `meridian:0.1.0@${DIGEST}"`]]),
    expected: `registry.example.com/meridian@${DIGEST}`,
  },
  {
    name: 'a registry with a port is not a tag',
    topology: SMALL,
    options: { image: 'registry.example.com:5000/platform/meridian:0.1.0', imageDigest: DIGEST },
    expected: `registry.example.com:5000/platform/meridian@${DIGEST}`,
  },
  { name: 'the same digest twice is fine', topology: SMALL, options: { image: `meridian@${DIGEST}`, imageDigest: DIGEST }, expected: `meridian@${DIGEST}` },
];
for (const c of pinned) {
  test(`image: ${c.name}`, () => assert.equal(deployedImage(c.topology, c.options), c.expected));
}

test('with a digest, no mutable tag appears anywhere in the written manifests', () => {
  for (const [path, text] of kubernetesExport(SMALL, { regions: ['eu-west', 'us-east'], imageDigest: DIGEST })) {
    assert.ok(!text.includes('meridian:0.1.0'), `${path} still names the tag`);
  }
});

const refused: { name: string; image?: string; digest?: string; message: RegExp }[] = [
  { name: 'a digest without its algorithm', digest: HEX, message: /^--image-digest: 'a3ed.*' is not an image digest: expected sha256: and 64 lowercase hex digits/ },
  { name: 'a short digest', digest: 'sha256:abc123', message: /^--image-digest: 'sha256:abc123' is not an image digest/ },
  { name: 'upper-case hex', digest: `sha256:${HEX.toUpperCase()}`, message: /is not an image digest/ },
  { name: 'another algorithm', digest: `sha512:${HEX}${HEX}`, message: /is not an image digest: expected sha256:/ },
  { name: 'a bad digest inside --image', image: 'meridian@sha256:nothex', message: /^--image: 'sha256:nothex' is not an image digest/ },
  { name: 'two different digests', image: `meridian@${DIGEST}`, digest: `sha256:${'0'.repeat(64)}`, message: /^--image-digest sha256:0+ differs from the digest in --image/ },
  { name: 'not an image reference', image: 'Registry/Meridian:1', message: /^--image 'Registry\/Meridian:1' is not an image reference/ },
];
for (const c of refused) {
  test(`image refused: ${c.name}, in one line`, () => {
    assert.throws(() => kubernetesExport(SMALL, { regions: ['eu-west'], image: c.image, imageDigest: c.digest }), (err: unknown) => {
      assert.ok(err instanceof InputError, String(err));
      assert.match(err.message, c.message);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  });
}

test('parseImageReference splits name, tag and digest as the distribution grammar does', () => {
  assert.deepEqual(parseImageReference('localhost:5000/a/b_c:v1.2', 'x'), { name: 'localhost:5000/a/b_c', tag: 'v1.2' });
  assert.deepEqual(parseImageReference(`b@${DIGEST}`, 'x'), { name: 'b', digest: DIGEST });
  assert.equal(agentImage('meridian', 'x'), 'meridian');
});
