import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prober, topologyEndpoints, type EndpointTransition, type ProbeFn } from '../../../src/health/index.ts';
import { parseTopology } from '../../../src/spec/index.ts';

const topology = parseTopology(`
apiVersion: meridian/v1
zone: global.test
regions: [{ name: ra }, { name: rb }]
services:
  - name: web
    hostname: web
    port: 8080
    endpoints: { ra: ["10.0.0.1"], rb: ["10.0.0.2"] }
    health: { interval: 20ms, timeout: 10ms, healthyThreshold: 2, unhealthyThreshold: 2 }
    policy: { type: failover, order: [ra, rb] }
`);

test('Prober: probes every endpoint on its own timer, never overlapping, and reports transitions', async () => {
  const inFlight = new Map<string, number>();
  let overlaps = 0;
  const calls: string[] = [];
  // rb's endpoint answers slowly (longer than the interval) and always fails; ra's always succeeds.
  const probe: ProbeFn = async (target) => {
    calls.push(target.address);
    if ((inFlight.get(target.address) ?? 0) > 0) overlaps++;
    inFlight.set(target.address, (inFlight.get(target.address) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, target.address === '10.0.0.2' ? 30 : 1));
    inFlight.set(target.address, (inFlight.get(target.address) ?? 0) - 1);
    return target.address === '10.0.0.2' ? { kind: 'failed', reason: 'timeout', latencyMs: 30 } : { kind: 'ok', latencyMs: 1 };
  };
  const transitions: EndpointTransition[] = [];
  const prober = new Prober({ endpoints: topologyEndpoints(topology), probe, onTransition: (t) => transitions.push(t) });
  prober.start();
  await new Promise((r) => setTimeout(r, 200));
  await prober.close();
  assert.equal(overlaps, 0);
  assert.deepEqual(prober.states(), { 'web/ra/10.0.0.1': 'up', 'web/rb/10.0.0.2': 'down' });
  assert.deepEqual(transitions.map((t) => `${t.ref.region}:${t.from}->${t.to}`).sort(), ['ra:unknown->up', 'rb:unknown->down']);
  const fast = calls.filter((a) => a === '10.0.0.1').length;
  const slow = calls.filter((a) => a === '10.0.0.2').length;
  assert.ok(fast >= 6 && fast <= 12, `ra probed about every 20ms: ${fast}`);
  assert.ok(slow >= 4 && slow <= 8, `rb probed back to back, never overlapping: ${slow}`);
  const count = calls.length;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(calls.length, count, 'no probe after close');
});
