/**
 * A region running two agents (as two pods behind one Service would): peers push only to the
 * address in the topology (ra1), and ra1 relays what it accepts to its sibling ra2. Real agents on
 * loopback, real HTTP endpoints, real dig. Without the relay ra2 never hears rb or rc, decides
 * from its own view alone, and keeps answering with an endpoint the majority drained.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { runAgent, type AgentStatus, type RunningAgent } from '../../../src/agent/index.ts';
import { parseTopology } from '../../../src/spec/index.ts';
import { freePort } from '../../support/ports.ts';
import { EndpointServer, dig, getJson, portFreeOn, waitFor } from './fixtures.ts';

const IP = { ra1: '127.0.78.11', ra2: '127.0.78.12', rb: '127.0.78.13', rc: '127.0.78.14' } as const;
const ENDPOINTS = { ra: ['127.0.78.21'], rb: ['127.0.78.31'], rc: ['127.0.78.41'] } as const;
const ZONE = 'global.test';

const servers: EndpointServer[] = [];
const agents = new Map<keyof typeof IP, RunningAgent>();
const port = { dns: {} as Record<string, number>, api: {} as Record<string, number> };

before(async () => {
  const servicePort = await portFreeOn(Object.values(ENDPOINTS).flat());
  for (const [name, ip] of Object.entries(IP)) [port.dns[name], port.api[name]] = [await freePort(ip), await freePort(ip)];
  const region = (name: 'ra1' | 'rb' | 'rc', as: string) => `  - { name: ${as}, agent: { dns: "${IP[name]}:${port.dns[name]}", api: "http://${IP[name]}:${port.api[name]}" } }`;
  const endpointsYaml = `{ ${Object.entries(ENDPOINTS).map(([r, list]) => `${r}: [${list.map((a) => `"${a}"`).join(', ')}]`).join(', ')} }`;
  const topology = parseTopology(`
apiVersion: meridian/v1
zone: ${ZONE}
regions:
${region('ra1', 'ra')}
${region('rb', 'rb')}
${region('rc', 'rc')}
services:
  - { name: all, hostname: all, port: ${servicePort}, endpoints: ${endpointsYaml}, health: { interval: 200ms, timeout: 150ms, healthyThreshold: 2, unhealthyThreshold: 2 }, policy: { type: all-healthy } }
`);
  for (const address of Object.values(ENDPOINTS).flat()) {
    const server = new EndpointServer(address, servicePort);
    servers.push(server);
    await server.start();
  }
  // rb's endpoint fails from rb's and rc's vantage points only: a majority (2 of 3) drains it,
  // while both agents of ra still see it up themselves.
  servers[1]?.refuse503.add(IP.rb).add(IP.rc);
  const logger = pino({ level: 'silent' });
  agents.set('ra1', await runAgent({ topology, region: 'ra', logger, siblings: `${IP.ra2}:${port.api.ra2}` }));
  agents.set('ra2', await runAgent({
    topology, region: 'ra', logger, siblings: `${IP.ra1}:${port.api.ra1}`,
    dnsListen: `${IP.ra2}:${port.dns.ra2}`, apiListen: `${IP.ra2}:${port.api.ra2}`,
  }));
  agents.set('rb', await runAgent({ topology, region: 'rb', logger }));
  agents.set('rc', await runAgent({ topology, region: 'rc', logger }));
});

after(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

const statusOf = async (name: 'ra1' | 'ra2') => (await getJson(`http://${IP[name]}:${port.api[name]}/status`)).body as AgentStatus;

test('the second agent of a region hears every peer through its sibling, and answers as the majority decided', async () => {
  const expected = [...ENDPOINTS.ra, ...ENDPOINTS.rc].sort();
  for (const name of ['ra1', 'ra2'] as const) {
    await waitFor(`${name} to drain rb's endpoint`, async () => {
      const answer = await dig(IP[name], port.dns[name] ?? 0, `all.${ZONE}`);
      return JSON.stringify(answer) === JSON.stringify(expected) ? true : undefined;
    }, 8_000);
  }
  const ra2 = await statusOf('ra2');
  assert.deepEqual(ra2.peers.filter((p) => p.fresh).map((p) => p.region).sort(), ['rb', 'rc'], 'ra2 counts both peers, although none pushes to it');
  const ra1 = await statusOf('ra1');
  assert.deepEqual(ra1.siblings, [{ viewUrl: `http://${IP.ra2}:${port.api.ra2}/v1/view`, reachable: true }]);
});

test('a relayed view is never relayed again: ra2 received only relayed views and forwarded none', async () => {
  const ra2 = await statusOf('ra2');
  assert.deepEqual(ra2.siblings, [{ viewUrl: `http://${IP.ra1}:${port.api.ra1}/v1/view`, reachable: null }]);
});
