/**
 * `meridian failback` end to end through the real CLI process (bin/meridian.js) and its real HTTP
 * client code, against FAKE agents: three small HTTP servers on loopback sharing one in-memory
 * model of the cluster. What is faked, and why: the agents' API (GET /status, GET
 * /v1/stores/orders/plan, POST /v1/stores/orders/switchover, POST /v1/traffic/weight|undrain),
 * because the runner's behaviour (observe before moving on, the order of the traffic requests,
 * stopping at a failing gate with the last step left in force, refusals before any change) is
 * what is tested here, and real agents need etcd and PostgreSQL (the lab test
 * test/integration/e2e/failback.test.ts runs it against real ones). The fake is deliberately
 * unhelpful where the real system can be: its switchover answers `completed` while the record it
 * reports still names the old primary for a while, so a runner that trusted the answer would ramp
 * traffic before the store moved (checked by the order of events).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { TrafficControls } from '../../../src/gslb/traffic-controls.ts';
import { MERIDIAN_BIN, type CliResult } from '../../support/cli.ts';

const AGENTS = ['eu-west', 'us-east', 'ap-south'] as const;
const COORDINATOR = 'ap-south';
const R = 'eu-west';

interface Model {
  primary: string;
  token: number;
  paused: { by: string; reason: string; at: string } | null;
  /** Status reads left before a switchover asked for shows on the record (the fake's lag). */
  flipAfterReads: number | null;
  lastRunbook: { runbookId: string; kind: string; summary: string; outcome: string; steps: [] } | null;
  controls: TrafficControls;
  revision: number;
  /** web's second endpoint in R is routed down once api's weight reaches this (null: never). */
  failAtWeight: number | null;
  events: string[];
}

let model: Model;
function freshModel(): Model {
  const origin = { by: 'alice', at: '2026-12-01T10:00:00Z', reason: 'outage', forced: false };
  return {
    primary: 'us-east', token: 12, paused: null, flipAfterReads: null, lastRunbook: null,
    controls: { drains: [{ region: R, service: 'api', ...origin }, { region: R, service: 'web', ...origin }], weights: [] },
    revision: 7, failAtWeight: null, events: [],
  };
}

const apiWeight = () => model.controls.weights.find((w) => w.service === 'api' && w.region === R)?.weight ?? (model.controls.drains.some((d) => d.service === 'api') ? 0 : 200);

function status(agent: string): unknown {
  if (model.flipAfterReads !== null && agent === COORDINATOR && --model.flipAfterReads <= 0) {
    model.flipAfterReads = null;
    model.primary = R;
    model.token += 3;
    model.lastRunbook = { runbookId: `orders/switchover/${R}/1700`, kind: 'switchover', summary: `switch orders over from us-east to ${R}`, outcome: 'completed', steps: [] };
    model.events.push('record:eu-west');
  }
  const sick = model.failAtWeight !== null && apiWeight() >= model.failAtWeight;
  const endpoints = (service: string, region: string) => [1, 2].map((i) => {
    const down = sick && service === 'web' && region === R && i === 2;
    return { address: `10.0.${AGENTS.indexOf(region as never)}.${i}`, routed: down ? 'down' : 'up', downVotes: down ? ['us-east', 'ap-south'] : [], voters: [...AGENTS], vantages: {} };
  });
  return {
    region: agent, bootId: 'b', viewSeq: 1, atMs: Date.now(), staleAfterMs: 1500, peers: [], answers: [],
    services: ['api', 'web'].map((service) => ({ service, fqdn: `${service}.global.test`, regions: AGENTS.map((region) => ({ region, endpoints: endpoints(service, region) })) })),
    stores: {
      supervised: true,
      stores: [{
        store: 'orders', supervised: true, etcd: { ok: true }, dns: {}, local: null, marks: { rejoin: [], blocked: [] }, paused: model.paused,
        primary: { region: model.primary, token: String(model.token), timeline: 2, writtenBy: `${model.primary}/agent:x`, at: '' },
        lease: { holder: `${model.primary}/agent:x`, token: String(model.token) },
        coordinator: { holder: COORDINATOR, token: '3', self: agent === COORDINATOR },
        lastPlan: null, lastRunbook: agent === COORDINATOR ? model.lastRunbook : null, runningRunbook: null,
      }],
    },
    traffic: { source: 'etcd', ok: true, controls: model.controls, revision: String(model.revision), readAt: '' },
  };
}

