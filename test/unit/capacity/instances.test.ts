/** How the health snapshot counts a region's instances, and tells a degraded region from a dead one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceCount, regionCondition } from '../../../src/capacity/index.ts';
import { endpointKey, type EndpointVerdict, type HealthSnapshot } from '../../../src/health/types.ts';
import { parseTopology, type Service } from '../../../src/spec/index.ts';

function web(endpoints: string, instances = ''): Service {
  return parseTopology(`apiVersion: meridian/v1
zone: t.test
regions: [{ name: eu-west }, { name: us-east }]
services:
  - name: web
    hostname: web
    port: 80
    endpoints: ${endpoints}
    policy: { type: all-healthy }
    capacity: { perInstance: 10${instances} }
`).services[0]!;
}

/** `seenUp`: how many of the three voters still see the endpoint up (routed down below 2). */
function health(service: Service, seenUp: Record<string, number>): HealthSnapshot {
  const endpoints = new Map<string, EndpointVerdict>();
  for (const [region, addresses] of Object.entries(service.endpoints ?? {})) {
    for (const address of addresses) {
      const ref = { service: service.name, region, address };
      const up = seenUp[address] ?? 3;
      const voters = ['eu-west', 'us-east', 'ap-south'];
      endpoints.set(endpointKey(ref), { ref, up: up >= 2, voters, downVotes: voters.slice(up) });
    }
  }
  return { atMs: 0, endpoints, reachablePeers: [] };
}

const LAB = web('{ eu-west: ["10.1.0.11", "10.1.0.12", "fd00::11", "fd00::12"], us-east: ["10.2.0.11"] }');

describe('instanceCount', () => {
  const cases: { name: string; service: Service; region: string; seenUp: Record<string, number>; expect: { instances: number; healthy: number } }[] = [
    { name: 'the lab: one IPv4 and one IPv6 address per instance count once', service: LAB, region: 'eu-west', seenUp: {}, expect: { instances: 2, healthy: 2 } },
    { name: 'an instance down (both its addresses)', service: LAB, region: 'eu-west', seenUp: { '10.1.0.12': 0, 'fd00::12': 0 }, expect: { instances: 2, healthy: 1 } },
    { name: 'one family failing alone does not halve the region: the other family still sees both', service: LAB, region: 'eu-west', seenUp: { 'fd00::11': 0, 'fd00::12': 0 }, expect: { instances: 2, healthy: 2 } },
    { name: 'no endpoints: no instances', service: LAB, region: 'ap-south', seenUp: {}, expect: { instances: 0, healthy: 0 } },
    {
      name: 'declared instances behind two load balancer addresses: all while both answer',
      service: web('{ eu-west: ["10.1.0.1", "10.1.0.2"] }', ', instances: { eu-west: 12 }'), region: 'eu-west', seenUp: {}, expect: { instances: 12, healthy: 12 },
    },
    {
      name: 'declared instances, one of two load balancers down: half',
      service: web('{ eu-west: ["10.1.0.1", "10.1.0.2"] }', ', instances: { eu-west: 12 }'), region: 'eu-west', seenUp: { '10.1.0.2': 1 }, expect: { instances: 12, healthy: 6 },
    },
    {
      name: 'declared instances, a third of the addresses down: rounded down',
      service: web('{ eu-west: ["10.1.0.1", "10.1.0.2", "10.1.0.3"] }', ', instances: { eu-west: 10 }'), region: 'eu-west', seenUp: { '10.1.0.3': 0 }, expect: { instances: 10, healthy: 6 },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(instanceCount(c.service, c.region, health(c.service, c.seenUp)), c.expect));
});

describe('regionCondition', () => {
  const all = (n: number) => Object.fromEntries(['10.1.0.11', '10.1.0.12', 'fd00::11', 'fd00::12'].map((a) => [a, n]));
  const cases: { name: string; seenUp: Record<string, number>; region?: string; expect: string }[] = [
    { name: 'an endpoint routed up: up', seenUp: { ...all(0), '10.1.0.11': 2 }, expect: 'up' },
    { name: 'every endpoint down by majority, one vantage point still gets an answer: degraded', seenUp: { ...all(0), 'fd00::12': 1 }, expect: 'degraded' },
    { name: 'no vantage point gets an answer from any endpoint: dead', seenUp: all(0), expect: 'dead' },
    { name: 'no endpoints there: none', seenUp: {}, region: 'ap-south', expect: 'none' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(regionCondition(LAB, c.region ?? 'eu-west', health(LAB, c.seenUp)), c.expect));
});
