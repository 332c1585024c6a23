/** `meridian approve|reject|runs` refuse bad input with one line and exit 2, before any agent is asked. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { storeOfRun } from '../../../src/cli/commands/runs.ts';
import { DEFAULT_TOPOLOGY_YAML } from '../../../src/spec/default-topology.ts';
import { runMeridian } from '../../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-runs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'meridian.yaml');
writeFileSync(file, DEFAULT_TOPOLOGY_YAML);

const cases: { name: string; args: string[]; says: RegExp }[] = [
  { name: 'approve without an id', args: ['approve', '-f', file], says: /missing required argument 'id'/ },
  { name: 'reject without an id', args: ['reject', '-f', file], says: /missing required argument 'id'/ },
  { name: 'a malformed id', args: ['approve', 'not a run', '-f', file], says: /^meridian: 'not a run' is not a run id \(expected <store>-<id>, e\.g\. orders-m3k9x2a; meridian runs lists them\)$/ },
  { name: 'an id in capitals', args: ['reject', 'ORDERS-1', '-f', file], says: /^meridian: 'ORDERS-1' is not a run id/ },
  { name: 'an id of a store not in the topology', args: ['approve', 'billing-m3k9x2a', '-f', file], says: /^meridian: run billing-m3k9x2a: no store 'billing' in the topology \(stores: orders\)$/ },
  { name: 'runs of an unknown store', args: ['runs', '--store', 'nope', '-f', file], says: /^meridian: --store: no store 'nope' in the topology \(stores: orders\)$/ },
  { name: 'an unknown option', args: ['runs', '--stor', 'orders', '-f', file], says: /unknown option '--stor'/ },
];

describe('meridian approve, reject, runs: bad input', () => {
  for (const c of cases) {
    it(`${c.name}: one line, exit 2, no stack trace`, () => {
      const r = runMeridian(c.args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr.split('\n')[0] ?? '', c.says);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});

describe('a run id names its store', () => {
  it('the store is everything before the last dash', () => {
    assert.equal(storeOfRun('orders-m3k9x2a'), 'orders');
    assert.equal(storeOfRun('orders-eu-m3k9x2a'), 'orders-eu');
  });
});
