import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labAgentArgs } from '../../../src/lab/agent-args.ts';
import { labLayout } from '../../../src/lab/layout.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const withStores = labLayout(parseTopology(DEFAULT_TOPOLOGY_YAML));
const noStores = labLayout(parseTopology(DEFAULT_TOPOLOGY_YAML.replace(/\nstores:[\s\S]*?\n# Where clients/, '\n# Where clients')));

test("the lab's agent: topology, tokens, and one certificate directory per channel: peers, the https API, etcd", () => {
  const region = withStores.regions[1]!;
  assert.equal(region.api, 'https://10.231.2.1:7700');
  assert.deepEqual(labAgentArgs({ dir: '/lab', topologyFile: '/lab/topology.yaml', region, dataArgs: ['--state-dir', '/lab/agents/us-east'] }), [
    'agent', '-f', '/lab/topology.yaml', '--region', 'us-east', '--tokens', '/lab/agent-tokens.yaml',
    '--peer-tls', '/lab/peer-tls/us-east',
    '--api-tls', '/lab/api-tls/us-east',
    '--etcd-tls', '/lab/etcd-tls/agent/us-east',
    '--state-dir', '/lab/agents/us-east',
  ]);
});

test('without stores: no etcd, and still the API over https', () => {
  const args = labAgentArgs({ dir: '/lab', topologyFile: '/lab/t.yaml', region: noStores.regions[0]!, dataArgs: [] });
  assert.equal(args[args.indexOf('--api-tls') + 1], '/lab/api-tls/eu-west');
  assert.equal(args.includes('--etcd-tls'), false);
});
