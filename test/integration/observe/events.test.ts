/**
 * Timelines of real agents on loopback: GET /v1/events, the SSE stream, and `meridian events`
 * (a real CLI process) merging every reachable agent, with a stopped agent named on stderr.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import type { EventsPage, TimelineEvent } from '../../../src/observe/index.ts';
import { waitFor } from '../agent/fixtures.ts';
import { REGIONS, startCluster, type Cluster, type RegionName } from './cluster.ts';

const run = promisify(execFile);
const BIN = new URL('../../../bin/meridian.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'meridian-events-'));
let cluster: Cluster;
let topologyFile: string;

before(async () => {
  cluster = await startCluster('127.0.93');
  topologyFile = cluster.writeTopology(dir);
});
after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function page(region: RegionName, since = 0): Promise<EventsPage> {
  const res = await fetch(`${cluster.apiUrl[region]}/v1/events?since=${since}`, { signal: AbortSignal.timeout(2_000) });
  assert.equal(res.status, 200);
  return (await res.json()) as EventsPage;
}

const routedDown = (e: TimelineEvent, key: string) => e.kind === 'health.transition' && e.details.scope === 'routed' && e.details.key === key && e.details.to === 'down';

test('each agent serves its own timeline after `since`; bad `since` is a 400', async () => {
  const first = await page('ra');
  assert.equal(first.region, 'ra');
  assert.equal(first.boot, cluster.agents.get('ra')?.bootId);
  assert.equal(first.events[0]?.kind, 'agent.started');
  assert.ok(first.events.every((e, i) => e.seq === i + 1 && e.region === 'ra'));
  assert.deepEqual((await page('ra', first.lastSeq)).events, []);
  const bad = await fetch(`${cluster.apiUrl.ra}/v1/events?since=-3`);
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /non-negative integer/);
  // A POST to a read route is refused before the route: these agents have no tokens file (loopback reads only, no action).
  const post = await fetch(`${cluster.apiUrl.ra}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(post.status, 403);
  assert.match(((await post.json()) as { error: string }).error, /^no tokens file configured on this agent/);
  assert.equal((await fetch(`${cluster.apiUrl.ra}/nope`)).status, 404, 'unknown paths still 404');
});

test('no route grants CORS: a GET from a foreign Origin gets no Access-Control-Allow-Origin', async () => {
  const origin = { origin: 'http://attacker.example' };
  for (const path of ['/', '/status', '/healthz', '/metrics', '/v1/view', '/v1/events', '/v1/regions', '/nope']) {
    const res = await fetch(`${cluster.apiUrl.ra}${path}`, { headers: origin, signal: AbortSignal.timeout(2_000) });
    assert.equal(res.headers.get('access-control-allow-origin'), null, path);
    await res.body?.cancel();
  }
  const controller = new AbortController();
  const stream = await fetch(`${cluster.apiUrl.ra}/v1/stream`, { headers: origin, signal: controller.signal });
  assert.equal(stream.headers.get('access-control-allow-origin'), null, '/v1/stream');
  controller.abort();
});

test('GET /v1/regions: the other agents as this one reads them, with the events after a cursor', async () => {
  interface Reading { region: string; api: string; reachable: boolean; ageMs: number; status: { region: string }; timeline: EventsPage }
  const read = async (query = '') => {
    const res = await fetch(`${cluster.apiUrl.ra}/v1/regions${query}`, { signal: AbortSignal.timeout(2_000) });
    assert.equal(res.status, 200);
    return ((await res.json()) as { agents: Reading[] }).agents;
  };
  const first = await read();
  assert.deepEqual(first.map((a) => [a.region, a.api, a.reachable, a.status.region]), [['rb', cluster.apiUrl.rb, true, 'rb'], ['rc', cluster.apiUrl.rc, true, 'rc']]);
  const rb = first[0]!;
  assert.equal(rb.timeline.boot, cluster.agents.get('rb')?.bootId);
  assert.equal(rb.timeline.events[0]?.kind, 'agent.started');
  assert.ok(rb.ageMs >= 0 && rb.ageMs < 2_000, `age ${rb.ageMs}`);
  // Past the cursor only: a page asks for what it has not seen yet.
  const next = await read(`?since=${encodeURIComponent(`rb:${rb.timeline.boot}:${rb.timeline.lastSeq}`)}`);
  assert.ok(next[0]!.timeline.events.every((e) => e.seq > rb.timeline.lastSeq));
  assert.ok(next[1]!.timeline.events.some((e) => e.kind === 'agent.started'), 'no cursor for rc: all its events');
  // Many dashboards do not multiply the reads: within a second, one reading is shared.
  const burst = await Promise.all(Array.from({ length: 20 }, () => read()));
  assert.ok(new Set(burst.map((agents) => JSON.stringify(agents[0]!.status))).size <= 2);
});

test('the stream sends hello, status, then each new event as it happens', async () => {
  const controller = new AbortController();
  const res = await fetch(`${cluster.apiUrl.rb}/v1/stream?since=999999`, { signal: controller.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  const readUntil = async (pattern: RegExp) => {
    while (!pattern.test(text)) {
      const { value, done } = await reader.read();
      if (done) assert.fail(`stream ended before ${pattern}: ${text}`);
      text += Buffer.from(value).toString('utf8');
    }
  };
  try {
    await readUntil(/event: status\ndata: \{.*"region":"rb"/);
    assert.match(text, /^retry: 1000\n\nevent: hello\ndata: \{"region":"rb"/);
    assert.doesNotMatch(text, /event: timeline/, 'since=999999: no backlog');
    await cluster.cutEndpoints('rc');
    await readUntil(/id: [^\n]+:\d+\nevent: timeline\ndata: \{[^\n]*routed down/);
  } finally {
    controller.abort();
    await cluster.restoreEndpoints('rc');
  }
});

test('after a cut, every agent recorded rc drained; the CLI merges them in time order', async () => {
  const key = `web/rc/${cluster.endpoints.rc[0]}`;
  await waitFor('every agent to route rc (an earlier test cut it)', async () =>
    REGIONS.every((r) => cluster.agents.get(r)?.status().services.every((s) => s.regions.every((g) => g.endpoints.every((e) => e.routed === 'up')))) || undefined);
  const since = Object.fromEntries(await Promise.all(REGIONS.map(async (r) => [r, (await page(r)).lastSeq] as const)));
  await cluster.cutEndpoints('rc');
  try {
    await waitFor('every agent to record rc routed down', async () => {
      for (const r of REGIONS) if (!(await page(r, since[r])).events.some((e) => routedDown(e, key))) return undefined;
      return true;
    });
    const { stdout, stderr } = await run(process.execPath, [BIN, 'events', '-f', topologyFile, '--json'], { timeout: 20_000 });
    assert.equal(stderr, '');
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as TimelineEvent);
    assert.deepEqual(new Set(events.map((e) => e.region)), new Set(REGIONS));
    assert.deepEqual(new Set(events.filter((e) => routedDown(e, key) && e.seq > (since[e.region] ?? 0)).map((e) => e.region)), new Set(REGIONS));
    for (let i = 1; i < events.length; i++) assert.ok((events[i - 1] as TimelineEvent).atMs <= (events[i] as TimelineEvent).atMs, 'time order');
    const text = await run(process.execPath, [BIN, 'events', '-f', topologyFile], { timeout: 20_000 });
    assert.match(text.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}ra {9}agent\.started {6}agent ra started$/m);
  } finally {
    await cluster.restoreEndpoints('rc');
  }
});

test('a stopped agent is named on stderr and skipped; --follow keeps printing until SIGINT', async () => {
  await cluster.stopAgent('rc');
  const once_ = await run(process.execPath, [BIN, 'events', '-f', topologyFile, '--json'], { timeout: 20_000 });
  assert.match(once_.stderr, /^meridian: agent rc \(http:\/\/127\.0\.93\.13:\d+\) unreachable: ECONNREFUSED; its events are missing\n$/);
  const regions = new Set(once_.stdout.trim().split('\n').map((l) => (JSON.parse(l) as TimelineEvent).region));
  assert.deepEqual(regions, new Set(['ra', 'rb']));

  const child = spawn(process.execPath, [BIN, 'events', '-f', topologyFile, '--json', '--follow', '--interval', '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  try {
    await waitFor('the backlog', async () => (out.includes('"agent.started"') ? true : undefined), 15_000);
    const before = out.length;
    await cluster.cutEndpoints('rb');
    await waitFor('a new event while following', async () => (out.slice(before).includes('"health.transition"') ? true : undefined), 10_000);
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  } finally {
    child.kill('SIGKILL');
    await cluster.restoreEndpoints('rb');
  }
});

test('no agent answering: exit 1 with one line; no -f and no lab: exit 2', async () => {
  const allDown = join(dir, 'down.yaml');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(allDown, cluster.yaml.replace(/http:\/\/127\.0\.93\.1(\d):\d+/g, 'http://127.0.93.1$1:9'));
  const down = await run(process.execPath, [BIN, 'events', '-f', allDown], { timeout: 20_000 }).catch((e: { code: number; stderr: string }) => e);
  assert.equal((down as { code: number }).code, 1);
  assert.match((down as { stderr: string }).stderr, /meridian: no agent answered/);
  const nolab = await run(process.execPath, [BIN, 'events'], { timeout: 20_000, env: { ...process.env, MERIDIAN_LAB_DIR: join(dir, 'no-lab') } }).catch((e: { code: number; stderr: string }) => e);
  assert.equal((nolab as { code: number }).code, 2);
  assert.match((nolab as { stderr: string }).stderr, /^meridian: pass -f FILE: no topology file given and no lab is running/);
});
