/**
 * The agent's capacity check (src/agent/capacity): the load monitor's readings through a fake load
 * source, overload holds judged from the health snapshot and recorded on the timeline as they
 * start and end, the capacity section of /status, and the check recorded when a failover starts.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { AgentCapacity } from '../../../src/agent/capacity/index.ts';
import type { LoadQuery, VectorParse } from '../../../src/capacity/index.ts';
import { createLogger } from '../../../src/common/log.ts';
import { NO_CONTROLS } from '../../../src/gslb/index.ts';
import { endpointKey, type EndpointVerdict, type HealthSnapshot } from '../../../src/health/types.ts';
import type { NewEvent } from '../../../src/observe/index.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';

const NOW = 1_800_000_000_000;
const topology: Topology = parseTopology(`apiVersion: meridian/v1
zone: t.test
regions: [{ name: eu-west }, { name: us-east }, { name: ap-south }]
services:
  - name: web
    hostname: web
    port: 80
    endpoints: { eu-west: ["10.1.0.1"], us-east: ["10.2.0.1"], ap-south: ["10.3.0.1"] }
    policy: { type: failover, order: [eu-west, us-east, ap-south] }
    capacity: { perInstance: 100, onOverload: hold, load: { prometheus: http://p:9090, query: q } }
  - name: api
    hostname: api
    port: 80
    endpoints: { eu-west: ["10.1.0.2"], us-east: ["10.2.0.2"] }
    policy: { type: all-healthy }
`);

function health(seenUp: Record<string, number>): HealthSnapshot {
  const voters = ['eu-west', 'us-east', 'ap-south'];
  const endpoints = new Map<string, EndpointVerdict>();
  for (const s of topology.services) {
    for (const [region, addresses] of Object.entries(s.endpoints ?? {})) {
      for (const address of addresses) {
        const ref = { service: s.name, region, address };
        const up = seenUp[region] ?? 3;
        endpoints.set(endpointKey(ref), { ref, up: up >= 2, voters, downVotes: voters.slice(up) });
      }
    }
  }
  return { atMs: 0, endpoints, reachablePeers: [] };
}

function setup(rps: Record<string, number>) {
  let snapshot = health({});
  const events: NewEvent[] = [];
  let rebuilt = 0;
  const load = { rps };
  const query = async (_q: LoadQuery): Promise<VectorParse> => ({ kind: 'ok', rps: new Map(Object.entries(load.rps)), ignored: [] });
  const quiet = createLogger('test', {}, new Writable({ write: (_c, _e, done) => done() }));
  const capacity = new AgentCapacity({
    topology, region: 'us-east', logger: quiet, health: () => snapshot, controls: () => NO_CONTROLS,
    record: (e) => events.push(e), onHoldsChanged: () => rebuilt++, now: () => NOW, query,
  });
  return { capacity, events, load, rebuilds: () => rebuilt, setHealth: (h: HealthSnapshot) => (snapshot = h) };
}

describe('AgentCapacity', () => {
  it('holds a degraded region the next one cannot absorb, records it, and releases it when it is dead', async () => {
    const t = setup({ 'eu-west': 150, 'us-east': 0, 'ap-south': 0 });
    await t.capacity.refreshLoads();
    assert.equal(t.capacity.judge(), false, 'all up: nothing held');

    t.setHealth(health({ 'eu-west': 1 }));
    assert.equal(t.capacity.judge(), true);
    assert.deepEqual([...(t.capacity.held().get('web') ?? [])], ['eu-west']);
    assert.equal(t.events.at(-1)?.kind, 'capacity.hold');
    assert.equal(
      t.events.at(-1)?.summary,
      'web: eu-west is down by majority but held in the answers at us-east (capacity.onOverload hold): web: survivors absorb 100 of 150 req/s: short by 50 req/s (33%) ' +
        '(load to absorb: eu-west 150 req/s; survivors: us-east 0 of 100 req/s, 1/1 instances); to move its traffic anyway: meridian traffic drain --region eu-west --service web',
    );
    const status = t.capacity.status().services;
    assert.deepEqual(status.map((s) => s.service), ['web'], 'only services that declare capacity');
    assert.deepEqual(status[0]?.holds.map((h) => [h.region, h.shortfallRps, h.override]), [['eu-west', 50, 'meridian traffic drain --region eu-west --service web']]);
    assert.deepEqual(status[0]?.regions.map((r) => [r.region, r.condition, r.capacityRps, r.loadRps, r.utilization]), [
      ['eu-west', 'degraded', 0, 150, null], ['us-east', 'up', 100, 0, 0], ['ap-south', 'up', 100, 0, 0],
    ]);

    assert.equal(t.capacity.judge(), false, 'the same holds again: no new event');
    t.setHealth(health({ 'eu-west': 0 }));
    assert.equal(t.capacity.judge(), true);
    assert.equal(t.capacity.held().size, 0);
    assert.equal(t.events.at(-1)?.kind, 'capacity.release');
    assert.match(t.events.at(-1)?.summary ?? '', /^web: eu-west no longer held in the answers at us-east: dead now \(no vantage point gets an answer\)/);
  });

  it('a load change that lifts the shortfall releases the hold and asks for a rebuild', async () => {
    const t = setup({ 'eu-west': 150, 'us-east': 0, 'ap-south': 0 });
    await t.capacity.refreshLoads();
    t.setHealth(health({ 'eu-west': 1 }));
    t.capacity.judge();
    const before = t.rebuilds();
    t.load.rps = { 'eu-west': 60, 'us-east': 0, 'ap-south': 0 };
    await t.capacity.refreshLoads();
    assert.equal(t.rebuilds(), before + 1);
    assert.equal(t.capacity.held().size, 0);
    assert.match(t.events.at(-1)?.summary ?? '', /no longer held .*its traffic moves to the others: web: fits, 40% headroom/);
  });

  it('a failover start records every service\'s check on the timeline', async () => {
    const t = setup({ 'eu-west': 150, 'us-east': 0, 'ap-south': 0 });
    await t.capacity.refreshLoads();
    t.capacity.failoverStarted({ store: 'orders', lost: 'eu-west', runbookId: 'rb-1' });
    const event = t.events.at(-1);
    assert.equal(event?.kind, 'capacity.check');
    assert.match(event?.summary ?? '', /^failover of orders away from eu-west \(runbook rb-1\) starts; capacity if eu-west is lost: web: survivors absorb 100 of 150 req\/s: short by 50 req\/s \(33%\) .*; api: no capacity declared \(services\[\]\.capacity\)$/);
    assert.deepEqual((event?.details.checks as { kind: string }[]).map((c) => c.kind), ['checked', 'undeclared']);
  });
});
