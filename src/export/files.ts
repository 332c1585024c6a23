/**
 * What every export shares: a deterministic YAML serializer and one writer for a tree of files.
 * Exports are pure functions `Topology → ExportFiles` (relative path → content); writing them is
 * this separate, thin step.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../common/errors.ts';

/** Relative path (with `/`) → file content. */
export type ExportFiles = ReadonlyMap<string, string>;

export interface YamlOptions {
  /** Comment lines put above the document, without the leading `# `. */
  readonly comment?: readonly string[];
}

/**
 * YAML that is the same bytes for the same value: keys sorted, no line folding, no timestamps.
 * Written as YAML 1.1 so strings such as `on`, `yes` or `y` are quoted: Kubernetes tools read
 * YAML 1.1 and would take them for booleans; YAML 1.2 readers read the output the same way.
 */
export function toYaml(value: unknown, options: YamlOptions = {}): string {
  return commentLines(options.comment) + stringify(plain(value), { sortMapEntries: true, lineWidth: 0, version: '1.1' });
}

/** Several YAML documents in one file, separated by `---`, in the order given. */
export function toYamlDocuments(values: readonly unknown[], options: YamlOptions = {}): string {
  return commentLines(options.comment) + values.map((v) => toYaml(v)).join('---\n');
}

/**
 * Writes every file under `dir` (folders created as needed), in sorted path order, and returns
 * the paths written. A path that is absolute or climbs out of `dir` is refused before anything
 * is written. Files already in `dir` that are not in `files` are left alone.
 */
export function writeExportFiles(dir: string, files: ExportFiles): string[] {
  const root = resolve(dir);
  const targets = [...files.keys()].sort().map((name) => ({ name, path: insideRoot(root, name) }));
  return targets.map(({ name, path }) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, files.get(name) ?? '');
    return join(dir, name);
  });
}

function insideRoot(root: string, name: string): string {
  const path = resolve(root, name);
  const rel = relative(root, path);
  if (name === '' || isAbsolute(name) || rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new InputError(`refusing to write '${name}': export files must stay inside ${root}`);
  }
  return path;
}

function commentLines(comment: readonly string[] | undefined): string {
  return (comment ?? []).map((line) => (line ? `# ${line}\n` : '#\n')).join('');
}

/** JSON round trip: drops `undefined`, applies `toJSON()` (model classes), leaves plain data. */
function plain(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
