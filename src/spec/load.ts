/**
 * Loads a topology from YAML text: parse (yaml), validate (zod schema + references), and turn
 * every problem into `file:line:column: path: message`. Returns a deeply frozen Topology.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../common/errors.ts';
import { checkReferences, type SpecIssue } from './references.ts';
import { TopologySchema, type Topology } from './schema.ts';

export interface SpecProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly message: string;
}

/** A topology that does not validate. `message` lists every problem, one per line. */
export class SpecError extends InputError {
  override readonly name = 'SpecError';
  constructor(readonly problems: readonly SpecProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: SpecProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export function loadTopologyFile(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read topology file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseTopology(text, file);
}

export function parseTopology(text: string, file = 'meridian.yaml'): Topology {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lines.linePos(offset);
  if (doc.errors.length > 0) {
    throw new SpecError(
      doc.errors.map((e) => {
        const pos = at(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '', message: firstLine(e.message) };
      }),
    );
  }
  const parsed = TopologySchema.safeParse(doc.toJS() ?? {}, { reportInput: true });
  const issues: SpecIssue[] = parsed.success ? checkReferences(parsed.data) : parsed.error.issues.flatMap(fromZodIssue);
  if (issues.length > 0) {
    throw new SpecError(
      issues.map((issue) => {
        const pos = at(locate(doc, issue));
        return { file, line: pos.line, column: pos.col, path: formatPath(issue.path), message: issue.message };
      }),
    );
  }
  return deepFreeze(parsed.data) as Topology;
}

function fromZodIssue(issue: z.core.$ZodIssue): SpecIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...path, key], atKey: true, message: `unknown key '${key}'` }));
  }
  return [{ path, message: plain(issue) }];
}

function plain(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return `missing (expected ${issue.expected})`;
  return issue.message.replace(/^Invalid input: /, '');
}

/** Offset of the node an issue is about: the key for unknown keys, else the value, else the nearest parent. */
function locate(doc: Document, issue: SpecIssue): number {
  let node: unknown = doc.contents;
  let best = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const [i, segment] of issue.path.entries()) {
    const isLast = i === issue.path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      const keyStart = (pair.key as Node).range?.[0];
      if (isLast && issue.atKey && keyStart !== undefined) return keyStart;
      node = pair.value;
      best = (pair.value as Node | null)?.range?.[0] ?? keyStart ?? best;
    } else if (node && typeof node === 'object' && 'items' in node && Array.isArray(node.items)) {
      node = node.items[Number(segment)];
      if (node === undefined) break;
      best = (node as Node).range?.[0] ?? best;
    } else break;
  }
  return best;
}

function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
