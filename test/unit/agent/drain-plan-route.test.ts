/** GET /v1/traffic/plan/drain on a loopback server: the preview from etcd's controls and the agent's health; bad names and no etcd as one line. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { handleDrainPlanRoute, type DrainPlanContext } from '../../../src/agent/traffic/plan-route.ts';
import { getJson } from '../../../src/common/http-get.ts';
import { ManualClock, MemoryQuorum } from '../../../src/coord/index.ts';
import { service, snapshot, topologyWith } from '../gslb/fixtures.ts';

const topology = topologyWith(service('two', '{ type: all-healthy, regions: [eu-west, us-east] }\n    minHealthyRegions: 2'));
let ctx: DrainPlanContext = { topology, region: 'eu-west', health: () => snapshot(topology), coord: new MemoryQuorum(new ManualClock(0)).connect('eu-west'), noEtcd: 'no etcd here' };
const server = createServer((req, res) => void handleDrainPlanRoute(req, res, ctx).then((ours) => ours || res.writeHead(404).end()));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
after(() => server.close());
const url = (query: string) => new URL(`/v1/traffic/plan/drain?${query}`, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);

describe('GET /v1/traffic/plan/drain', () => {
  it('answers the preview: the service that loses the region, what remains, the rule that would refuse it', async () => {
    const got = await getJson(url('region=eu-west&service=two'), { timeoutMs: 2000 });
    assert.ok('body' in got, JSON.stringify(got));
    const body = got.body as { kind: string; services: { service: string; loses: boolean; remaining: string[] }[]; refusals: string[]; judgedBy: string; revision: string };
    assert.equal(body.kind, 'drain');
    assert.deepEqual(body.services.map((s) => [s.service, s.loses, s.remaining]), [['two', true, ['us-east']]]);
    assert.match(body.refusals[0] ?? '', /^rule min-healthy-regions: service two/);
    assert.equal(body.judgedBy, 'eu-west');
    assert.equal(body.revision, '0');
  });

  it('an unknown region is a 400; without etcd a 503 (a drain would fail too)', async () => {
    const errorOf = async (query: string) => {
      const got = await getJson(url(query), { timeoutMs: 2000 });
      return 'error' in got ? got.error : JSON.stringify(got);
    };
    assert.match(await errorOf('region=mars'), /^status 400/);
    ctx = { ...ctx, coord: undefined };
    assert.match(await errorOf('region=eu-west'), /^status 503/);
  });
});
