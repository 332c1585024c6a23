/** Keeps the README honest: its topology example must load as written. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseTopology } from '../../../src/spec/index.ts';

test('the README topology example validates', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Topology format'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(yaml, 'README has a yaml block under "Topology format"');
  const t = parseTopology(yaml, 'README.md');
  assert.deepEqual(t.regions.map((r) => r.name), ['eu-west', 'us-east', 'ap-south']);
  assert.equal(t.stores[0]?.replication, 'sync');
});
