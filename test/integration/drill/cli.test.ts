/** `meridian drill region-outage` as a user runs it: bad input gives one line and exit 2. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// An empty lab state directory: no lab is running there, whatever runs on this machine.
const labDir = mkdtempSync(join(tmpdir(), 'meridian-drill-cli-'));
after(() => rmSync(labDir, { recursive: true, force: true }));

function meridian(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/meridian.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, MERIDIAN_LAB_DIR: labDir, MERIDIAN_LOG_LEVEL: 'silent' },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('no lab running: exit 2 with one clear line', () => {
  const r = meridian('drill', 'region-outage', '--region', 'eu-west');
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, 'meridian: no lab is running (start one with: meridian lab up)\n');
  assert.equal(r.stdout, '');
});

test('a bad --rate is a usage error (exit 2)', () => {
  const r = meridian('drill', 'region-outage', '--region', 'eu-west', '--rate', 'fast');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--rate must be a number in \(0, 1000\], got 'fast'/);
});

test('--region is required (exit 2)', () => {
  const r = meridian('drill', 'region-outage');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /required option '--region <name>'/);
});
