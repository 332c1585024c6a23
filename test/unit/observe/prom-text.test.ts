import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { findSamples, parsePrometheusText, sampleValue } from '../../../src/observe/prom-text.ts';

test('samples, labels, special values, timestamps, HELP and TYPE', () => {
  const e = parsePrometheusText([
    '# HELP http_requests_total The total number of HTTP requests.',
    '# TYPE http_requests_total counter',
    'http_requests_total{method="post",code="200"} 1027 1395066363000',
    'http_requests_total{method="post",code="400"}    3 1395066363000',
    '',
    '# a free comment',
    'metric_without_labels 12.47',
    'weird{a="x,y}z",b=""} -Inf',
    'not_a_number NaN',
    'nan_as_prom_client_writes_it Nan',
    'big 1.5e+3',
    'trailing_comma{a="1",} +Inf',
  ].join('\n'));
  assert.equal(e.types.get('http_requests_total'), 'counter');
  assert.equal(e.help.get('http_requests_total'), 'The total number of HTTP requests.');
  assert.deepEqual(findSamples(e, 'http_requests_total', { code: '200' }), [
    { name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027, timestampMs: 1395066363000 },
  ]);
  assert.equal(sampleValue(e, 'http_requests_total', { code: '400' }), 3);
  assert.equal(sampleValue(e, 'metric_without_labels'), 12.47);
  assert.deepEqual(findSamples(e, 'weird')[0]?.labels, { a: 'x,y}z', b: '' });
  assert.equal(sampleValue(e, 'weird'), -Infinity);
  assert.ok(Number.isNaN(sampleValue(e, 'not_a_number')));
  assert.ok(Number.isNaN(sampleValue(e, 'nan_as_prom_client_writes_it')));
  assert.equal(sampleValue(e, 'big'), 1500);
  assert.equal(sampleValue(e, 'trailing_comma', { a: '1' }), Infinity);
});

test('label value escapes round-trip through prom-client, the real producer', async () => {
  const registry = new Registry();
  const counter = new Counter({ name: 'x_total', help: 'back\\slash and\nnewline', labelNames: ['v'], registers: [registry] });
  const tricky = ['quote " inside', 'back\\slash', 'new\nline', 'all "\\\n}{,='];
  tricky.forEach((v, i) => counter.inc({ v }, i + 1));
  const e = parsePrometheusText(await registry.metrics());
  assert.equal(e.help.get('x_total'), 'back\\slash and\nnewline');
  tricky.forEach((v, i) => assert.equal(sampleValue(e, 'x_total', { v }), i + 1, JSON.stringify(v)));
});

test('histograms come back as buckets, sum and count', async () => {
  const registry = new Registry();
  const h = new Histogram({ name: 'd_seconds', help: 'd', labelNames: ['k'], buckets: [0.1, 1], registers: [registry] });
  h.observe({ k: 'a' }, 0.05);
  h.observe({ k: 'a' }, 0.5);
  h.observe({ k: 'a' }, 5);
  const e = parsePrometheusText(await registry.metrics());
  assert.equal(sampleValue(e, 'd_seconds_bucket', { k: 'a', le: '0.1' }), 1);
  assert.equal(sampleValue(e, 'd_seconds_bucket', { k: 'a', le: '1' }), 2);
  assert.equal(sampleValue(e, 'd_seconds_bucket', { k: 'a', le: '+Inf' }), 3);
  assert.equal(sampleValue(e, 'd_seconds_count', { k: 'a' }), 3);
  assert.equal(sampleValue(e, 'd_seconds_sum', { k: 'a' }), 5.55);
});

for (const [name, line, message] of [
  ['no name', '{a="b"} 1', /no metric name/],
  ['bad label name', 'm{1a="b"} 1', /bad label name/],
  ['missing =', 'm{a "b"} 1', /expected =" after a/],
  ['unterminated value', 'm{a="b} 1', /unterminated value of a/],
  ['missing separator', 'm{a="b" c="d"} 1', /expected , or }/],
  ['bad value', 'm 1x', /bad value '1x'/],
  ['no value', 'm{a="b"}', /expected a value/],
  ['bad timestamp', 'm 1 1.5', /bad timestamp/],
  ['too many fields', 'm 1 2 3', /expected a value and an optional timestamp/],
] as const) {
  test(`rejects a malformed sample: ${name}`, () => {
    assert.throws(() => parsePrometheusText(`ok 1\n${line}\n`), (err: Error) => message.test(err.message) && err.message.startsWith('line 2:'));
  });
}

test('sampleValue insists on exactly one match', () => {
  const e = parsePrometheusText('m{a="1"} 1\nm{a="2"} 2\n');
  assert.throws(() => sampleValue(e, 'm'), /found 2/);
  assert.throws(() => sampleValue(e, 'n'), /found 0/);
});
