/**
 * Traffic controls end to end: three real agents on loopback, a real etcd, real endpoints, real
 * dig and the real CLI. A drain leaves every agent's answers within one probe interval and
 * survives an agent restart; the safety rules refuse draining the last healthy region and
 * --force does it (never failing open to the drained region); undrain restores; a weight change
 * shows in the answers; two operators racing cannot break a rule together; all of it audited.
 */
import { testAuth, testTokenEnv } from '../../support/tokens.ts';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningAgent } from '../../../src/agent/index.ts';
import { EtcdStore } from '../../../src/coord/index.ts';
import { waitFor } from '../agent/fixtures.ts';
import { ENDPOINT_IP, PROBE_INTERVAL_MS, REGIONS, meridian, postTraffic, startTrafficCluster, type RegionName, type TrafficCluster } from './fixtures.ts';

let cluster: TrafficCluster;
// The principal recorded is the token's name: alice@ops (an admin, so --force works too).
const OPERATOR = testTokenEnv('alice@ops');

before(async () => {
  cluster = await startTrafficCluster();
}, { timeout: 60_000 });
after(async () => cluster?.close());

const agent = (r: RegionName): RunningAgent => cluster.agents.get(r) ?? assert.fail(`agent ${r} not running`);
const answerOf = (r: RegionName, service: string) => agent(r).status().answers.find((s) => s.service === service)?.answers.at(-1);
const regionsAt = (r: RegionName, service: string) => answerOf(r, service)?.regions.join(',') ?? '';
const cli = (...args: string[]) => meridian(['traffic', ...args, '-f', cluster.topologyFile], OPERATOR);

/** Every agent answers `service` (per its status, then per dig) with `regions`. */
async function everyAgentAnswers(service: string, regions: readonly RegionName[], timeoutMs = 10_000): Promise<void> {
  const want = regions.join(',');
  // Not failing open: a fail-open answer lists the same regions (every endpoint of each).
  await waitFor(`every agent to answer ${service} with ${want}`, async () => (REGIONS.every((r) => regionsAt(r, service) === want && !answerOf(r, service)?.failOpen) ? true : undefined), timeoutMs);
  const addresses = regions.map((r) => ENDPOINT_IP[r]).sort();
  for (const r of REGIONS) {
    const got = await cluster.dig(r, service);
    // A weighted name answers ONE region per query, picked by weight.
    if (service === 'wt') assert.ok(got.length === 1 && addresses.includes(got[0] ?? ''), `dig at ${r}: ${got.join(' ')}`);
    else assert.deepEqual(got, addresses, `dig at ${r}`);
  }
}

async function regionDown(region: RegionName, down: boolean): Promise<void> {
  await (down ? cluster.servers[region].stop() : cluster.servers[region].start());
  await waitFor(`${region} routed ${down ? 'down' : 'up'} by every agent`, async () =>
    REGIONS.every((r) => agent(r).status().services.every((s) => s.regions.find((g) => g.region === region)?.endpoints.every((e) => e.routed === (down ? 'down' : 'up'))))
      || undefined, 15_000);
}

