/** PeerReadings against real loopback servers: one agent that answers, one that hangs (a cut region). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { parseCursors, PeerReadings } from '../../../src/observe/peer-readings.ts';

let hanging: Server;
const servers: Server[] = [];
let boot = 'boot-1';

const events = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, atMs: 0, region: 'rb', boot, kind: 'agent.started', summary: '', details: {} }));

/** An agent that answers /status and /v1/events, and the paths it was asked, in order. */
async function answeringAgent(): Promise<{ server: Server; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    asked.push(req.url ?? '');
    const since = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('since') ?? 0);
    const body = req.url === '/status' ? { region: 'rb' } : { region: 'rb', boot, lastSeq: 5, truncated: false, events: events(since + 1, 5) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  servers.push(server);
  await once(server.listen(0, '127.0.0.1'), 'listening');
  return { server, asked };
}

before(async () => {
  hanging = createServer(() => undefined);
  servers.push(hanging);
  await once(hanging.listen(0, '127.0.0.1'), 'listening');
});

after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

const api = (s: Server) => `http://127.0.0.1:${(s.address() as { port: number }).port}`;

test('an agent that hangs holds back neither the answer nor the others, and turns unreachable at its deadline', async () => {
  const { server } = await answeringAgent();
  // Generous margins: a loaded machine may take a while to answer even on loopback.
  const readings = new PeerReadings({ peers: [{ region: 'rb', api: api(server) }, { region: 'rc', api: api(hanging) }], timeoutMs: 3_000, waitMs: 1_000 });
  const started = Date.now();
  const first = await readings.read();
  assert.ok(Date.now() - started < 2_500, `answered after ${Date.now() - started} ms, before rc's deadline`);
  assert.deepEqual(first.map((r) => [r.region, r.reachable]), [['rb', true], ['rc', false]]);
  assert.deepEqual(first[1], { region: 'rc', api: api(hanging), reachable: false, error: 'not read yet' });
  await new Promise((r) => setTimeout(r, 3_200 - (Date.now() - started)));
  const [, rc] = await readings.read();
  assert.deepEqual(rc, { region: 'rc', api: api(hanging), reachable: false, error: 'timeout' });
});

test('one read per agent per second, however many ask; a cursor gets only newer events; a restart starts over', async () => {
  const { server, asked } = await answeringAgent();
  let nowMs = 0;
  const readings = new PeerReadings({ peers: [{ region: 'rb', api: api(server) }], now: () => nowMs, waitMs: 5_000 });
  const all = await Promise.all(Array.from({ length: 10 }, () => readings.read()));
  assert.deepEqual(asked.sort(), ['/status', '/v1/events?since=0']);
  for (const [r] of all) assert.equal(r?.reachable && r.timeline.events.length, 5);
  const [after3] = await readings.read(parseCursors(['rb:boot-1:3']));
  assert.deepEqual(after3?.reachable && after3.timeline.events.map((e) => e.seq), [4, 5]);
  // Another boot than the page's: everything the mirror has.
  const [otherBoot] = await readings.read(parseCursors(['rb:boot-0:3']));
  assert.equal(otherBoot?.reachable && otherBoot.timeline.events.length, 5);

  nowMs = 1_000;
  boot = 'boot-2';
  asked.length = 0;
  const [restarted] = await readings.read();
  assert.deepEqual(asked.sort(), ['/status', '/v1/events?since=0', '/v1/events?since=5'], 'read from the start after a restart');
  assert.equal(restarted?.reachable && restarted.timeline.boot, 'boot-2');
});

test('cursors: region:boot:seq, malformed ones ignored', () => {
  assert.deepEqual([...parseCursors(['rb:b1:7', 'rc:b2:x', 'nocolon', 'rd:b:1:2', 're:b3:0'])], [['rb', { boot: 'b1', lastSeq: 7 }], ['re', { boot: 'b3', lastSeq: 0 }]]);
});
