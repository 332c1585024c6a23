import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runMeridian } from '../../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-cli-'));

describe('meridian topology commands', () => {
  test('init writes the built-in topology and validate accepts it', () => {
    const file = join(dir, 'm.yaml');
    assert.equal(runMeridian(['init', '-o', file]).code, 0);
    const r = runMeridian(['validate', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok \(3 regions, 1 services: web\.global\.meridian\.test\)/);
    assert.equal(runMeridian(['init', '-o', file]).code, 2, 'refuses to overwrite without --force');
  });

  test('a broken file: exit 2, one file:line:column line per problem, no stack trace', () => {
    const file = join(dir, 'bad.yaml');
    const text = runMeridian(['init']).stdout.replace('port: 8080', 'port: 8080\n    colour: red');
    writeFileSync(file, text);
    const r = runMeridian(['validate', '-f', file]);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^meridian: ${file}:\\d+:5: services\\[0\\]\\.colour: unknown key 'colour'$`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('unknown command and missing file are usage/input errors (exit 2)', () => {
    assert.equal(runMeridian(['frobnicate']).code, 2);
    const r = runMeridian(['validate', '-f', join(dir, 'nope.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read topology file .*nope\.yaml: ENOENT/);
  });

  test('schema prints a JSON Schema', () => {
    const r = runMeridian(['schema']);
    assert.equal(r.code, 0);
    const schema = JSON.parse(r.stdout) as { $schema: string };
    assert.match(schema.$schema, /json-schema\.org/);
    assert.ok(readFileSync(join(dir, 'm.yaml'), 'utf8').includes('apiVersion: meridian/v1'));
  });
});
