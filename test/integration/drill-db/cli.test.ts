/** `meridian drill <db drill>` as a person runs it: bad input is one line and exit 2, before any lab is touched. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runMeridian } from '../../support/cli.ts';

const labDir = mkdtempSync(join(tmpdir(), 'meridian-no-lab-'));
const env = { MERIDIAN_LAB_DIR: labDir };

describe('meridian drill (database drills)', () => {
  after(() => rmSync(labDir, { recursive: true, force: true }));

  it('lists the database drills', () => {
    const r = runMeridian(['drill', '--help']);
    assert.equal(r.code, 0);
    for (const kind of ['partition', 'primary-crash', 'coordinator-crash', 'primary-freeze']) assert.match(r.stdout, new RegExp(`\\b${kind}\\b`));
    assert.doesNotMatch(r.stdout, /write-client/, 'the in-region client is internal');
  });

  const cases: [string, string[], RegExp][] = [
    ['no lab running', ['drill', 'partition', '--store', 'orders'], /^meridian: no lab is running \(start one with: meridian lab up\)\n$/],
    ['region-outage --store with no lab', ['drill', 'region-outage', '--region', 'eu-west', '--store', 'orders'], /^meridian: no lab is running/],
    ['a bad transport', ['drill', 'primary-crash', '--store', 'orders', '--transport', 'udp'], /^meridian: --transport must be sql or http, got 'udp'\n$/],
    ['a bad rate', ['drill', 'primary-freeze', '--store', 'orders', '--rate', '-3'], /^meridian: --rate must be a number in \(0, 1000\], got '-3'\n$/],
    ['no --store', ['drill', 'coordinator-crash'], /required option '--store <name>' not specified/],
  ];
  for (const [name, args, stderr] of cases) {
    it(`${name}: exit 2, one line`, () => {
      const r = runMeridian(args, { env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, stderr);
      assert.equal(r.stdout, '');
    });
  }
});
