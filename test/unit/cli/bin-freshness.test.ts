/**
 * bin/meridian.js runs dist/ only while that build is newer than everything under src/; else the
 * sources through tsx. Run on a copy of bin in a scratch checkout whose dist/ and src/ entry
 * points each print their name, so what ran is on stdout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'meridian-bin-'));
symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules')); // tsx, for the sources
after(() => rmSync(scratch, { recursive: true, force: true }));

const BUILT_AT = new Date('2026-01-01T12:00:00Z');
const before = (seconds: number) => new Date(BUILT_AT.getTime() - seconds * 1000);
const stamp = join(scratch, 'dist/.build-stamp');
const srcFile = join(scratch, 'src/cli/main.ts');

/** A checkout built at BUILT_AT from sources last edited a minute before. */
beforeEach(() => {
  rmSync(join(scratch, 'dist'), { recursive: true, force: true });
  rmSync(join(scratch, 'src'), { recursive: true, force: true });
  mkdirSync(join(scratch, 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'bin/meridian.js'), join(scratch, 'bin/meridian.js'));
  mkdirSync(join(scratch, 'dist/cli'), { recursive: true });
  writeFileSync(join(scratch, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(scratch, 'dist/cli/main.js'), "process.stdout.write('dist');\n");
  writeFileSync(stamp, '');
  mkdirSync(join(scratch, 'src/cli'), { recursive: true });
  writeFileSync(srcFile, "const from: string = 'src';\nprocess.stdout.write(from);\nexport {};\n");
  for (const path of [srcFile, join(scratch, 'src/cli'), join(scratch, 'src')]) utimesSync(path, before(60), before(60));
  utimesSync(stamp, BUILT_AT, BUILT_AT);
});

function ran(): string {
  const r = spawnSync(process.execPath, [join(scratch, 'bin/meridian.js')], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('bin/meridian.js picks dist/ or the sources', () => {
  test('a build newer than every source runs dist/', () => {
    assert.equal(ran(), 'dist');
  });

  test('a source edited after the build starts runs the sources', () => {
    utimesSync(srcFile, before(-1), before(-1));
    assert.equal(ran(), 'src');
  });

  test('a source edited in the second the build started counts as newer (it may have missed it)', () => {
    utimesSync(srcFile, BUILT_AT, BUILT_AT);
    assert.equal(ran(), 'src');
  });

  test('a source file deleted after the build runs the sources (its folder changed)', () => {
    writeFileSync(join(scratch, 'src/cli/old.ts'), '');
    utimesSync(join(scratch, 'src/cli/old.ts'), before(60), before(60));
    utimesSync(join(scratch, 'src/cli'), before(60), before(60));
    assert.equal(ran(), 'dist');
    rmSync(join(scratch, 'src/cli/old.ts'));
    assert.equal(ran(), 'src');
  });

  test('no stamp (never built, or a build being swapped in) runs the sources', () => {
    rmSync(stamp);
    assert.equal(ran(), 'src');
  });

  test('no src/ (the container image) runs dist/', () => {
    rmSync(join(scratch, 'src'), { recursive: true });
    assert.equal(ran(), 'dist');
  });
});
