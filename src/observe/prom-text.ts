/**
 * A minimal parser of the Prometheus text exposition format (0.0.4): samples with their labels
 * and values, plus the TYPE and HELP lines. Hand-written because no parser is among our
 * dependencies (prom-client only writes the format; `parse-prometheus-text-format` would be the
 * package to add). Scope: what Prometheus itself accepts from a target, escapes included;
 * exemplars and OpenMetrics-only syntax are not supported. Checked against promtool in tests.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parsePrometheusText(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const meta = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
      if (meta?.[1] === 'TYPE') types.set(meta[2] as string, meta[3] ?? '');
      else if (meta?.[1] === 'HELP') help.set(meta[2] as string, unescapeHelp(meta[3] ?? ''));
      continue;
    }
    samples.push(parseSample(line, i + 1));
  }
  return { samples, types, help };
}

function parseSample(line: string, lineNo: number): Sample {
  const fail = (why: string): never => {
    throw new Error(`line ${lineNo}: ${why}: ${line.slice(0, 120)}`);
  };
  const name = NAME.exec(line)?.[0] ?? fail('no metric name');
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1).trimStart();
    while (!rest.startsWith('}')) {
      const label = LABEL.exec(rest)?.[0] ?? fail('bad label name');
      rest = rest.slice(label.length).trimStart();
      if (!rest.startsWith('="')) fail(`expected =" after ${label}`);
      const { value, end } = readQuoted(rest, 1) ?? fail(`unterminated value of ${label}`);
      labels[label] = value;
      rest = rest.slice(end).trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
      else if (!rest.startsWith('}')) fail('expected , or }');
    }
    rest = rest.slice(1);
  }
  const fields = rest.trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === '') fail('expected a value and an optional timestamp');
  const value = parseValue(fields[0] as string) ?? fail(`bad value '${fields[0]}'`);
  const ts = fields[1] === undefined ? undefined : Number(fields[1]);
  if (ts !== undefined && !Number.isInteger(ts)) fail(`bad timestamp '${fields[1]}'`);
  return { name, labels, value, ...(ts !== undefined ? { timestampMs: ts } : {}) };
}

/** Reads a "…" string starting at `text[at]` (the opening quote); returns the value and the index after the closing quote. */
function readQuoted(text: string, at: number): { value: string; end: number } | undefined {
  let out = '';
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '"') return { value: out, end: i + 1 };
    if (c === '\\') {
      const next = text[++i];
      out += next === 'n' ? '\n' : next === '\\' ? '\\' : next === '"' ? '"' : `\\${next ?? ''}`;
    } else out += c;
  }
  return undefined;
}

/** HELP text escapes only backslash and newline. */
function unescapeHelp(text: string): string {
  return text.replace(/\\(n|\\)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** As Go's strconv.ParseFloat, which Prometheus uses: special values in any case (prom-client writes `Nan`). */
function parseValue(text: string): number | undefined {
  const special = text.toLowerCase();
  if (special === '+inf' || special === 'inf' || special === '+infinity' || special === 'infinity') return Infinity;
  if (special === '-inf' || special === '-infinity') return -Infinity;
  if (special === 'nan') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Samples named `name` whose labels include every pair in `labels`. */
export function findSamples(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
  return exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample matching; throws when none or several match (a test wants exactly one). */
export function sampleValue(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const found = findSamples(exposition, name, labels);
  if (found.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return (found[0] as Sample).value;
}
