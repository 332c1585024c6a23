/**
 * Before timing anything, every server is asked one query of each kind and must give the same
 * answer, so the figures compare the same work. A different rcode or answer section is an error;
 * a different authority section (e.g. the negative-answer SOA TTL) is reported as a warning,
 * since it changes the bytes sent but not what a resolver does with the answer.
 */
import { queryUdp, type NormalizedAnswer } from '../lib/dns-probe.ts';
import type { Query } from './queries.ts';
import type { ServerUnderTest } from './servers/types.ts';

export interface Difference {
  readonly severity: 'error' | 'warning';
  readonly query: string;
  readonly server: string;
  readonly reference: string;
  readonly field: 'rcode' | 'authoritative' | 'answer' | 'authority' | 'no response';
  readonly expected: string;
  readonly got: string;
}

/** Pure: compares every server's answers with the first server's. */
export function compareAnswers(queries: readonly Query[], answers: ReadonlyMap<string, readonly (NormalizedAnswer | undefined)[]>): Difference[] {
  const [reference, ...others] = [...answers.keys()];
  if (reference === undefined) return [];
  const differences: Difference[] = [];
  queries.forEach((query, i) => {
    const label = `${query.name} ${query.type}`;
    const expected = answers.get(reference)?.[i];
    for (const server of others) {
      const got = answers.get(server)?.[i];
      const base = { query: label, server, reference };
      if (!expected || !got) {
        differences.push({ ...base, severity: 'error', field: 'no response', expected: expected ? 'a response' : 'none', got: got ? 'a response' : 'none' });
        continue;
      }
      const check = (field: Difference['field'], severity: Difference['severity'], a: unknown, b: unknown) => {
        const [e, g] = [fmt(a), fmt(b)];
        if (e !== g) differences.push({ ...base, severity, field, expected: e, got: g });
      };
      check('rcode', 'error', expected.rcode, got.rcode);
      check('authoritative', 'error', expected.authoritative, got.authoritative);
      check('answer', 'error', expected.answer, got.answer);
      check('authority', 'warning', expected.authority, got.authority);
    }
  });
  return differences;
}

function fmt(value: unknown): string {
  return Array.isArray(value) ? value.join(' | ') || '(empty)' : String(value);
}

export async function collectAnswers(servers: readonly ServerUnderTest[], queries: readonly Query[]): Promise<Map<string, (NormalizedAnswer | undefined)[]>> {
  const answers = new Map<string, (NormalizedAnswer | undefined)[]>();
  for (const server of servers) {
    const list: (NormalizedAnswer | undefined)[] = [];
    for (const q of queries) list.push(await queryUdp('127.0.0.1', server.port, q.name, q.type, 1000));
    answers.set(server.name, list);
  }
  return answers;
}

export function formatDifference(d: Difference): string {
  return `${d.severity}: ${d.query}: ${d.server} ${d.field} differs from ${d.reference}\n    ${d.reference}: ${d.expected}\n    ${d.server}: ${d.got}`;
}
