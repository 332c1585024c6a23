/** `meridian plan …` refuses bad input with one line and exit 2, before any agent is asked. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_YAML } from '../../../src/spec/default-topology.ts';
import { runMeridian } from '../../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'meridian.yaml');
writeFileSync(file, DEFAULT_TOPOLOGY_YAML);

const cases: { name: string; args: string[]; says: RegExp }[] = [
  { name: 'plan failover without --store', args: ['plan', 'failover', '-f', file], says: /required option '--store <name>' not specified/ },
  { name: 'an unknown store', args: ['plan', 'failover', '--store', 'nope', '-f', file], says: /^meridian: no store 'nope' in the topology \(stores: orders\)$/ },
  { name: '--to a region that is not a member', args: ['plan', 'failover', '--store', 'orders', '--to', 'mars', '-f', file], says: /^meridian: region 'mars' is not a member of store 'orders' \(members: eu-west, us-east, ap-south\)$/ },
  { name: 'plan drain without --region', args: ['plan', 'drain', '-f', file], says: /required option '--region <region>' not specified/ },
  { name: 'drain an unknown region', args: ['plan', 'drain', '--region', 'mars', '-f', file], says: /^meridian: unknown region 'mars' \(regions: eu-west, us-east, ap-south\)$/ },
  { name: 'drain an unknown service', args: ['plan', 'drain', '--region', 'eu-west', '--service', 'nope', '-f', file], says: /^meridian: unknown service 'nope' \(services: web\)$/ },
];

describe('meridian plan: bad input', () => {
  for (const c of cases) {
    it(`${c.name}: one line, exit 2`, () => {
      const r = runMeridian(c.args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr.split('\n')[0] ?? '', c.says);
    });
  }
});
