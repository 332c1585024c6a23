/**
 * GET /metrics of real agents on loopback: the exposition passes `promtool check metrics` (the
 * real tool) and, parsed, says what the agents see and answer, before and after a region's
 * endpoints stop.
 */
import { execFile, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { findSamples, parsePrometheusText, sampleValue, type Exposition } from '../../../src/observe/prom-text.ts';
import { dig, waitFor } from '../agent/fixtures.ts';
import { REGIONS, startCluster, type Cluster, type RegionName } from './cluster.ts';

const run = promisify(execFile);
let cluster: Cluster;

before(async () => {
  cluster = await startCluster('127.0.91');
});
after(async () => {
  await cluster?.stop();
});

async function scrape(region: RegionName): Promise<{ text: string; contentType: string }> {
  const res = await fetch(`${cluster.apiUrl[region]}/metrics`, { signal: AbortSignal.timeout(2_000) });
  assert.equal(res.status, 200);
  return { text: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

async function metrics(region: RegionName): Promise<Exposition> {
  return parsePrometheusText((await scrape(region)).text);
}

/** `promtool check metrics` reads the exposition on stdin; exit 0 and no lint output means clean. */
function promtoolCheckMetrics(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

const ep = (service: string, region: string, endpoint: string) => ({ service, region, endpoint });

/** A scrape in which everything is healthy: every endpoint routed, seen up by all three, peers fresh. */
async function healthyScrape(region: RegionName): Promise<Exposition> {
  return waitFor(`${region} to see a fully healthy cluster`, async () => {
    const m = await metrics(region);
    const routed = findSamples(m, 'meridian_endpoint_routed_up');
    const seen = findSamples(m, 'meridian_endpoint_seen_up');
    const fresh = findSamples(m, 'meridian_peer_view_fresh');
    const ok = routed.length === 12 && routed.every((s) => s.value === 1) && seen.length === 36 && seen.every((s) => s.value === 1) &&
      findSamples(m, 'meridian_endpoint_voters').every((s) => s.value === 3) && fresh.length === 2 && fresh.every((s) => s.value === 1);
    return ok ? m : undefined;
  }, 10_000);
}

test('every agent exposes valid metrics that promtool accepts', async () => {
  await waitFor('every agent routing every endpoint with 3 voters', async () => {
    for (const r of REGIONS) {
      const voters = findSamples(await metrics(r), 'meridian_endpoint_voters');
      if (voters.length === 0 || voters.some((s) => s.value !== 3)) return undefined;
    }
    return true;
  });
  for (const r of REGIONS) {
    const { text, contentType } = await scrape(r);
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    const checked = await promtoolCheckMetrics(text);
    assert.equal(checked.code, 0, checked.output);
    assert.equal(checked.output.trim(), '', `promtool lint findings for ${r}:\n${checked.output}`);
    const m = parsePrometheusText(text);
    assert.equal(sampleValue(m, 'meridian_agent_info', { region: r }), 1);
    assert.ok(findSamples(m, 'process_cpu_user_seconds_total').length === 1, 'default process metrics are exposed');
  }
});

test('probe counters, routing, votes, answers and peers describe the healthy cluster', async () => {
  const m = await healthyScrape('ra');
  for (const region of REGIONS) {
    for (const address of cluster.endpoints[region]) {
      const labels = { ...ep('web', region, address), vantage: 'ra' };
      const ok = sampleValue(m, 'meridian_probe_results_total', { ...labels, result: 'ok' });
      const all = findSamples(m, 'meridian_probe_results_total', labels).reduce((s, x) => s + x.value, 0);
      assert.ok(ok >= 2, `ra probed ${region}/${address} ok ${ok} times`);
      // Counted and timed at the same place, read in one scrape: the two must agree exactly.
      assert.equal(sampleValue(m, 'meridian_probe_duration_seconds_count', labels), all);
      assert.equal(findSamples(m, 'meridian_probe_results_total', labels).length, 7, 'every result series exists from the start');
      assert.equal(sampleValue(m, 'meridian_endpoint_routed_up', ep('web', region, address)), 1);
      assert.equal(sampleValue(m, 'meridian_endpoint_down_votes', ep('web', region, address)), 0);
      for (const vantage of REGIONS) assert.equal(sampleValue(m, 'meridian_endpoint_seen_up', { ...ep('web', region, address), vantage }), 1);
    }
  }
  const answer = (service: string, region: string) => ({ service, region, client_network: '*' });
  assert.deepEqual(REGIONS.map((r) => sampleValue(m, 'meridian_answer_region', answer('web', r))), [1, 0, 0]);
  assert.deepEqual(REGIONS.map((r) => sampleValue(m, 'meridian_answer_share_ratio', answer('all', r))), [0.5, 0.25, 0.25]);
  assert.deepEqual(REGIONS.map((r) => sampleValue(m, 'meridian_answer_share_ratio', answer('wt', r))), [0.75, 0.25, 0]);
  assert.equal(sampleValue(m, 'meridian_answer_fail_open', { service: 'web', client_network: '*' }), 0);
  assert.ok(sampleValue(m, 'meridian_answer_table_builds_total') >= 1, 'the first table counts');
  assert.ok(Math.abs(sampleValue(m, 'meridian_answer_table_last_build_timestamp_seconds') - Date.now() / 1000) < 60);
  for (const peer of ['rb', 'rc']) {
    assert.equal(sampleValue(m, 'meridian_peer_reachable', { peer }), 1);
    assert.equal(sampleValue(m, 'meridian_peer_view_fresh', { peer }), 1);
    const age = sampleValue(m, 'meridian_peer_view_age_seconds', { peer });
    assert.ok(age >= 0 && age < 1, `view age ${age}`);
  }
});

test('DNS queries are counted by qtype, rcode and transport', async () => {
  const before = await metrics('rb');
  const count = (m: Exposition, labels: Record<string, string>) => findSamples(m, 'meridian_dns_queries_total', labels).reduce((s, x) => s + x.value, 0);
  const at = (name: string, type = 'A') => dig(cluster.agentIp.rb, cluster.dnsPort.rb, name, type);
  for (let i = 0; i < 3; i++) assert.ok((await at('web.global.test')).length > 0);
  await at('nope.global.test');
  await at('web.global.test', 'TXT');
  await at('web.global.test', 'TYPE65280');
  await run('dig', [`@${cluster.agentIp.rb}`, '-p', String(cluster.dnsPort.rb), 'web.global.test', 'A', '+tcp', '+short', '+time=1', '+tries=1']);
  const after = await metrics('rb');
  const delta = (labels: Record<string, string>) => count(after, labels) - count(before, labels);
  assert.equal(delta({ qtype: 'A', rcode: 'NOERROR', transport: 'udp' }), 3);
  assert.equal(delta({ qtype: 'A', rcode: 'NXDOMAIN', transport: 'udp' }), 1);
  assert.equal(delta({ qtype: 'TXT', rcode: 'NOERROR', transport: 'udp' }), 1);
  assert.equal(delta({ qtype: 'OTHER', transport: 'udp' }), 1, 'unknown qtypes fold into OTHER');
  assert.equal(delta({ qtype: 'A', rcode: 'NOERROR', transport: 'tcp' }), 1);
  assert.equal(delta({}), 7);
});

test('a region whose endpoints stop: failed probes, down votes, drained routing, new answers', async () => {
  const before = await healthyScrape('ra');
  await cluster.cutEndpoints('rc');
  const rc = cluster.endpoints.rc[0] as string;
  const m = await waitFor('ra to drain rc by 3 down votes', async () => {
    const now = await metrics('ra');
    return sampleValue(now, 'meridian_endpoint_down_votes', ep('all', 'rc', rc)) === 3 ? now : undefined;
  });
  assert.equal(sampleValue(m, 'meridian_endpoint_routed_up', ep('all', 'rc', rc)), 0);
  assert.equal(sampleValue(m, 'meridian_endpoint_voters', ep('all', 'rc', rc)), 3);
  // Refused, as a rule; a loaded machine may see a timeout first.
  const failed = (e: Exposition) => findSamples(e, 'meridian_probe_results_total', { ...ep('all', 'rc', rc), vantage: 'ra' }).filter((x) => x.labels.result !== 'ok').reduce((n, x) => n + x.value, 0);
  assert.ok(failed(m) - failed(before) >= 2, 'failed probes counted');
  for (const vantage of REGIONS) assert.equal(sampleValue(m, 'meridian_endpoint_seen_up', { ...ep('all', 'rc', rc), vantage }), 0);
  const share = (region: string) => sampleValue(m, 'meridian_answer_share_ratio', { service: 'all', region, client_network: '*' });
  assert.equal(sampleValue(m, 'meridian_answer_region', { service: 'all', region: 'rc', client_network: '*' }), 0);
  assert.ok(Math.abs(share('ra') - 2 / 3) < 1e-9 && Math.abs(share('rb') - 1 / 3) < 1e-9 && share('rc') === 0);
  const builds = (e: Exposition) => sampleValue(e, 'meridian_answer_table_builds_total');
  assert.ok(builds(m) > builds(before));
  const events = (e: Exposition) => sampleValue(e, 'meridian_timeline_events_total', { kind: 'health.transition' });
  assert.ok(events(m) > events(before));
  await cluster.restoreEndpoints('rc');
  await waitFor('rc routed again', async () => (sampleValue(await metrics('ra'), 'meridian_endpoint_routed_up', ep('all', 'rc', rc)) === 1 ? true : undefined));
});

test('a stopped peer: unreachable, stale, no longer a voter', async () => {
  await cluster.stopAgent('rc');
  const voters = (e: Exposition) => sampleValue(e, 'meridian_endpoint_voters', ep('web', 'ra', cluster.endpoints.ra[0] as string));
  // Staleness is judged at scrape time, the votes at the agent's last merge tick: wait for both.
  const m = await waitFor('ra to see rc unreachable and stale, and count 2 voters', async () => {
    const now = await metrics('ra');
    const stale = sampleValue(now, 'meridian_peer_reachable', { peer: 'rc' }) === 0 && sampleValue(now, 'meridian_peer_view_fresh', { peer: 'rc' }) === 0;
    return stale && voters(now) === 2 ? now : undefined;
  });
  assert.ok(sampleValue(m, 'meridian_peer_view_age_seconds', { peer: 'rc' }) > 0.5);
  assert.equal(findSamples(m, 'meridian_endpoint_seen_up', { vantage: 'rc' }).length, 0, 'a stale view is not reported');
});
