/** Reading a Prometheus instant query's answer as requests/s per region, and the adapter's failures. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseVector, queryLoad } from '../../../src/capacity/index.ts';

const REGIONS = ['eu-west', 'us-east'];
const vector = (...series: [Record<string, string>, string][]) => ({
  status: 'success', data: { resultType: 'vector', result: series.map(([metric, v]) => ({ metric, value: [1_800_000_000.1, v] })) },
});

describe('parseVector', () => {
  const cases: { name: string; body: unknown; label?: string; expect: unknown }[] = [
    {
      name: 'one series per region',
      body: vector([{ region: 'eu-west' }, '12.5'], [{ region: 'us-east' }, '0']),
      expect: { kind: 'ok', rps: new Map([['eu-west', 12.5], ['us-east', 0]]), ignored: [] },
    },
    {
      name: 'several series of one region are summed (a query without sum by)',
      body: vector([{ region: 'eu-west', instance: 'a' }, '2'], [{ region: 'eu-west', instance: 'b' }, '3']),
      expect: { kind: 'ok', rps: new Map([['eu-west', 5]]), ignored: [] },
    },
    {
      name: 'another label names the region',
      body: vector([{ cluster: 'us-east' }, '7']), label: 'cluster',
      expect: { kind: 'ok', rps: new Map([['us-east', 7]]), ignored: [] },
    },
    {
      name: 'series of unknown regions or without the label are ignored and named',
      body: vector([{ region: 'mars' }, '1'], [{}, '2'], [{ region: 'eu-west' }, '3']),
      expect: { kind: 'ok', rps: new Map([['eu-west', 3]]), ignored: ['region="mars"', 'a series without region'] },
    },
    { name: 'NaN is not a load', body: vector([{ region: 'eu-west' }, 'NaN']), expect: { kind: 'error', reason: 'the series of eu-west has value NaN, not requests/s' } },
    { name: 'a Prometheus error is passed on', body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 4' }, expect: { kind: 'error', reason: 'Prometheus refused the query: parse error at char 4' } },
    {
      name: 'a scalar is not per region',
      body: { status: 'success', data: { resultType: 'scalar', result: [1, '2'] } },
      expect: { kind: 'error', reason: 'the query returns a scalar, not an instant vector with one series per region' },
    },
    { name: 'not Prometheus at all', body: '<html>', expect: { kind: 'error', reason: 'not a Prometheus query answer (no status "success")' } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(parseVector(c.body, c.label ?? 'region', REGIONS), c.expect));
});

describe('queryLoad', () => {
  const q = { urls: ['http://a:9090', 'http://b:9090/'], query: 'sum by (region) (rate(x[1m]))', regionLabel: 'region', regions: REGIONS, timeoutMs: 1000 };

  it('asks /api/v1/query with the query, and the next URL when one fails', async () => {
    const asked: string[] = [];
    const fake = (async (url: URL) => {
      asked.push(url.toString());
      if (url.host === 'a:9090') throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
      return new Response(JSON.stringify(vector([{ region: 'eu-west' }, '4'])), { status: 200 });
    }) as unknown as typeof fetch;
    const got = await queryLoad(q, fake);
    assert.deepEqual(got, { kind: 'ok', rps: new Map([['eu-west', 4]]), ignored: [] });
    assert.deepEqual(asked.map((u) => new URL(u).pathname), ['/api/v1/query', '/api/v1/query']);
    assert.equal(new URL(asked[1]!).searchParams.get('query'), q.query);
  });

  it('a query error is not retried elsewhere: every server would refuse it', async () => {
    let calls = 0;
    const fake = (async () => {
      calls++;
      return new Response(JSON.stringify({ status: 'error', error: 'bad query' }), { status: 400 });
    }) as unknown as typeof fetch;
    assert.deepEqual(await queryLoad(q, fake), { kind: 'error', reason: 'Prometheus refused the query: bad query' });
    assert.equal(calls, 1);
  });

  it('nothing answers: every URL is named with why', async () => {
    const fake = (async (url: URL) => (url.host === 'a:9090' ? new Response('bad gateway', { status: 502 }) : Promise.reject(new Error('timeout')))) as unknown as typeof fetch;
    assert.deepEqual(await queryLoad(q, fake), { kind: 'error', reason: 'no Prometheus answered (http://a:9090: status 502; http://b:9090/: timeout)' });
  });
});
