#!/usr/bin/env node
/**
 * `npm run build`: src/ compiled to dist/ by tsc (tsconfig.build.json, same layout), plus what
 * the modules read from disk at run time, then dist/.build-stamp, which bin/meridian.js compares
 * with the sources.
 *
 * - The stamp's time is when this build STARTED: a source edited while tsc runs is newer than the
 *   stamp, so bin runs the sources rather than a build that may lack the edit.
 * - The build is staged in dist.<pid>/ and swapped in by rename at the end: others share this
 *   checkout, and a process starting during a build (a test, a lab agent) must never load a
 *   half-written dist/. Two builds at once each swap in a whole build; the later one stays.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const STAMP = '.build-stamp';
/** Shipped as TypeScript (the exported CDK app is the source itself): copied, never compiled. */
const VERBATIM = ['export/aws-cdk/app'];

function build() {
  const startedAt = new Date();
  const staged = `${DIST}.${process.pid}`;
  rmSync(staged, { recursive: true, force: true });
  try {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', staged], { stdio: 'inherit' });
    } catch {
      // tsc printed why. The old dist/ stays; bin/meridian.js runs the sources while it is stale.
      process.stderr.write('build: tsc failed; dist/ left as it was\n');
      process.exitCode = 1;
      return;
    }
    copyAssets(staged);
    const stamp = join(staged, STAMP);
    writeFileSync(stamp, `${startedAt.toISOString()}\n`);
    utimesSync(stamp, startedAt, startedAt);
    swapIn(staged);
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}

/** Every file under src/ that tsc does not emit (the dashboard's .js and .css), and VERBATIM. */
function copyAssets(out) {
  for (const name of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!name.isFile() || name.name.endsWith('.ts')) continue;
    const from = join(name.parentPath, name.name);
    cpSync(from, join(out, from.slice(SRC.length + 1)));
  }
  for (const dir of VERBATIM) cpSync(join(SRC, dir), join(out, dir), { recursive: true });
}

/** dist/ is replaced by two renames (no half-written file is ever visible under dist/). */
function swapIn(staged) {
  const old = [];
  for (let attempt = 0; ; attempt += 1) {
    const aside = `${DIST}.${process.pid}.old${attempt}`;
    try {
      renameSync(DIST, aside);
      old.push(aside);
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    try {
      renameSync(staged, DIST);
      break;
    } catch (err) {
      // Another build put its dist/ back between our two renames: move that one aside too.
      if ((err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') || attempt >= 10) throw err;
    }
  }
  for (const dir of old) rmSync(dir, { recursive: true, force: true });
}

build();