function preview(): unknown {
  return {
    store: 'orders', kind: 'switchover', subject: R, primary: { region: model.primary, timeline: 2, lsn: '0/3000000', reachable: true },
    outcome: model.primary === R ? 'noop' : 'runs',
    plans: [{ kind: 'run', summary: `switch orders over from us-east to ${R}`, steps: [] }],
    steps: [{ id: `promote:${R}`, kind: 'promote', reason: 'planned switchover' }], promote: null, syncProof: null, lag: [], waits: [],
  };
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return JSON.parse(text || '{}') as Record<string, unknown>;
}

function traffic(kind: string, b: Record<string, unknown>): { status: number; body: unknown } {
  const c = model.controls;
  if (kind === 'undrain') {
    model.controls = { ...c, drains: c.drains.filter((d) => d.region !== b.region || (b.service !== undefined && d.service !== b.service)) };
  } else {
    const others = c.weights.filter((w) => !(w.service === b.service && w.region === b.region));
    model.controls = { ...c, weights: b.weight === null ? others : [...others, { service: String(b.service), region: String(b.region), weight: Number(b.weight), by: String(b.by), at: '', reason: String(b.reason ?? ''), forced: false }] };
  }
  model.revision += 1;
  model.events.push(`${kind}:${b.service ?? '*'}${kind === 'weight' ? `=${b.weight}` : ''}`);
  return { status: 200, body: { outcome: 'applied', detail: `${kind} applied`, handledBy: 'eu-west', revision: String(model.revision) } };
}

async function serve(agent: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://agent');
  let answer: { status: number; body: unknown };
  if (req.method === 'GET' && url.pathname === '/status') answer = { status: 200, body: status(agent) };
  else if (req.method === 'GET' && url.pathname === '/v1/stores/orders/plan') answer = agent === COORDINATOR ? { status: 200, body: preview() } : { status: 409, body: { error: 'not the coordinator', coordinator: COORDINATOR } };
  else if (req.method === 'POST' && url.pathname === '/v1/stores/orders/switchover') {
    const b = await body(req);
    model.events.push(`switchover:${b.to}:${agent}`);
    // Answers done at once; the record it reports moves only a few status reads later.
    model.flipAfterReads = 3;
    answer = { status: 200, body: { outcome: 'completed', reason: `switch orders over from us-east to ${R}`, runbookId: `orders/switchover/${R}/1700`, steps: [] } };
  } else if (req.method === 'POST' && url.pathname.startsWith('/v1/traffic/')) answer = traffic(url.pathname.slice('/v1/traffic/'.length), await body(req));
  else answer = { status: 404, body: { error: 'no such route in the fake' } };
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
}

const dir = mkdtempSync(join(tmpdir(), 'meridian-failback-'));
const file = join(dir, 'meridian.yaml');
const servers: Server[] = [];

