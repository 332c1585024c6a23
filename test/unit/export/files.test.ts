/** The shared export writer and YAML serializer (src/export/files.ts), on a temporary folder. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { InputError } from '../../../src/common/errors.ts';
import { toYaml, toYamlDocuments, writeExportFiles } from '../../../src/export/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-export-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('toYaml sorts keys, drops undefined, and quotes YAML 1.1 booleans', () => {
  const text = toYaml({ z: 1, a: { y: 'on', b: 'yes', n: undefined }, m: 'line1\nline2\n' }, { comment: ['Generated.', ''] });
  assert.equal(text, '# Generated.\n#\na:\n  b: "yes"\n  "y": "on"\nm: |\n  line1\n  line2\nz: 1\n');
  assert.deepEqual(parse(text), { a: { b: 'yes', y: 'on' }, m: 'line1\nline2\n', z: 1 });
});

test('toYamlDocuments keeps the order of the documents', () => {
  assert.equal(toYamlDocuments([{ b: 1 }, { a: 2 }]), 'b: 1\n---\na: 2\n');
});

test('writeExportFiles creates folders and writes every file, in sorted order', () => {
  const written = writeExportFiles(dir, new Map([['b/c.yaml', 'c\n'], ['a.yaml', 'a\n']]));
  assert.deepEqual(written, [join(dir, 'a.yaml'), join(dir, 'b/c.yaml')]);
  assert.equal(readFileSync(join(dir, 'b/c.yaml'), 'utf8'), 'c\n');
});

test('writeExportFiles refuses a path outside the folder and writes nothing', () => {
  for (const bad of ['../escape.yaml', '/etc/x.yaml', 'a/../../x.yaml', '']) {
    assert.throws(() => writeExportFiles(dir, new Map([['ok.yaml', 'ok\n'], [bad, 'x']])), InputError, bad);
  }
  assert.equal(existsSync(join(dir, 'ok.yaml')), false);
});
