import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labLayout } from '../../../src/lab/layout.ts';
import { buildNetworkPlan, cutPlan, healPlan } from '../../../src/lab/netplan.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const layout = labLayout(parseTopology(DEFAULT_TOPOLOGY_YAML));
const plan = buildNetworkPlan(layout).map((cmd) => cmd.join(' '));

describe('buildNetworkPlan', () => {
  it('creates the bridge with the host addresses first', () => {
    assert.deepEqual(plan.slice(0, 4), [
      'link add mrd-br0 type bridge',
      'addr add 10.231.0.1/16 dev mrd-br0',
      '-6 addr add fd77:231::1/64 dev mrd-br0 nodad',
      'link set mrd-br0 up',
    ]);
  });

  it('builds a region namespace: veth on the bridge, every address (agent, etcd, database, instances) on eth0, default routes', () => {
    const start = plan.indexOf('netns add mrd-eu-west');
    const end = plan.indexOf('netns add mrd-us-east');
    assert.deepEqual(plan.slice(start, end), [
      'netns add mrd-eu-west',
      '-n mrd-eu-west link set lo up',
      'link add mrd-r1h type veth peer name eth0 netns mrd-eu-west',
      'link set mrd-r1h master mrd-br0',
      'link set mrd-r1h up',
      '-n mrd-eu-west addr add 10.231.1.1/16 dev eth0',
      '-n mrd-eu-west -6 addr add fd77:231::1:1/64 dev eth0 nodad',
      '-n mrd-eu-west addr add 10.231.1.2/16 dev eth0',
      '-n mrd-eu-west -6 addr add fd77:231::1:2/64 dev eth0 nodad',
      '-n mrd-eu-west addr add 10.231.1.5/16 dev eth0',
      '-n mrd-eu-west -6 addr add fd77:231::1:5/64 dev eth0 nodad',
      '-n mrd-eu-west addr add 10.231.1.11/16 dev eth0',
      '-n mrd-eu-west -6 addr add fd77:231::1:11/64 dev eth0 nodad',
      '-n mrd-eu-west addr add 10.231.1.12/16 dev eth0',
      '-n mrd-eu-west -6 addr add fd77:231::1:12/64 dev eth0 nodad',
      '-n mrd-eu-west link set eth0 up',
      '-n mrd-eu-west route add default via 10.231.0.1',
      '-n mrd-eu-west -6 route add default via fd77:231::1',
    ]);
  });

  it('builds the client namespace last', () => {
    assert.equal(plan.filter((c) => c.startsWith('netns add')).at(-1), 'netns add mrd-client');
    assert.ok(plan.includes('-n mrd-client addr add 10.231.250.1/16 dev eth0'));
  });

  it('creates only mrd- namespaces and links', () => {
    for (const cmd of plan) {
      const named = /(?:netns add|link add|peer name \S+ netns) (\S+)/.exec(cmd)?.[1];
      if (named) assert.ok(named.startsWith('mrd-'), cmd);
    }
  });
});

describe('cut and heal', () => {
  const region = layout.regions[1]!;

  it('cut takes only the region port of the bridge down', () => {
    assert.deepEqual(cutPlan(region), [['link', 'set', 'mrd-r2h', 'down']]);
  });

  it('heal brings it up, then flushes stale neighbours everywhere so traffic resumes at once', () => {
    assert.deepEqual(healPlan(layout, region).map((c) => c.join(' ')), [
      'link set mrd-r2h up',
      'neigh flush dev mrd-br0',
      '-n mrd-eu-west neigh flush dev eth0',
      '-n mrd-us-east neigh flush dev eth0',
      '-n mrd-ap-south neigh flush dev eth0',
      '-n mrd-client neigh flush dev eth0',
    ]);
  });
});
