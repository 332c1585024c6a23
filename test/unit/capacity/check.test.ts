/**
 * The capacity check's arithmetic, as named cases: a service's declaration, the regions it answers
 * with, each region's instances, the last readings, the regions lost → the verdict and its line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capacityCheck, describeCapacity, type CapacityCheck, type InstanceCount, type ServiceLoad } from '../../../src/capacity/index.ts';
import { parseTopology, type Service } from '../../../src/spec/index.ts';

const NOW = 1_800_000_000_000;

function web(policy: string, capacity = 'perInstance: 100'): Service {
  const text = `apiVersion: meridian/v1
zone: t.test
regions: [{ name: eu-west }, { name: us-east }, { name: ap-south }]
services:
  - name: web
    hostname: web
    port: 80
    policy: ${policy}
    capacity: { ${capacity}, load: { prometheus: http://p:9090, query: q } }
`;
  return parseTopology(text).services[0]!;
}

const loads = (rps: Record<string, number>, ageMs = 0): ServiceLoad => ({
  regions: new Map(Object.entries(rps).map(([r, v]) => [r, { rps: v, atMs: NOW - ageMs }])),
  lastSuccessMs: NOW,
});

const healthy = (counts: Record<string, [number, number]>) => (region: string): InstanceCount => {
  const [instances, up] = counts[region] ?? [0, 0];
  return { instances, healthy: up };
};

const ALL = ['eu-west', 'us-east', 'ap-south'];
const ALL_HEALTHY = '{ type: all-healthy }';
const FAILOVER = '{ type: failover, order: [eu-west, us-east, ap-south] }';

interface Case {
  name: string;
  service: Service;
  candidates?: string[];
  instances: Record<string, [number, number]>;
  load: ServiceLoad | undefined;
  lost: string[];
  expect: Omit<Partial<Extract<CapacityCheck, { kind: 'checked' }>>, 'kind'> & { kind: CapacityCheck['kind'] };
  line: string | RegExp;
}

const cases: Case[] = [
  {
    name: 'all-healthy, survivors short: 1200 of 1500 req/s, short by 300 (20%)',
    service: web(ALL_HEALTHY),
    instances: { 'eu-west': [6, 6], 'us-east': [8, 8], 'ap-south': [4, 4] },
    load: loads({ 'eu-west': 700, 'us-east': 500, 'ap-south': 300 }),
    lost: ['eu-west'],
    expect: { kind: 'checked', survivorsCapacityRps: 1200, loadToAbsorbRps: 700, totalRps: 1500, shortfallRps: 300, fits: false, shortRatio: 0.2 },
    line: 'web: survivors absorb 1200 of 1500 req/s: short by 300 req/s (20%) (load to absorb: eu-west 700 req/s; survivors: us-east 500 of 800 req/s, 8/8 instances; ap-south 300 of 400 req/s, 4/4 instances)',
  },
  {
    name: 'all-healthy, fits with 40% headroom',
    service: web(ALL_HEALTHY),
    instances: { 'eu-west': [4, 4], 'us-east': [10, 10], 'ap-south': [10, 10] },
    load: loads({ 'eu-west': 400, 'us-east': 400, 'ap-south': 400 }),
    lost: ['eu-west'],
    expect: { kind: 'checked', survivorsCapacityRps: 2000, totalRps: 1200, shortfallRps: 0, fits: true, headroomRatio: 0.4 },
    line: /^web: fits, 40% headroom \(/,
  },
  {
    name: 'survivors count only healthy instances: half of us-east down makes it short',
    service: web(ALL_HEALTHY),
    instances: { 'eu-west': [4, 4], 'us-east': [10, 5], 'ap-south': [10, 10] },
    load: loads({ 'eu-west': 800, 'us-east': 400, 'ap-south': 400 }),
    lost: ['eu-west'],
    expect: { kind: 'checked', survivorsCapacityRps: 1500, totalRps: 1600, shortfallRps: 100, fits: false },
    line: /survivors absorb 1500 of 1600 req\/s: short by 100 req\/s \(6%\).*us-east 400 of 500 req\/s, 5\/10 instances/,
  },
  {
    name: 'failover order: only the next healthy region takes the active region\'s load',
    service: web(FAILOVER),
    instances: { 'eu-west': [4, 4], 'us-east': [3, 3], 'ap-south': [10, 10] },
    load: loads({ 'eu-west': 350, 'us-east': 0, 'ap-south': 0 }),
    lost: ['eu-west'],
    expect: { kind: 'checked', survivorsCapacityRps: 300, loadToAbsorbRps: 350, shortfallRps: 50, fits: false },
    line: /short by 50 req\/s \(14%\) \(load to absorb: eu-west 350 req\/s; survivors: us-east 0 of 300 req\/s, 3\/3 instances\)$/,
  },
  {
    name: 'failover order: a next region with no healthy instance is skipped',
    service: web(FAILOVER),
    instances: { 'eu-west': [4, 4], 'us-east': [3, 0], 'ap-south': [10, 10] },
    load: loads({ 'eu-west': 350, 'us-east': 0, 'ap-south': 0 }),
    lost: ['eu-west'],
    expect: { kind: 'checked', survivorsCapacityRps: 1000, fits: true },
    line: /fits, 65% headroom .*survivors: ap-south 0 of 1000 req\/s/,
  },
  {
    name: 'losing a passive region moves what it serves: nothing',
    service: web(FAILOVER),
    instances: { 'eu-west': [4, 4], 'us-east': [3, 3], 'ap-south': [1, 1] },
    load: loads({ 'eu-west': 350, 'us-east': 0, 'ap-south': 0 }),
    lost: ['us-east'],
    expect: { kind: 'checked', loadToAbsorbRps: 0, survivorsCapacityRps: 400, fits: true },
    line: /^web: fits, 13% headroom/,
  },
  {
    name: 'two regions lost at once: their loads add up',
    service: web(ALL_HEALTHY),
    instances: { 'eu-west': [4, 4], 'us-east': [4, 4], 'ap-south': [4, 4] },
    load: loads({ 'eu-west': 100, 'us-east': 100, 'ap-south': 100 }),
    lost: ['eu-west', 'us-east'],
    expect: { kind: 'checked', loadToAbsorbRps: 200, totalRps: 300, survivorsCapacityRps: 400, fits: true },
    line: /fits, 25% headroom \(load to absorb: eu-west, us-east 200 req\/s/,
  },
  {
    name: 'no region left: everything is short',
    service: web(ALL_HEALTHY),
    candidates: ['eu-west'],
    instances: { 'eu-west': [4, 4] },
    load: loads({ 'eu-west': 100 }),
    lost: ['eu-west'],
    expect: { kind: 'checked', survivorsCapacityRps: 0, shortfallRps: 100, fits: false, shortRatio: 1 },
    line: /^web: no region left to absorb 100 req\/s: short by 100 req\/s \(100%\)/,
  },
  {
    name: 'old readings are named with their age',
    service: web(ALL_HEALTHY),
    instances: { 'eu-west': [4, 4], 'us-east': [4, 4], 'ap-south': [4, 4] },
    load: loads({ 'eu-west': 100, 'us-east': 100, 'ap-south': 100 }, 42_000),
    lost: ['eu-west'],
    expect: { kind: 'checked', oldestReadingMs: 42_000 },
    line: /oldest reading 42 s old\)$/,
  },
  {
    name: 'no capacity declared',
    service: { ...web(ALL_HEALTHY), capacity: undefined },
    instances: {},
    load: undefined,
    lost: ['eu-west'],
    expect: { kind: 'undeclared' },
    line: 'web: no capacity declared (services[].capacity)',
  },
  {
    name: 'a region the service does not answer from: nothing moves',
    service: web(ALL_HEALTHY),
    candidates: ['us-east', 'ap-south'],
    instances: {},
    load: loads({}),
    lost: ['eu-west'],
    expect: { kind: 'unaffected' },
    line: 'web: does not answer from eu-west: no load moves',
  },
  {
    name: 'no load source: says where to declare it',
    service: { ...web(ALL_HEALTHY), capacity: { perInstance: 10, onOverload: 'shift' } },
    instances: { 'eu-west': [1, 1], 'us-east': [1, 1], 'ap-south': [1, 1] },
    load: undefined,
    lost: ['eu-west'],
    expect: { kind: 'unmeasured' },
    line: 'web: no load measured yet: services[].capacity.load is not set: the agents read no load',
  },
  {
    name: 'the first query has not answered yet',
    service: web(ALL_HEALTHY),
    instances: { 'eu-west': [1, 1], 'us-east': [1, 1], 'ap-south': [1, 1] },
    load: undefined,
    lost: ['eu-west'],
    expect: { kind: 'unmeasured' },
    line: 'web: no load measured yet: no reading for eu-west, us-east, ap-south: the first query has not answered yet',
  },
  {
    name: 'Prometheus unreachable and nothing read before: the reason is passed on',
    service: web(ALL_HEALTHY),
    instances: { 'eu-west': [1, 1], 'us-east': [1, 1], 'ap-south': [1, 1] },
    load: { regions: new Map(), problem: 'no Prometheus answered (http://p:9090: fetch failed)' },
    lost: ['eu-west'],
    expect: { kind: 'unmeasured' },
    line: /no reading for eu-west, us-east, ap-south: no Prometheus answered \(http:\/\/p:9090: fetch failed\)$/,
  },
  {
    name: 'a region the query returns no series for',
    service: web(ALL_HEALTHY),
    instances: { 'eu-west': [1, 1], 'us-east': [1, 1], 'ap-south': [1, 1] },
    load: loads({ 'eu-west': 10, 'us-east': 10 }),
    lost: ['eu-west'],
    expect: { kind: 'unmeasured' },
    line: 'web: no load measured yet: no reading for ap-south: the query returns no series with region="ap-south"',
  },
];

describe('capacityCheck', () => {
  for (const c of cases) {
    it(c.name, () => {
      const check = capacityCheck({ service: c.service, candidates: c.candidates ?? ALL, instances: healthy(c.instances), load: c.load, lost: c.lost, nowMs: NOW });
      for (const [key, value] of Object.entries(c.expect)) assert.deepEqual((check as unknown as Record<string, unknown>)[key], value, key);
      const line = describeCapacity(check);
      if (typeof c.line === 'string') assert.equal(line, c.line);
      else assert.match(line, c.line);
    });
  }
});
