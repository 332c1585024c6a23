/**
 * Overload holds with three real agents on loopback (127.0.84.11-13: probes, peer exchange, the
 * majority merge, DNS answered to dig), real HTTP endpoints per region, and a load source that
 * answers like Prometheus' query API with the loads this test sets. `web` fails over ra → rb → rc,
 * one instance per region of 100 req/s, `onOverload: hold`; ra serves 150 req/s.
 *
 * - ra degraded (its endpoint answers 503 to rb's and rc's agents, 200 to its own): every agent
 *   keeps ra in the answers, says why on /status and the timeline, and `meridian_traffic_held` is 1;
 * - the load drops so rb can absorb ra: the hold ends and every agent answers rb;
 * - ra held again, then dead (503 to every agent): shifted to rb however short rb is.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { runAgent, type RunningAgent } from '../../../src/agent/index.ts';
import { parseTopology } from '../../../src/spec/index.ts';
import { freePort } from '../../support/ports.ts';
import { EndpointServer, dig, portFreeOn, waitFor } from '../agent/fixtures.ts';

const REGIONS = ['ra', 'rb', 'rc'] as const;
type RegionName = (typeof REGIONS)[number];
const AGENT_IP: Record<RegionName, string> = { ra: '127.0.84.11', rb: '127.0.84.12', rc: '127.0.84.13' };
const ENDPOINT_IP: Record<RegionName, string> = { ra: '127.0.84.21', rb: '127.0.84.31', rc: '127.0.84.41' };
const LOAD_IP = '127.0.84.50';
const NAME = 'web.hold.test';

describe('overload holds on real agents', { timeout: 120_000 }, () => {
  const agents = new Map<RegionName, RunningAgent>();
  const dnsPort = {} as Record<RegionName, number>;
  let servers: Record<RegionName, EndpointServer>;
  let loadServer: Server;
  const load = { ra: 150, rb: 0, rc: 0 };

  before(async () => {
    loadServer = createServer((req, res) => {
      const ok = (req.url ?? '').startsWith('/api/v1/query?');
      const result = Object.entries(load).map(([region, rps]) => ({ metric: { region }, value: [Date.now() / 1000, String(rps)] }));
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
    });
    const loadPort = await freePort(LOAD_IP);
    loadServer.listen(loadPort, LOAD_IP);
    await once(loadServer, 'listening');
    const port = await portFreeOn(Object.values(ENDPOINT_IP));
    servers = Object.fromEntries(REGIONS.map((r) => [r, new EndpointServer(ENDPOINT_IP[r], port)])) as Record<RegionName, EndpointServer>;
    for (const s of Object.values(servers)) await s.start();
    const regions: string[] = [];
    for (const r of REGIONS) {
      dnsPort[r] = await freePort(AGENT_IP[r]);
      regions.push(`  - { name: ${r}, agent: { dns: "${AGENT_IP[r]}:${dnsPort[r]}", api: "http://${AGENT_IP[r]}:${await freePort(AGENT_IP[r])}" } }`);
    }
    const topology = parseTopology(`apiVersion: meridian/v1
zone: hold.test
dns: { ttl: 1 }
regions:
${regions.join('\n')}
services:
  - name: web
    hostname: web
    port: ${port}
    endpoints: { ${REGIONS.map((r) => `${r}: ["${ENDPOINT_IP[r]}"]`).join(', ')} }
    health: { interval: 300ms, timeout: 200ms }
    policy: { type: failover, order: [ra, rb, rc] }
    capacity: { perInstance: 100, onOverload: hold, load: { prometheus: "http://${LOAD_IP}:${loadPort}", query: "sum by (region) (rate(requests_total[1m]))", interval: 1s } }
`);
    for (const r of REGIONS) {
      agents.set(r, await runAgent({ topology, region: r, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }).child({ region: r }) }));
    }
  });

  after(async () => {
    await Promise.all([...agents.values()].map((a) => a.close().catch(() => undefined)));
    await Promise.all(Object.values(servers ?? {}).map((s) => s.stop()));
    loadServer?.closeAllConnections();
    await new Promise((resolve) => loadServer?.close(resolve));
  });

  const answersEverywhere = (region: RegionName, what: string) =>
    waitFor(`every agent answering ${region} (${what})`, async () => {
      const got = await Promise.all(REGIONS.map((r) => dig(AGENT_IP[r], dnsPort[r], NAME)));
      return got.every((a) => JSON.stringify(a) === JSON.stringify([ENDPOINT_IP[region]])) ? true : undefined;
    }, 20_000);

  const holdsOf = (r: RegionName) => agents.get(r)?.status().capacity?.services.find((s) => s.service === 'web')?.holds ?? [];

  it('holds a degraded region the next one cannot absorb, lets it go when it can, and never holds a dead one', async () => {
    await answersEverywhere('ra', 'all healthy');
    await waitFor('every agent reading the load', async () => (REGIONS.every((r) => agents.get(r)?.status().capacity?.services[0]?.regions.every((x) => x.loadRps !== null)) ? true : undefined), 10_000);

    // Degraded: rb's and rc's probes fail, ra's own succeed.
    for (const other of ['rb', 'rc'] as const) servers.ra.refuse503.add(AGENT_IP[other]);
    await waitFor('every agent holding ra', async () => (REGIONS.every((r) => holdsOf(r).some((h) => h.region === 'ra')) ? true : undefined), 20_000);
    const status = agents.get('rb')?.status();
    const web = status?.capacity?.services[0];
    assert.equal(web?.regions.find((x) => x.region === 'ra')?.condition, 'degraded');
    assert.deepEqual(web?.holds.map((h) => [h.region, h.shortfallRps, h.override]), [['ra', 50, 'meridian traffic drain --region ra --service web']]);
    assert.match(web?.holds[0]?.detail ?? '', /^web: survivors absorb 100 of 150 req\/s: short by 50 req\/s \(33%\)/);
    for (let i = 0; i < 5; i++) {
      for (const r of REGIONS) assert.deepEqual(await dig(AGENT_IP[r], dnsPort[r], NAME), [ENDPOINT_IP.ra], `${r} while ra is held`);
    }
    const answer = status?.answers.find((a) => a.service === 'web')?.answers[0];
    assert.match(JSON.stringify(answer), /held in the answers \(capacity.onOverload hold/);
    const rbAgent = agents.get('rb')!;
    const metrics = await fetch(`http://${rbAgent.api.host}:${rbAgent.api.port}/metrics`).then((r) => r.text());
    assert.match(metrics, /meridian_traffic_held\{service="web",region="ra",why="capacity"\} 1/);
    assert.match(metrics, /meridian_service_load_requests_per_second\{service="web",region="ra"\} 150/);
    assert.match(metrics, /meridian_service_capacity_requests_per_second\{service="web",region="rb"\} 100/);
    const events = await fetch(`http://${rbAgent.api.host}:${rbAgent.api.port}/v1/events`).then((r) => r.json()) as { events: { kind: string; summary: string }[] };
    assert.ok(events.events.some((e) => e.kind === 'capacity.hold' && e.summary.startsWith('web: ra is down by majority but held in the answers at rb')), JSON.stringify(events.events.map((e) => e.kind)));

    // rb can absorb ra now: the hold ends and the traffic moves.
    load.ra = 60;
    await answersEverywhere('rb', 'the others can absorb ra');
    await waitFor('no agent holding ra', async () => (REGIONS.every((r) => holdsOf(r).length === 0) ? true : undefined), 10_000);

    // Short again: held again; then dead: shifted whatever the shortfall.
    load.ra = 150;
    await answersEverywhere('ra', 'held again');
    servers.ra.refuse503.add(AGENT_IP.ra);
    await answersEverywhere('rb', 'ra dead');
    await waitFor('no agent holding the dead ra', async () => (REGIONS.every((r) => holdsOf(r).length === 0) ? true : undefined), 10_000);
    const released = await fetch(`http://${rbAgent.api.host}:${rbAgent.api.port}/v1/events`).then((r) => r.json()) as { events: { kind: string; summary: string }[] };
    assert.ok(released.events.some((e) => e.kind === 'capacity.release' && /: dead now/.test(e.summary)), JSON.stringify(released.events.filter((e) => e.kind.startsWith('capacity'))));
  });
});
