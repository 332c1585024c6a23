import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planAgent, parseHostPort } from '../../../src/agent/index.ts';
import { InputError } from '../../../src/common/errors.ts';
import { parseTopology } from '../../../src/spec/index.ts';

const REGIONS = `
regions:
  - { name: ra, agent: { dns: "10.1.0.1:53", api: "http://10.1.0.1:7700" } }
  - { name: rb, agent: { dns: "[fd00::2]:53", api: "http://[fd00::2]:7700" } }
  - { name: rc, agent: { dns: "10.3.0.1:53", api: "http://10.3.0.1" } }`;

const topology = (regions: string, services: string) => parseTopology(`apiVersion: meridian/v1\nzone: z.test\n${regions}\nservices:\n${services}`);
const web = (endpoints: string, policy: string) => `  - { name: web, hostname: web, port: 80, endpoints: ${endpoints}, policy: ${policy} }`;
const OK = topology(REGIONS, web('{ ra: ["10.1.1.1"], rb: ["fd00::11"], rc: ["10.3.1.1"] }', '{ type: failover, order: [ra, rb, rc] }'));

test('planAgent: listen addresses, peers, and the probe source address come from the topology', () => {
  const plan = planAgent(OK, 'ra');
  assert.deepEqual(plan.dns, { host: '10.1.0.1', port: 53 });
  assert.deepEqual(plan.api, { host: '10.1.0.1', port: 7700 });
  assert.equal(plan.localAddress, '10.1.0.1');
  assert.deepEqual(plan.peers, [
    { region: 'rb', viewUrl: 'http://[fd00::2]:7700/v1/view' },
    { region: 'rc', viewUrl: 'http://10.3.0.1/v1/view' },
  ]);
  assert.deepEqual(planAgent(OK, 'rb').dns, { host: 'fd00::2', port: 53 });
  assert.deepEqual(planAgent(OK, 'rc').api, { host: '10.3.0.1', port: 80 });
});

test('planAgent: --dns/--api override where it listens; a wildcard is never a probe source', () => {
  const plan = planAgent(OK, 'ra', { dnsListen: '0.0.0.0:5353', apiListen: '127.0.0.1:7701' });
  assert.deepEqual(plan.dns, { host: '0.0.0.0', port: 5353 });
  assert.deepEqual(plan.api, { host: '127.0.0.1', port: 7701 });
  assert.equal(plan.localAddress, '127.0.0.1');
  assert.equal(planAgent(OK, 'ra', { dnsListen: '0.0.0.0:53', apiListen: '[::]:7700' }).localAddress, undefined);
});

const rejects: { name: string; run: () => unknown; message: string }[] = [
  { name: 'unknown region', run: () => planAgent(OK, 'mars'), message: "region 'mars' is not in the topology (regions: ra, rb, rc)" },
  {
    name: 'a region without agent',
    run: () => planAgent(topology(REGIONS + '\n  - { name: rd }', web('{ ra: ["10.1.1.1"] }', '{ type: failover, order: [ra] }')), 'ra'),
    message: "region 'rd' has no agent address (regions[3].agent: { dns: \"ip:53\", api: \"http://ip:7700\" }); every agent needs every region's agent to exchange views",
  },
  {
    name: 'failover order names a region without endpoints',
    run: () => planAgent(topology(REGIONS, web('{ ra: ["10.1.1.1"] }', '{ type: failover, order: [ra, rb, rc] }')), 'ra'),
    message: "service 'web' has no endpoints for regions rb, rc, which its failover policy uses (services[].endpoints.rb)",
  },
  {
    name: 'weighted region with weight above 0 without endpoints',
    run: () => planAgent(topology(REGIONS, web('{ ra: ["10.1.1.1"] }', '{ type: weighted, weights: { ra: 1, rb: 1, rc: 0 } }')), 'ra'),
    message: "service 'web' has no endpoints for region rb, which its weighted policy uses (services[].endpoints.rb)",
  },
  {
    name: 'a service without any endpoints',
    run: () => planAgent(topology(REGIONS, '  - { name: web, hostname: web, port: 80, policy: { type: all-healthy } }'), 'ra'),
    message: 'service \'web\' has no endpoints (services[].endpoints: { ra: ["ip"] })',
  },
  { name: 'a malformed --dns', run: () => planAgent(OK, 'ra', { dnsListen: 'localhost:53' }), message: "--dns: 'localhost:53' is not an address such as '10.0.0.1:53' or '[fd00::1]:53'" },
  {
    name: 'an https api without --api-tls nor --api',
    run: () => planAgent(topology(REGIONS.replace('http://10.1.0.1:7700', 'https://10.1.0.1:7700'), web('{ ra: ["10.1.1.1"] }', '{ type: failover, order: [ra] }')), 'ra'),
    message: 'regions.ra.agent.api is https://10.1.0.1:7700 (https) but the agent has no API certificate: pass --api-tls DIR (tls.crt, tls.key), or --api ip:port behind a proxy terminating TLS, or make the URL http://',
  },
  {
    name: '--api-tls with an http api',
    run: () => planAgent(OK, 'ra', { apiTls: true }),
    message: '--api-tls was given but regions.ra.agent.api is http://10.1.0.1:7700 (http): make it https:// so clients use TLS, or drop --api-tls',
  },
];
for (const r of rejects) {
  test(`planAgent rejects: ${r.name}`, () => assert.throws(r.run, (err) => err instanceof InputError && err.message === r.message));
}

test('planAgent: regions a policy does not name need no endpoints', () => {
  const t = topology(REGIONS, web('{ ra: ["10.1.1.1"] }', '{ type: all-healthy, regions: [ra] }'));
  assert.equal(planAgent(t, 'rb').region, 'rb');
});

test('parseHostPort', () => {
  assert.deepEqual(parseHostPort('[::1]:53', 'x'), { host: '::1', port: 53 });
  assert.throws(() => parseHostPort('10.0.0.1:99999', '--api'), InputError);
  assert.throws(() => parseHostPort('999.0.0.1:53', '--api'), InputError);
});

test('planAgent: an https api with --api-tls listens at its host and port (443 when none)', () => {
  const https = (api: string) => topology(REGIONS.replace('http://10.1.0.1:7700', api), web('{ ra: ["10.1.1.1"] }', '{ type: failover, order: [ra] }'));
  assert.deepEqual(planAgent(https('https://10.1.0.1:7700'), 'ra', { apiTls: true }).api, { host: '10.1.0.1', port: 7700 });
  assert.deepEqual(planAgent(https('https://10.1.0.1'), 'ra', { apiTls: true }).api, { host: '10.1.0.1', port: 443 });
});

test('planAgent: an https api without --api-tls but with --api is a proxy terminating TLS in front (as before --api-tls)', () => {
  const t = topology(REGIONS.replace('http://10.1.0.1:7700', 'https://10.1.0.1:7700'), web('{ ra: ["10.1.1.1"] }', '{ type: failover, order: [ra] }'));
  assert.deepEqual(planAgent(t, 'ra', { apiListen: '127.0.0.1:7700' }).api, { host: '127.0.0.1', port: 7700 });
});
