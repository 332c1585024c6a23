import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareAnswers } from '../dns/equivalence.ts';
import { coreTicks } from '../lib/cpu.ts';
import { ifurlupExpression } from '../pdns.ts';
import { parseOptions } from '../options.ts';
import type { Benchmark } from '../types.ts';

const soa = 'z. 2 IN SOA ns. h. 1 60 10 300 2';

test('answers: a different rcode is an error, a different authority section a warning', () => {
  const queries = [{ kind: 'nx', name: 'nx-0.z', type: 'A' as const }];
  const answers = new Map([
    ['bind9', [{ rcode: 'NXDOMAIN', authoritative: true, answer: [], authority: [soa] }]],
    ['knot', [{ rcode: 'NXDOMAIN', authoritative: true, answer: [], authority: [soa.replace(' 2 IN', ' 3 IN')] }]],
    ['meridian', [{ rcode: 'NOERROR', authoritative: true, answer: [], authority: [soa] }]],
  ]);
  const diffs = compareAnswers(queries, answers);
  assert.deepEqual(diffs.map((d) => `${d.severity} ${d.server} ${d.field}`), ['warning knot authority', 'error meridian rcode']);
});

test('answers: a server that does not respond is an error', () => {
  const queries = [{ kind: 'a', name: 'web.z', type: 'A' as const }];
  const diffs = compareAnswers(queries, new Map([['bind9', [{ rcode: 'NOERROR', authoritative: true, answer: [], authority: [] }]], ['knot', [undefined]]]));
  assert.deepEqual(diffs.map((d) => `${d.severity} ${d.field}`), ['error no response']);
});

test('per-core busy ticks from /proc/stat exclude idle and iowait', () => {
  const stat = 'cpu  10 0 10 100 5 0 0 0 0 0\ncpu0 4 0 6 50 2 0 1 0 0 0\ncpu1 6 0 4 50 3 0 0 0 0 0\n';
  assert.deepEqual([...coreTicks(stat)], [['0', [11, 63]], ['1', [10, 63]]]);
});

test('ifurlup lists the address sets in preference order and answers all up addresses', () => {
  const lua = ifurlupExpression({ name: 'web.z', type: 'A', ttl: 2, healthUrl: 'http://127.0.0.1:8080/healthz', addressSets: [['127.0.0.2', '127.0.0.3'], ['127.0.0.4']] });
  assert.equal(lua, "ifurlup('http://127.0.0.1:8080/healthz', {{'127.0.0.2','127.0.0.3'},{'127.0.0.4'}}, {selector='all'})");
});

test('options: defaults, --only, and bad values as usage errors', () => {
  const dns: Benchmark = { name: 'dns', description: '', run: async () => undefined };
  const shift: Benchmark = { name: 'shift', description: '', run: async () => undefined };
  assert.deepEqual(parseOptions([], [dns, shift]), { only: [dns, shift], seconds: 5, rounds: 3, warmupSeconds: 1 });
  const only = parseOptions(['--only', 'shift', '--seconds', '2', '--warmup', '0'], [dns, shift]);
  assert.deepEqual(only, { only: [shift], seconds: 2, rounds: 3, warmupSeconds: 0 });
  assert.throws(() => parseOptions(['--only', 'nope'], [dns]), { name: 'UsageError', message: /unknown benchmark 'nope'/ });
  assert.throws(() => parseOptions(['--seconds', '0'], [dns]), { name: 'UsageError' });
  assert.throws(() => parseOptions(['--bogus'], [dns]), { name: 'UsageError' });
});
