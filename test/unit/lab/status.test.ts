import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labLayout } from '../../../src/lab/layout.ts';
import type { LabState, ProcessRecord } from '../../../src/lab/state.ts';
import { labStatus } from '../../../src/lab/status.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const layout = labLayout(parseTopology(DEFAULT_TOPOLOGY_YAML));

function proc(name: string, region: string, kind: string, pid: number, extra: Partial<ProcessRecord> = {}): ProcessRecord {
  return { pid, startTicks: 1, region, kind, name, command: ['x'], log: `/lab/logs/${name}.log`, startedAt: 't', ...extra };
}

const state: LabState = {
  version: 1,
  phase: 'up',
  createdAt: 't',
  digest: 'd',
  agents: true,
  topologyFile: '/lab/topology.yaml',
  layout,
  namespaces: [],
  links: [],
  resolvConfDirs: [],
  cut: ['us-east'],
  processes: [
    proc('agent-eu-west', 'eu-west', 'agent', 100),
    proc('app-eu-west-web-1', 'eu-west', 'app', 101),
    proc('app-eu-west-web-2', 'eu-west', 'app', 102, { stoppedAt: 't2' }),
    proc('load', 'client', 'load', 200),
  ],
};

describe('labStatus', () => {
  const status = labStatus(state, '/lab', (p) => p.pid !== 101);

  it('says where everything is', () => {
    assert.equal(status.zone, 'global.meridian.test');
    assert.deepEqual(status.services, [{ name: 'web', fqdn: 'web.global.meridian.test', port: 8080 }]);
    assert.deepEqual(status.clients.map((c) => [c.namespace, c.address, c.address6]), [['mrd-client', '10.231.250.1', 'fd77:231::250:1']]);
    assert.equal(status.topologyFile, '/lab/topology.yaml');
    assert.equal(status.stateDir, '/lab');
    const { processes: _p, ...euWest } = status.regions[0]!;
    assert.deepEqual(euWest, {
      name: 'eu-west',
      namespace: 'mrd-eu-west',
      dns: '10.231.1.1:53',
      api: 'https://10.231.1.1:7700',
      instances: ['10.231.1.11:8080', '10.231.1.12:8080'],
      instances6: ['[fd77:231::1:11]:8080', '[fd77:231::1:12]:8080'],
      endpoints: [
        { service: 'web', instance: 1, address: '10.231.1.11:8080', address6: '[fd77:231::1:11]:8080' },
        { service: 'web', instance: 2, address: '10.231.1.12:8080', address6: '[fd77:231::1:12]:8080' },
      ],
      cut: false,
    });
  });

  it("names the lab's API CA, since the agents' APIs are https; none for a lab recorded with http APIs", () => {
    assert.equal(status.apiCa, '/lab/api-tls/ca.crt');
    const plain = { ...state, layout: { ...layout, regions: layout.regions.map((r) => ({ ...r, api: r.api.replace('https:', 'http:') })) } };
    assert.equal(labStatus(plain, '/lab', () => true).apiCa, undefined);
  });

  it('reports cuts from the state', () => {
    assert.deepEqual(status.regions.map((r) => r.cut), [false, true, false]);
  });

  it('shows a process alive only when it runs and was not stopped on purpose', () => {
    assert.deepEqual(status.regions[0]?.processes.map((p) => [p.name, p.alive]), [
      ['agent-eu-west', true],
      ['app-eu-west-web-1', false],
      ['app-eu-west-web-2', false],
    ]);
    assert.deepEqual(status.clients[0]?.processes.map((p) => [p.kind, p.pid, p.alive]), [['load', 200, true]]);
  });
});