before(async () => {
  const ports: number[] = [];
  for (const agent of AGENTS) {
    const server = createServer((req, res) => void serve(agent, req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports.push((server.address() as AddressInfo).port);
  }
  const regions = AGENTS.map((a, i) => `  - name: ${a}\n    agent: { dns: "127.0.0.1:53", api: "http://127.0.0.1:${ports[i]}" }\n    etcd: { client: "http://127.0.0.1:2379", peer: "http://127.0.0.1:2380" }\n`).join('');
  const endpoints = `{ eu-west: ["10.0.0.1", "10.0.0.2"], us-east: ["10.0.1.1", "10.0.1.2"], ap-south: ["10.0.2.1", "10.0.2.2"] }`;
  writeFileSync(file, `apiVersion: meridian/v1
zone: global.test
regions:
${regions}services:
  - { name: api, hostname: api, port: 8080, endpoints: ${endpoints}, policy: { type: weighted, weights: { eu-west: 200, us-east: 100, ap-south: 100 } } }
  - { name: web, hostname: web, port: 8080, endpoints: ${endpoints}, policy: { type: failover, order: [eu-west, us-east, ap-south] } }
stores:
  - { name: orders, engine: postgres, primaryRegion: eu-west, replicaRegions: [us-east, ap-south], database: orders, primaryHostname: primary.orders.db, replicaHostname: replica.orders.db }
`);
});
after(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  model = freshModel();
});
afterEach(() => undefined);

/** The CLI in a child process, asynchronously: the fake agents answer from this process meanwhile. */
function failback(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MERIDIAN_BIN, 'failback', '--store', 'orders', '--region', R, '-f', file, ...args], {
      env: { ...process.env, MERIDIAN_TOKEN: 'fake', MERIDIAN_OPERATOR: 'tester', MERIDIAN_LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

describe('meridian failback against fake agents', { timeout: 120_000 }, () => {
  it('switches over, waits for the record to show it (not for the answer), then ramps api in steps and lifts web last', async () => {
    const r = await failback(['--step-wait', '0s']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(r.stderr, '');
    assert.deepEqual(model.events, [
      `switchover:${R}:${COORDINATOR}`,
      'record:eu-west',
      'weight:api=20', 'undrain:api',
      'weight:api=50',
      'weight:api=100',
      'weight:api=null', 'undrain:web',
    ]);
    assert.deepEqual(model.controls, { drains: [], weights: [] });
    assert.match(r.stdout, /switchover observed done: eu-west is the primary of orders, holding its lease; runbook orders\/switchover\/eu-west\/1700 closed ok/);
    assert.match(r.stdout, /step 1 of 4 \(10 %\): api: weight 20; undrain api/);
    assert.match(r.stdout, /failback of orders to eu-west done/);
  });

  it('stops at the first failing gate, leaving the last good step in force, and says what blocks and how to continue or undo', async () => {
    model.failAtWeight = 50;
    const r = await failback(['--step-wait', '0s']);
    assert.equal(r.code, 1, r.stdout);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^meridian: failback stopped at step 2 of 4 \(25 %\), left in force: web\/eu-west: 1 of 2 endpoints routed down by the majority view of the agent in eu-west: 10\.0\.0\.2 \(down for us-east, ap-south\)$/);
    assert.equal(apiWeight(), 50);
    assert.ok(model.controls.drains.some((d) => d.service === 'web'), 'web is not admitted');
    assert.match(r.stdout, /continue: once it passes, run the same command again/);
    assert.match(r.stdout, /undo the traffic: meridian traffic drain --region eu-west/);
  });

  it('run again after a stop: no second switchover, resumes at the next step', async () => {
    model.primary = R;
    model.token = 15;
    model.controls = { drains: [model.controls.drains[1]!], weights: [{ service: 'api', region: R, weight: 50, by: 'x', at: '', reason: '', forced: false }] };
    const r = await failback(['--step-wait', '0s']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /switchover: eu-west already is orders's primary/);
    assert.deepEqual(model.events, ['weight:api=100', 'weight:api=null', 'undrain:web']);
  });

  it('refuses a paused store before any change, in one line', async () => {
    model.paused = { by: 'bob', reason: 'kernel upgrade', at: '2026-12-01T09:00:00Z' };
    const r = await failback([]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^meridian: store orders is paused by bob since 2026-12-01T09:00:00Z \(kernel upgrade\): .*resume with: meridian resume --store orders\n$/);
    assert.deepEqual(model.events, []);
  });

  it('--dry-run prints the switchover plan and the ramp, and changes nothing', async () => {
    const r = await failback(['--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^dry run: failback of orders to eu-west; nothing was changed/);
    assert.match(r.stdout, /dry run: switchover of orders from us-east .* to eu-west/);
    assert.match(r.stdout, /1 +10 % +api: weight 20; undrain api\n2 +25 % +api: weight 50\n3 +50 % +api: weight 100\n4 +100 % +api: weight back to the topology's; undrain web/);
    assert.deepEqual(model.events, []);
  });
});
