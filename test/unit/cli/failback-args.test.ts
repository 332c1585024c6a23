/** `meridian failback` refuses bad input with one line and exit 2, before any agent is asked. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_YAML } from '../../../src/spec/default-topology.ts';
import { runMeridian } from '../../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-failback-args-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** The built-in topology has no etcd members (the lab fills them in): the last case relies on it. */
const file = join(dir, 'meridian.yaml');
writeFileSync(file, DEFAULT_TOPOLOGY_YAML);
const base = ['failback', '-f', file];

const cases: { name: string; args: string[]; says: RegExp }[] = [
  { name: 'without --store', args: [...base, '--region', 'eu-west'], says: /required option '--store <name>' not specified/ },
  { name: 'without --region', args: [...base, '--store', 'orders'], says: /required option '--region <region>' not specified/ },
  { name: 'an unknown store', args: [...base, '--store', 'nope', '--region', 'eu-west'], says: /^meridian: no store 'nope' in the topology \(stores: orders\)$/ },
  { name: 'a region that is not a member', args: [...base, '--store', 'orders', '--region', 'mars'], says: /^meridian: region 'mars' is not a member of store 'orders' \(members: eu-west, us-east, ap-south\)$/ },
  { name: '--steps going down', args: [...base, '--store', 'orders', '--region', 'eu-west', '--steps', '50,25,100'], says: /^meridian: --steps must go up, each step above the one before, not '50,25,100'$/ },
  { name: '--steps not ending at 100', args: [...base, '--store', 'orders', '--region', 'eu-west', '--steps', '10,50'], says: /^meridian: --steps must end at 100/ },
  { name: '--step-wait not a duration', args: [...base, '--store', 'orders', '--region', 'eu-west', '--step-wait', 'soon'], says: /^meridian: --step-wait must be a duration such as 30s, 500ms or 2m, not 'soon'$/ },
  { name: '--timeout of 0', args: [...base, '--store', 'orders', '--region', 'eu-west', '--timeout', '0s'], says: /^meridian: --timeout must be a duration above 0/ },
  { name: 'a topology without etcd', args: [...base, '--store', 'orders', '--region', 'eu-west'], says: /^meridian: a failback needs etcd .*nothing changed$/ },
];

describe('meridian failback: bad input', () => {
  for (const c of cases) {
    it(`${c.name}: one line, exit 2`, () => {
      const r = runMeridian(c.args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr.split('\n')[0] ?? '', c.says);
    });
  }
});
