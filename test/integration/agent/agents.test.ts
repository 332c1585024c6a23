/**
 * Three real agents on loopback (127.0.77.11-13), each probing real HTTP endpoints on their own
 * 127.0.77.x addresses from its own source address, exchanging views, and answering real `dig`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { runAgent, type AgentStatus, type RunningAgent } from '../../../src/agent/index.ts';
import { parseTopology } from '../../../src/spec/index.ts';
import { freePort } from '../../support/ports.ts';
import { EndpointServer, dig, getJson, portFreeOn, waitFor } from './fixtures.ts';

const AGENT_IP = { ra: '127.0.77.11', rb: '127.0.77.12', rc: '127.0.77.13' } as const;
const ENDPOINTS = { ra: ['127.0.77.21', '127.0.77.22'], rb: ['127.0.77.31'], rc: ['127.0.77.41'] } as const;
type RegionName = keyof typeof AGENT_IP;
const REGIONS = Object.keys(AGENT_IP) as RegionName[];
const ZONE = 'global.test';

const servers = new Map<string, EndpointServer>();
const agents = new Map<RegionName, RunningAgent>();
const dnsPort: Partial<Record<RegionName, number>> = {};

before(async () => {
  const servicePort = await portFreeOn(Object.values(ENDPOINTS).flat());
  const agentPorts = await Promise.all(REGIONS.map(async (r) => [await freePort(AGENT_IP[r]), await freePort(AGENT_IP[r])] as const));
  const regionsYaml = REGIONS.map((r, i) => {
    const [dns, api] = agentPorts[i] ?? [0, 0];
    dnsPort[r] = dns;
    return `  - { name: ${r}, agent: { dns: "${AGENT_IP[r]}:${dns}", api: "http://${AGENT_IP[r]}:${api}" } }`;
  }).join('\n');
  const endpointsYaml = `{ ${REGIONS.map((r) => `${r}: [${ENDPOINTS[r].map((a) => `"${a}"`).join(', ')}]`).join(', ')} }`;
  const health = '{ interval: 200ms, timeout: 150ms, healthyThreshold: 2, unhealthyThreshold: 2 }';
  const topology = parseTopology(`
apiVersion: meridian/v1
zone: ${ZONE}
regions:
${regionsYaml}
services:
  - { name: web, hostname: web, port: ${servicePort}, endpoints: ${endpointsYaml}, health: ${health}, policy: { type: failover, order: [ra, rb, rc] } }
  - { name: all, hostname: all, port: ${servicePort}, endpoints: ${endpointsYaml}, health: ${health}, policy: { type: all-healthy } }
`);
  for (const address of Object.values(ENDPOINTS).flat()) {
    const server = new EndpointServer(address, servicePort);
    servers.set(address, server);
    await server.start();
  }
  const logger = pino({ level: 'silent' });
  for (const region of REGIONS) agents.set(region, await runAgent({ topology, region, logger }));
});

after(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()));
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

const digAt = (region: RegionName, name: string) => dig(AGENT_IP[region], dnsPort[region] ?? 0, `${name}.${ZONE}`);
const sorted = (...lists: readonly (readonly string[])[]) => lists.flat().sort();
const agent = (r: RegionName) => agents.get(r) ?? assert.fail(`agent ${r} not running`);

/** Every agent answers `expected`, checked with dig. */
async function allAnswer(name: string, expected: readonly string[], timeoutMs = 5_000): Promise<void> {
  await waitFor(`every agent to answer ${name} with ${expected.join(' ')}`, async () => {
    const answers = await Promise.all(REGIONS.map((r) => digAt(r, name)));
    return answers.every((a) => JSON.stringify(a) === JSON.stringify(expected)) ? true : undefined;
  }, timeoutMs);
}

function endpointOf(status: AgentStatus, service: string, region: string, address: string) {
  const e = status.services.find((s) => s.service === service)?.regions.find((r) => r.region === region)?.endpoints.find((x) => x.address === address);
  return e ?? assert.fail(`no endpoint ${service}/${region}/${address} in status`);
}

test('all agents see every endpoint up and answer the first region of the failover order', async () => {
  await waitFor('every vantage point to see every endpoint up', async () =>
    REGIONS.every((r) => agent(r).status().services.every((s) => s.regions.every((g) => g.endpoints.every((e) =>
      REGIONS.every((v) => e.vantages[v]?.state === 'up' && e.vantages[v]?.fresh))))) || undefined);
  await allAnswer('web', sorted(ENDPOINTS.ra));
  await allAnswer('all', sorted(ENDPOINTS.ra, ENDPOINTS.rb, ENDPOINTS.rc));
});

test('region ra fails: every agent answers rb; ra comes back: every agent answers ra again', async () => {
  const stoppedAt = Date.now();
  await Promise.all(ENDPOINTS.ra.map((a) => servers.get(a)?.stop()));
  try {
    await allAnswer('web', sorted(ENDPOINTS.rb));
    await allAnswer('all', sorted(ENDPOINTS.rb, ENDPOINTS.rc));
    const drainMs = Date.now() - stoppedAt;
    // Budget: 2 failed probes at 200ms + a 150ms timeout + one push; generous for a loaded CI box.
    assert.ok(drainMs < 3_000, `drained in ${drainMs}ms`);
    // Two of three votes drain it; the third follows within a probe interval or two.
    await waitFor('all three vantage points to vote ra down', async () => {
      const verdict = endpointOf(agent('rb').status(), 'web', 'ra', ENDPOINTS.ra[0]);
      return verdict.routed === 'down' && [...verdict.downVotes].sort().join() === 'ra,rb,rc' ? true : undefined;
    });
  } finally {
    await Promise.all(ENDPOINTS.ra.map((a) => servers.get(a)?.start()));
  }
  await allAnswer('web', sorted(ENDPOINTS.ra));
  await allAnswer('all', sorted(ENDPOINTS.ra, ENDPOINTS.rb, ENDPOINTS.rc));
});