describe('traffic controls on real agents and etcd', { timeout: 180_000 }, () => {
  test('every agent starts with every region up and reads the (empty) controls from etcd', async () => {
    await everyAgentAnswers('web', ['ra']);
    for (const r of REGIONS) assert.equal(agent(r).status().traffic?.source, 'etcd');
  });

  test('a drain sent to one agent leaves EVERY agent\'s answers within one probe interval', async (t) => {
    const { status, body } = await postTraffic(agent('rb'), 'drain', { region: 'ra', service: 'web', reason: 'kernel upgrade', by: 'alice@ops' });
    const answeredAt = performance.now();
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.outcome, 'applied');
    await waitFor('every agent to leave ra out of web', async () => (REGIONS.every((r) => regionsAt(r, 'web') === 'rb') ? true : undefined), 5_000);
    const tookMs = performance.now() - answeredAt;
    t.diagnostic(`every agent left ra out ${tookMs.toFixed(0)} ms after the drain was answered`);
    assert.ok(tookMs <= PROBE_INTERVAL_MS, `every agent applied the drain ${tookMs.toFixed(0)} ms after the answer (probe interval ${PROBE_INTERVAL_MS} ms)`);
    await everyAgentAnswers('web', ['rb']);
    await everyAgentAnswers('wt', ['ra', 'rb']);
    assert.match(answerOf('rc', 'web')?.reason ?? '', /^ra drained by alice@ops \(kernel upgrade\); first healthy in failover order is rb$/);
    const metrics = await (await fetch(`http://${agent('rc').api.host}:${agent('rc').api.port}/metrics`, { headers: testAuth('viewer') })).text();
    assert.match(metrics, /^meridian_traffic_drained\{service="web",region="ra"\} 1$/m);
    assert.match(metrics, /^meridian_traffic_drained\{service="wt",region="ra"\} 0$/m);
  });

  test('the drain survives an agent restart: its first DNS answer already leaves ra out', async () => {
    await cluster.stopAgent('rc');
    await cluster.startAgent('rc');
    assert.deepEqual(await cluster.dig('rc', 'web'), [ENDPOINT_IP.rb]);
    assert.equal(agent('rc').status().traffic?.controls.drains[0]?.region, 'ra');
  });

  test('traffic status shows the drain, who set it and every agent on the same revision', async () => {
    const r = await cli('status');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^drain +ra +web +- +alice@ops +\S+ +kernel upgrade$/m);
    for (const region of REGIONS) assert.match(r.stdout, new RegExp(`^${region} +ok +revision \\d+$`, 'm'));
  });

  test('undrain with the CLI restores the answers', async () => {
    const r = await cli('undrain', '--region', 'ra', '--service', 'web');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^applied \(agent ra\): ra undrained for web by alice@ops/);
    await everyAgentAnswers('web', ['ra']);
  });

  test('draining the last healthy region is refused (exit 1, the rule named), --force does it without failing open to it', async () => {
    await Promise.all([regionDown('rb', true), regionDown('rc', true)]);
    try {
      const refused = await cli('drain', '--region', 'ra', '--service', 'web');
      assert.equal(refused.code, 1, refused.stdout);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.match(refused.stderr, /^meridian: refused by rule last-healthy-region: service web would have no healthy, undrained region left \(remaining: none; ra taken out by this change \(drained by alice@ops\); rb down by majority; rc down by majority\); nothing changed \(--force overrides the rule\)$/m);
      await everyAgentAnswers('web', ['ra']);
      const forced = await cli('drain', '--region', 'ra', '--service', 'web', '--force', '--reason', 'bad deploy');
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stdout, /FORCED past rule last-healthy-region/);
      // ra is drained and the others are down: fail open over rb and rc only, never ra.
      await waitFor('every agent to fail open over rb and rc', async () => (REGIONS.every((r) => regionsAt(r, 'web') === 'rb,rc' && answerOf(r, 'web')?.failOpen) ? true : undefined), 5_000);
      assert.equal(agent('ra').status().traffic?.controls.drains.find((d) => d.service === 'web')?.forced, true);
    } finally {
      await Promise.all([regionDown('rb', false), regionDown('rc', false)]);
    }
    assert.equal((await cli('undrain', '--region', 'ra')).code, 0);
    await everyAgentAnswers('web', ['ra']);
  });

  test('a weight change shows in every agent\'s answers; --reset goes back to the topology', async () => {
    const set = await cli('weight', '--service', 'wt', '--region', 'rb', '10');
    assert.equal(set.code, 0, set.stderr);
    await waitFor('every agent to weight wt 50/10', async () => (REGIONS.every((r) => JSON.stringify(answerOf(r, 'wt')?.weights) === '{"ra":50,"rb":10}') ? true : undefined), 5_000);
    const zero = await cli('weight', '--service', 'wt', '--region', 'ra', '0');
    assert.equal(zero.code, 0, zero.stderr);
    await everyAgentAnswers('wt', ['rb']);
    for (const region of ['ra', 'rb']) assert.equal((await cli('weight', '--service', 'wt', '--region', region, '--reset')).code, 0);
    await waitFor('every agent to weight wt 50/50 again', async () => (REGIONS.every((r) => JSON.stringify(answerOf(r, 'wt')?.weights) === '{"ra":50,"rb":50}') ? true : undefined), 5_000);
  });

  test('two operators racing on two agents cannot break a rule together: exactly one drain applies', async () => {
    // `two` needs 2 of its 3 regions: either drain alone is fine, both together are not.
    const [a, b] = await Promise.all([
      postTraffic(agent('ra'), 'drain', { region: 'ra', service: 'two', by: 'alice@ops' }),
      postTraffic(agent('rb'), 'drain', { region: 'rb', service: 'two', by: 'bob@ops' }),
    ]);
    assert.deepEqual([a.body.outcome, b.body.outcome].sort(), ['applied', 'refused'], JSON.stringify([a.body, b.body]));
    const refused = a.body.outcome === 'refused' ? a.body : b.body;
    assert.match(String(refused.detail), /rule min-healthy-regions: service two would have 1 healthy, undrained region\(s\), below its minHealthyRegions 2/);
    for (const r of ['ra', 'rb']) await postTraffic(agent('rc'), 'undrain', { region: r, by: 'alice@ops' });
    await everyAgentAnswers('two', ['ra', 'rb', 'rc']);
  });

  test('every request judged is in the etcd audit with who asked, and in the handling agent\'s timeline', async () => {
    const coord = new EtcdStore({ endpoints: cluster.etcd.endpoints });
    try {
      const read = await coord.readAudit('traffic');
      assert.ok(read.kind === 'read');
      const records = read.entries.map((e) => `${e.record.actor} ${e.record.action} ${e.record.result}`);
      assert.ok(records.includes('alice@ops traffic.drain failed'), records.join('\n'));
      assert.ok(records.includes('alice@ops traffic.drain ok'));
      assert.ok(records.includes('alice@ops traffic.weight ok'));
      assert.ok(records.some((r) => /^(alice|bob)@ops traffic\.drain failed$/.test(r)));
    } finally {
      await coord.close();
    }
    const events = await (await fetch(`http://${agent('rb').api.host}:${agent('rb').api.port}/v1/events`, { headers: testAuth('viewer') })).json() as { events: { kind: string; summary: string }[] };
    assert.ok(events.events.some((e) => e.kind === 'operator.action' && /^traffic drain ra for web by alice@ops: applied/.test(e.summary)), 'timeline');
  });
});

