/**
 * Pure text rendering for PostgreSQL configuration: libpq connection strings, configuration
 * values, postgresql.auto.conf edits, pg_hba.conf, synchronous_standby_names.
 * Hand-written because these are small, well-specified quoting rules with no maintained library.
 */

/** libpq `key=value` string; values quoted with '…' and backslash escapes when needed. */
export function conninfo(params: Readonly<Record<string, string | number | undefined>>): string {
  return Object.entries(params)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([k, v]) => `${k}=${quoteConninfoValue(String(v))}`)
    .join(' ');
}

function quoteConninfoValue(v: string): string {
  if (/^[^\s'\\]+$/.test(v)) return v;
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A string in postgresql.conf syntax: single quotes, quotes and backslashes doubled (as ALTER SYSTEM writes). */
export function quoteConfString(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export type ConfValue = string | number | boolean;

function confValue(v: ConfValue): string {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return typeof v === 'number' ? String(v) : quoteConfString(v);
}

/** `key = value` lines for postgresql.conf. */
export function renderSettings(settings: Readonly<Record<string, ConfValue>>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k} = ${confValue(v)}\n`)
    .join('');
}

/**
 * Rewrite postgresql.auto.conf text: drop every line setting one of `changes`' keys (the server
 * takes the last occurrence, so stale lines would be misleading), then append the non-null ones.
 */
export function editAutoConf(text: string, changes: Readonly<Record<string, ConfValue | null>>): string {
  const keys = new Set(Object.keys(changes).map((k) => k.toLowerCase()));
  const kept = text.split('\n').filter((line) => {
    const key = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=/.exec(line)?.[1]?.toLowerCase();
    return key === undefined || !keys.has(key);
  });
  while (kept.length > 0 && kept.at(-1) === '') kept.pop();
  const added = Object.entries(changes).filter((e): e is [string, ConfValue] => e[1] !== null);
  return [...kept, ...added.map(([k, v]) => `${k} = ${confValue(v)}`)].join('\n') + '\n';
}

/** `ANY 1 ("eu-west", "us-east")`: commits wait for `count` of the named standbys. '' = asynchronous. */
export function synchronousStandbyNamesValue(names: readonly string[] | null, count = 1): string {
  if (names === null || names.length === 0) return '';
  if (!Number.isInteger(count) || count < 1 || count > names.length) {
    throw new Error(`synchronous count ${count} must be between 1 and ${names.length}`);
  }
  const quoted = names.map((n) => `"${n.replace(/"/g, '""')}"`);
  return `ANY ${count} (${quoted.join(', ')})`;
}

/** Replication slot names allow only [a-z0-9_], at most 63 bytes. Member names use '-'. */
export function slotNameFor(memberName: string): string {
  const slot = memberName.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
  if (slot === '') throw new Error(`cannot derive a replication slot name from ${JSON.stringify(memberName)}`);
  return slot;
}

export interface HbaOptions {
  readonly replicationUser: string;
  /** Networks (besides loopback) allowed to connect, e.g. the lab's region ranges. */
  readonly allowCidrs: readonly string[];
  /**
   * The member serves TLS: from `allowCidrs`, the replication and admin roles must use it
   * (`hostssl`, and a `hostnossl … reject` so no later `host all all` line lets them in in
   * plaintext). Loopback and the other roles (applications: their choice) are unchanged.
   */
  readonly ssl?: boolean;
  /** Required with `ssl`. */
  readonly adminUser?: string;
}

/** pg_hba.conf: password (SCRAM) auth for everything, loopback plus the given networks. */
export function renderHba(opts: HbaOptions): string {
  const loopback = ['127.0.0.1/32', '::1/128'];
  const quote = (user: string) => `"${user.replace(/"/g, '""')}"`;
  const repl = quote(opts.replicationUser);
  if (opts.ssl && opts.adminUser === undefined) throw new Error('renderHba: ssl needs the admin user');
  const roles = opts.ssl ? [repl, quote(opts.adminUser!)] : [];
  const lines = [
    '# Written by meridian. TYPE DATABASE USER ADDRESS METHOD',
    'local all all peer',
    ...loopback.map((n) => `host replication ${repl} ${n} scram-sha-256`),
    ...opts.allowCidrs.map((n) => `${opts.ssl ? 'hostssl' : 'host'} replication ${repl} ${n} scram-sha-256`),
    ...loopback.map((n) => `host all all ${n} scram-sha-256`),
    ...opts.allowCidrs.flatMap((n) => roles.flatMap((r) => [`hostssl all ${r} ${n} scram-sha-256`, `hostnossl all ${r} ${n} reject`])),
    ...opts.allowCidrs.map((n) => `host all all ${n} scram-sha-256`),
  ];
  return lines.join('\n') + '\n';
}

/**
 * host and port of a libpq `key=value` connection string (primary_conninfo), or undefined when
 * it names no host (an empty string: a frozen standby). Only these two keys are kept: the
 * string also carries the replication password, which must never leave this function.
 * Hand-written: the inverse of `conninfo` above; pg-connection-string parses URLs, not this form.
 */
export function conninfoHostPort(text: string): { readonly host: string; readonly port: number } | undefined {
  const params = new Map<string, string>();
  const token = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s']*))/gy;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  const host = params.get('host') ?? params.get('hostaddr');
  if (!host) return undefined;
  const port = Number(params.get('port') ?? 5432);
  return Number.isInteger(port) && port > 0 ? { host, port } : undefined;
}

/** The parsed form of synchronous_standby_names; `count` 0 means asynchronous (''). */
export interface SyncNames {
  readonly count: number;
  readonly names: readonly string[];
}

/**
 * Reads back what PostgreSQL accepts in synchronous_standby_names: `ANY n (a, b)`,
 * `FIRST n (a, b)`, `n (a, b)` or a bare list (FIRST 1). Quoted names may hold any character.
 * Hand-written: PostgreSQL's own grammar (syncrep_gram.y) is not exposed by any library.
 */
export function parseSyncNames(value: string): SyncNames {
  const text = value.trim();
  if (text === '') return { count: 0, names: [] };
  const head = /^(?:(ANY|FIRST)\s+)?(\d+)\s*\(([\s\S]*)\)$/i.exec(text);
  const list = head ? head[3]! : text;
  const names: string[] = [];
  const item = /\s*(?:"((?:[^"]|"")*)"|([^\s,"]+))\s*(?:,|$)/gy;
  for (let m = item.exec(list); m && m[0] !== ''; m = item.exec(list)) names.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!);
  return { count: head ? Number(head[2]) : 1, names };
}
