/** The topology's safety setting for traffic controls: services[].minHealthyRegions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTopology } from '../../../src/spec/index.ts';
import { minHealthyRegionsOf } from '../../../src/gslb/index.ts';
import { problems } from './problems.ts';

const topology = (policy: string, extra = '') => `apiVersion: meridian/v1
zone: t.test
regions:
  - { name: eu-west }
  - { name: us-east }
  - { name: ap-south }
services:
  - name: web
    hostname: web
    port: 80
    policy: ${policy}
${extra}`;

test('minHealthyRegions is optional and counts as 1 when absent', () => {
  const web = parseTopology(topology('{ type: failover, order: [eu-west, us-east] }')).services[0]!;
  assert.equal(web.minHealthyRegions, undefined);
  assert.equal(minHealthyRegionsOf(web), 1);
  const two = parseTopology(topology('{ type: all-healthy }', '    minHealthyRegions: 2\n')).services[0]!;
  assert.equal(minHealthyRegionsOf(two), 2);
});

test('minHealthyRegions above the regions the policy can answer with is an error at its line and column', () => {
  assert.deepEqual(problems(topology('{ type: failover, order: [eu-west, us-east] }', '    minHealthyRegions: 3\n')), [
    "12:24: services[0].minHealthyRegions: minHealthyRegions 3 is more than the 2 region(s) policy 'failover' can answer with: every drain would be refused",
  ]);
});

test('minHealthyRegions must be a positive integer', () => {
  assert.deepEqual(problems(topology('{ type: all-healthy }', '    minHealthyRegions: 0\n')), [
    '12:24: services[0].minHealthyRegions: Too small: expected number to be >=1',
  ]);
});
