import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../../src/common/errors.ts';
import { drillEnvironmentFromStatus } from '../../../src/drill/lab-environment.ts';
import type { LabStatus } from '../../../src/lab/index.ts';

const region = (name: string, i: number) => ({
  name,
  namespace: `mrd-${name}`,
  dns: `10.231.${i}.1:53`,
  api: `https://10.231.${i}.1:7700`,
  instances: [`10.231.${i}.11:8080`, `10.231.${i}.12:8080`, `10.231.${i}.31:9090`],
  instances6: [],
  cut: false,
  processes: [],
});
const status = {
  zone: 'global.meridian.test',
  agents: true,
  services: [
    { name: 'web', fqdn: 'web.global.meridian.test', port: 8080 },
    { name: 'api', fqdn: 'api.global.meridian.test', port: 9090 },
  ],
  regions: [region('eu-west', 1), region('us-east', 2)],
} as unknown as LabStatus;
const faults = { cut: async () => {}, heal: async () => {} };

test('the lab status becomes nameservers and the chosen service’s endpoints', () => {
  const env = drillEnvironmentFromStatus(status, undefined, faults);
  assert.equal(env.fqdn, 'web.global.meridian.test');
  assert.equal(env.port, 8080);
  assert.deepEqual(env.nameservers, [
    { region: 'eu-west', address: '10.231.1.1', port: 53 },
    { region: 'us-east', address: '10.231.2.1', port: 53 },
  ]);
  assert.deepEqual(env.endpoints, [
    { region: 'eu-west', addresses: ['10.231.1.11', '10.231.1.12'] },
    { region: 'us-east', addresses: ['10.231.2.11', '10.231.2.12'] },
  ]);
  assert.deepEqual(drillEnvironmentFromStatus(status, 'api', faults).endpoints[0], { region: 'eu-west', addresses: ['10.231.1.31'] });
});

test('an unknown service is bad input naming the services', () => {
  assert.throws(() => drillEnvironmentFromStatus(status, 'db', faults), (err: unknown) => err instanceof InputError && err.message === "unknown service 'db'; services: web, api");
});

test('a lab without agents, or with a region already cut, is bad input', () => {
  const noAgents = { ...status, agents: false } as LabStatus;
  assert.throws(() => drillEnvironmentFromStatus(noAgents, undefined, faults), /runs no agents/);
  const cut = { ...status, regions: [{ ...status.regions[0]!, cut: true }, status.regions[1]!] } as LabStatus;
  assert.throws(() => drillEnvironmentFromStatus(cut, undefined, faults), (err: unknown) => err instanceof InputError && /eu-west is cut \(meridian lab heal eu-west\)/.test(err.message));
});