test("one agent's bad path to rb (503 only to ra's source address) does not drain rb", async () => {
  const rbServer = servers.get(ENDPOINTS.rb[0]) ?? assert.fail('no rb server');
  rbServer.refuse503.add(AGENT_IP.ra);
  try {
    // ra sees rb down, and the other agents have received ra's vote…
    await waitFor("rb and rc to count ra's down vote on rb", async () =>
      (['rb', 'rc'] as const).every((r) => {
        const e = endpointOf(agent(r).status(), 'all', 'rb', ENDPOINTS.rb[0]);
        return e.downVotes.join() === 'ra' && e.voters.length === 3;
      }) || undefined);
    const fromRa = endpointOf(agent('ra').status(), 'all', 'rb', ENDPOINTS.rb[0]);
    assert.equal(fromRa.vantages.ra?.state, 'down');
    assert.equal(fromRa.lastProbe?.kind === 'failed' && fromRa.lastProbe.reason, 'status 503');
    // …yet 1 of 3 is no majority: every agent, ra included, keeps rb in the answers.
    for (const r of REGIONS) assert.equal(endpointOf(agent(r).status(), 'all', 'rb', ENDPOINTS.rb[0]).routed, 'up', `routed at ${r}`);
    await allAnswer('all', sorted(ENDPOINTS.ra, ENDPOINTS.rb, ENDPOINTS.rc), 1_000);
  } finally {
    rbServer.refuse503.delete(AGENT_IP.ra);
  }
  await waitFor('ra to see rb up again', async () => endpointOf(agent('ra').status(), 'all', 'rb', ENDPOINTS.rb[0]).vantages.ra?.state === 'up' || undefined);
});

test('GET /healthz, /status and /v1/view over HTTP', async () => {
  const ra = agent('ra');
  const base = `http://${ra.api.host}:${ra.api.port}`;
  assert.equal((await getJson(`${base}/healthz`)).status, 200);
  const { status, body } = await getJson(`${base}/status`);
  assert.equal(status, 200);
  const s = body as AgentStatus;
  assert.equal(s.region, 'ra');
  assert.equal(s.bootId, ra.bootId);
  assert.equal(s.staleAfterMs, 600);
  assert.deepEqual(s.peers.map((p) => [p.region, p.reachability, p.fresh]), [['rb', 'reachable', true], ['rc', 'reachable', true]]);
  assert.ok(s.peers.every((p) => p.lastViewAgeMs !== null && p.lastViewAgeMs <= 600));
  assert.deepEqual(s.services.map((x) => [x.service, x.fqdn, x.regions.map((r) => r.region)]), [
    ['web', `web.${ZONE}`, ['ra', 'rb', 'rc']],
    ['all', `all.${ZONE}`, ['ra', 'rb', 'rc']],
  ]);
  const e = endpointOf(s, 'web', 'ra', ENDPOINTS.ra[1]);
  assert.equal(e.routed, 'up');
  assert.deepEqual(Object.keys(e.vantages).sort(), ['ra', 'rb', 'rc']);
  assert.deepEqual(s.answers.find((a) => a.service === 'web')?.answers[0]?.addresses, [...ENDPOINTS.ra]);

  const view = await getJson(`${base}/v1/view`);
  assert.equal((view.body as { vantage: string }).vantage, 'ra');
  const json = { 'content-type': 'application/json' };
  const bad = await fetch(`${base}/v1/view`, { method: 'POST', headers: json, body: '{"vantage":"rb"}', signal: AbortSignal.timeout(2_000) });
  assert.equal(bad.status, 400);
  const stranger = await fetch(`${base}/v1/view`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ vantage: 'zz', bootId: 'x', seq: 1, sentAtMs: 0, endpoints: {} }),
    signal: AbortSignal.timeout(2_000),
  });
  assert.equal(stranger.status, 403);
});

test('an agent that stops is dropped by its peers after staleAfterMs; the survivors keep deciding', async () => {
  await agent('rc').close();
  agents.delete('rc');
  await waitFor("ra to stop counting rc's view", async () => {
    const peer = agent('ra').status().peers.find((p) => p.region === 'rc');
    return peer && !peer.fresh && peer.reachability === 'unreachable' ? true : undefined;
  }, 3_000);
  // rc's endpoint fails too (the whole region is gone): the two survivors drain it, 2 of 2.
  await servers.get(ENDPOINTS.rc[0])?.stop();
  await waitFor('ra and rb to drain rc (2 of 2 down votes)', async () =>
    (['ra', 'rb'] as const).every((r) => endpointOf(agent(r).status(), 'all', 'rc', ENDPOINTS.rc[0]).downVotes.length === 2) || undefined);
  assert.deepEqual(await digAt('ra', 'all'), sorted(ENDPOINTS.ra, ENDPOINTS.rb));
  assert.deepEqual(await digAt('rb', 'all'), sorted(ENDPOINTS.ra, ENDPOINTS.rb));
});
