/**
 * decide() with operators' traffic controls: a drained region is never a candidate (not even
 * failing open), weight overrides replace the topology's weights. Named table cases.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAnswerTable, decide, NO_CONTROLS, type Drain, type TrafficControls, type WeightOverride } from '../../../src/gslb/index.ts';
import { answerData, decode, query, regionDown, service, snapshot, topologyWith } from './fixtures.ts';

const t = topologyWith(
  service('fo', '{ type: failover, order: [eu-west, us-east, ap-south] }') +
    service('wt', '{ type: weighted, weights: { eu-west: 50, us-east: 25, ap-south: 0 } }') +
    service('geo', '{ type: geo }') +
    service('all', '{ type: all-healthy }'),
);
const svc = (name: string) => t.services.find((s) => s.name === name) ?? assert.fail(name);
const net = (name: string) => t.clientNetworks.find((n) => n.name === name);
const origin = { by: 'alice@ops', at: '2026-11-02T10:00:00Z', reason: 'kernel upgrade', forced: false };
const drain = (region: string, service?: string): Drain => ({ region, ...(service ? { service } : {}), ...origin });
const weight = (service: string, region: string, w: number): WeightOverride => ({ service, region, weight: w, ...origin });
const controls = (drains: Drain[], weights: WeightOverride[] = []): TrafficControls => ({ drains, weights });
const down = (service: string, ...regions: string[]) => regions.flatMap((r) => regionDown(t, service, r));

interface Case {
  name: string;
  service: string;
  controls: TrafficControls;
  down?: string[];
  client?: string;
  regions: string[];
  failOpen?: boolean;
  weights?: number[];
  reason?: RegExp;
}

const cases: Case[] = [
  { name: 'no controls: as before', service: 'fo', controls: NO_CONTROLS, regions: ['eu-west'] },
  {
    name: 'failover: the first region drained, the next healthy one answers',
    service: 'fo', controls: controls([drain('eu-west')]), regions: ['us-east'],
    reason: /^eu-west drained by alice@ops \(kernel upgrade\); first healthy in failover order is us-east$/,
  },
  { name: 'a drain of another service does not apply', service: 'fo', controls: controls([drain('eu-west', 'all')]), regions: ['eu-west'] },
  { name: 'a drain of this service applies', service: 'all', controls: controls([drain('eu-west', 'all')]), regions: ['us-east', 'ap-south'] },
  { name: 'drained and healthy beats down: down regions are skipped, drained ones too', service: 'fo', controls: controls([drain('eu-west')]), down: down('fo', 'us-east'), regions: ['ap-south'] },
  {
    name: 'every undrained region down: fail open over the undrained ones only, never the drained one',
    service: 'fo', controls: controls([drain('eu-west')]), down: down('fo', 'us-east', 'ap-south'),
    regions: ['us-east', 'ap-south'], failOpen: true, reason: /^eu-west drained .*; every undrained candidate region is down by majority \(us-east, ap-south\): failing open/,
  },
  {
    name: 'every region down, one drained: the drained one stays out of the fail-open answer',
    service: 'all', controls: controls([drain('us-east')]), down: down('all', 'eu-west', 'us-east', 'ap-south'),
    regions: ['eu-west', 'ap-south'], failOpen: true,
  },
  {
    name: 'every candidate drained (forced): no address, no fail-open',
    service: 'fo', controls: controls([drain('eu-west'), drain('us-east'), drain('ap-south', 'fo')]),
    regions: [], reason: /every candidate region is drained: no address/,
  },
  { name: 'geo: the nearest region drained, the next nearest answers', service: 'geo', client: 'paris', controls: controls([drain('eu-west')]), regions: ['us-east'] },
  { name: 'weighted: a drained region leaves the pick, the others keep their weights', service: 'wt', controls: controls([drain('eu-west')]), regions: ['us-east'], weights: [25] },
  { name: 'weighted: an override replaces the weight', service: 'wt', controls: controls([], [weight('wt', 'us-east', 75)]), regions: ['eu-west', 'us-east'], weights: [50, 75] },
  { name: 'weighted: an override above 0 brings a 0-weight region in', service: 'wt', controls: controls([], [weight('wt', 'ap-south', 10)]), regions: ['eu-west', 'us-east', 'ap-south'], weights: [50, 25, 10] },
  { name: 'weighted: an override of 0 takes a region out', service: 'wt', controls: controls([], [weight('wt', 'eu-west', 0)]), regions: ['us-east'], weights: [25] },
  { name: 'weighted: an override of another service does not apply', service: 'wt', controls: controls([], [weight('other', 'us-east', 1)]), regions: ['eu-west', 'us-east'], weights: [50, 25] },
];

describe('decide with traffic controls', () => {
  for (const c of cases) {
    it(c.name, () => {
      const d = decide(svc(c.service), t, snapshot(t, c.down), c.client ? net(c.client) : undefined, undefined, c.controls);
      assert.deepEqual(d.regions.map((r) => r.region), c.regions, d.reason);
      assert.equal(d.failOpen, c.failOpen ?? false, d.reason);
      if (c.weights) assert.deepEqual(d.regions.map((r) => r.weight), c.weights);
      if (c.reason) assert.match(d.reason, c.reason);
    });
  }

  it('the answer table serves the controls: a drained region is not in the DNS answer', () => {
    const table = buildAnswerTable(t, snapshot(t), { serial: 1, controls: controls([drain('eu-west')]) });
    const response = table.respond(query('fo.global.test', 'A'), { address: '10.9.9.9' }, 'udp');
    assert.deepEqual(answerData(decode(response)), ['10.2.0.1']);
    const everything = buildAnswerTable(t, snapshot(t), { serial: 1, controls: controls([drain('eu-west'), drain('us-east'), drain('ap-south')]) });
    const empty = decode(everything.respond(query('fo.global.test', 'A'), { address: '10.9.9.9' }, 'udp'));
    assert.equal(empty.rcode, 'NOERROR');
    assert.deepEqual(answerData(empty), [], 'every candidate drained: NODATA, not a fail-open answer');
  });
});
