/** services[].capacity: the declaration of the capacity check, and its errors at file:line:column. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTopology } from '../../../src/spec/index.ts';
import { problems } from './problems.ts';

const topology = (capacity: string) => `apiVersion: meridian/v1
zone: t.test
regions:
  - { name: eu-west }
  - { name: us-east }
services:
  - name: web
    hostname: web
    port: 80
    policy: { type: all-healthy }
    capacity:
${capacity}`;

test('capacity is optional; its defaults: shift, the region label, a 15 s interval, one URL as a list', () => {
  const none = parseTopology(topology('      perInstance: 1\n').replace('    capacity:\n      perInstance: 1\n', '')).services[0]!;
  assert.equal(none.capacity, undefined);
  const web = parseTopology(topology(`      perInstance: 250
      load:
        prometheus: http://prom:9090
        query: 'sum by (region) (rate(http_requests_total[1m]))'
`)).services[0]!;
  assert.deepEqual(web.capacity, {
    perInstance: 250,
    onOverload: 'shift',
    load: { prometheus: ['http://prom:9090'], query: 'sum by (region) (rate(http_requests_total[1m]))', regionLabel: 'region', interval: 15_000 },
  });
});

test('a list of Prometheus URLs, instances per region and hold are kept as written', () => {
  const web = parseTopology(topology(`      perInstance: 100.5
      instances: { eu-west: 12 }
      onOverload: hold
      load: { prometheus: [http://a:9090, https://b:9090], query: up, regionLabel: cluster, interval: 5s }
`)).services[0]!;
  assert.deepEqual(web.capacity?.instances, { 'eu-west': 12 });
  assert.equal(web.capacity?.onOverload, 'hold');
  assert.deepEqual(web.capacity?.load?.prometheus, ['http://a:9090', 'https://b:9090']);
  assert.equal(web.capacity?.load?.interval, 5000);
});

test('every mistake is a file:line:column error', () => {
  assert.deepEqual(problems(topology('      perInstance: 0\n')), ['12:20: services[0].capacity.perInstance: Too small: expected number to be >0']);
  assert.deepEqual(problems(topology('      perInstance: 10\n      onOverload: drop\n')), ['13:19: services[0].capacity.onOverload: expected one of: shift, hold']);
  assert.deepEqual(problems(topology('      perInstance: 10\n      instances: { mars: 3 }\n')), [
    "13:20: services[0].capacity.instances.mars: unknown region 'mars' (regions: eu-west, us-east)",
  ]);
  assert.deepEqual(problems(topology('      perInstance: 10\n      load: { prometheus: ftp://x, query: up }\n')), [
    '13:27: services[0].capacity.load.prometheus: an http:// or https:// URL such as "http://prometheus:9090"',
  ]);
  assert.deepEqual(problems(topology('      perInstance: 10\n      load: { prometheus: http://p:9090, query: up, interval: 200ms }\n')), [
    '13:63: services[0].capacity.load.interval: interval 200ms is too short: every agent queries Prometheus this often (at least 1s)',
  ]);
  assert.deepEqual(problems(topology('      perInstance: 10\n      headroom: 3\n')), ["13:7: services[0].capacity.headroom: unknown key 'headroom'"]);
});
