/**
 * Golden tests: the k8s and Argo CD exports of the small topology (fixtures.ts) must equal the
 * committed trees under test/unit/export/golden/, byte for byte, with no file missing or extra.
 * After an intended change, rewrite them and review the diff:
 *   UPDATE_GOLDEN=1 node --import tsx --test test/unit/export/golden.test.ts
 * No Kubernetes or Argo CD API server runs here; the objects' schema checks are in k8s.test.ts
 * and argocd.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { argocdExport } from '../../../src/export/argocd/index.ts';
import { writeExportFiles, type ExportFiles } from '../../../src/export/files.ts';
import { kubernetesExport } from '../../../src/export/k8s/index.ts';
import { SMALL } from './fixtures.ts';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

function readTree(dir: string): Map<string, string> {
  if (!existsSync(dir)) return new Map();
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
  return new Map(files.map((path) => [relative(dir, path).split('\\').join('/'), readFileSync(path, 'utf8')]));
}

function checkGolden(name: string, files: ExportFiles): void {
  const dir = join(GOLDEN, name);
  if (update) {
    rmSync(dir, { recursive: true, force: true });
    writeExportFiles(dir, files);
  }
  const golden = readTree(dir);
  assert.deepEqual([...files.keys()].sort(), [...golden.keys()].sort(), `${name}: the files differ from ${dir} (UPDATE_GOLDEN=1 to rewrite)`);
  for (const [path, content] of files) assert.equal(content, golden.get(path), `${name}/${path} differs from the golden file (UPDATE_GOLDEN=1 to rewrite)`);
}

test('k8s export, every region, both LoadBalancers', () => {
  checkGolden('k8s', kubernetesExport(SMALL, { regions: ['eu-west', 'us-east'], dnsLoadBalancer: true, apiLoadBalancer: true }));
});

test('argocd export', () => {
  checkGolden('argocd', argocdExport(SMALL));
});