describe('meridian traffic: bad usage is one line and exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['a weight on a failover service', ['weight', '--service', 'web', '--region', 'ra', '10'], /^meridian: service 'web' has policy failover: weights apply only to weighted services/],
    ['a weight that is not a number', ['weight', '--service', 'wt', '--region', 'ra', 'lots'], /^meridian: the weight must be an integer from 0 to 1000, not 'lots'$/],
    ['a weight and --reset', ['weight', '--service', 'wt', '--region', 'ra', '5', '--reset'], /^meridian: give a weight or --reset, not both$/],
    ['an unknown region', ['drain', '--region', 'mars'], /^meridian: unknown region 'mars' \(regions: ra, rb, rc\)$/],
    ['an unknown service', ['undrain', '--region', 'ra', '--service', 'nope'], /^meridian: unknown service 'nope' \(services: web, wt, two\)$/],
    ['no --region', ['drain'], /^error: required option '--region <region>' not specified$/m],
  ];
  for (const [name, args, stderr] of cases) {
    test(name, async () => {
      const r = await cli(...args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr.split('\n')[0] ?? '', stderr);
      assert.equal(r.stdout, '');
    });
  }

  test('a topology without etcd: every change refused with one line, exit 2', async () => {
    const file = join(cluster.dir, 'no-etcd.yaml');
    await writeFile(file, (await readFile(cluster.topologyFile, 'utf8')).replace(/, etcd: \{[^}]*\}/g, ''));
    const r = await meridian(['traffic', 'drain', '--region', 'ra', '-f', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, 'meridian: traffic controls need etcd: the topology has no etcd members (regions[].etcd.client); nothing changed\n');
  });
});
