/**
 * `meridian agent` and `meridian status` as a person runs them: child processes, real sockets on
 * loopback, exit codes and one-line errors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/ports.ts';
import { EndpointServer, dig, getJson, waitFor } from './fixtures.ts';

const BIN = new URL('../../../bin/meridian.js', import.meta.url).pathname;
const AGENT_IP = '127.0.78.11';
const ENDPOINT_IP = '127.0.78.21';
const env = { ...process.env, MERIDIAN_LOG_LEVEL: 'warn' };

let dir = '';
let file = '';
let dnsPort = 0;
let apiPort = 0;
const endpoint = { server: undefined as EndpointServer | undefined };
const children: ChildProcess[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meridian-agent-cli-'));
  [dnsPort, apiPort] = [await freePort(AGENT_IP), await freePort(AGENT_IP)];
  const servicePort = await freePort(ENDPOINT_IP);
  endpoint.server = new EndpointServer(ENDPOINT_IP, servicePort);
  await endpoint.server.start();
  file = join(dir, 'topology.yaml');
  await writeFile(file, `apiVersion: meridian/v1
zone: cli.test
regions:
  - { name: solo, agent: { dns: "${AGENT_IP}:${dnsPort}", api: "http://${AGENT_IP}:${apiPort}" } }
services:
  - name: web
    hostname: web
    port: ${servicePort}
    endpoints: { solo: ["${ENDPOINT_IP}"] }
    health: { interval: 200ms, timeout: 150ms }
    policy: { type: failover, order: [solo] }
`);
});

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await endpoint.server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function meridian(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { env, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('meridian status: exit 1 and every agent unreachable when none runs', async () => {
  const r = await meridian(['status', '-f', file]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /solo\s+http:\/\/127\.0\.78\.11:\d+\s+unreachable \(ECONNREFUSED\)/);
  assert.equal(r.stderr.trim(), 'meridian: no agent answered');
});

test('meridian agent: a region not in the topology is one line, exit 2', async () => {
  const r = await meridian(['agent', '-f', file, '--region', 'mars']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), "meridian: region 'mars' is not in the topology (regions: solo)");
});

test('meridian agent serves DNS and /status until SIGTERM, then exits 0', async () => {
  const child = spawn('node', [BIN, 'agent', '-f', file, '--region', 'solo'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor('/healthz', async () => ((await getJson(`http://${AGENT_IP}:${apiPort}/healthz`)).status === 200 ? true : undefined), 15_000);
  await waitFor('the endpoint to be seen up', async () => {
    const { body } = await getJson(`http://${AGENT_IP}:${apiPort}/status`);
    return JSON.stringify(body).includes('"state":"up"') || undefined;
  });
  assert.deepEqual(await dig(AGENT_IP, dnsPort, 'web.cli.test'), [ENDPOINT_IP]);

  const table = await meridian(['status', '-f', file]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /service\/region\s+seen from solo\s+routed\n\s*web\/solo\s+up\s+up/);
  assert.match(table.stdout, /answers \(from solo\):/);
  assert.match(table.stdout, new RegExp(`web\\s+web\\.cli\\.test\\s+failover\\s+\\*\\s+solo\\s+${ENDPOINT_IP.replaceAll('.', '\\.')}`));

  const json = await meridian(['status', '-f', file, '--json']);
  const readings = JSON.parse(json.stdout) as { region: string; kind: string; status: { region: string } }[];
  assert.deepEqual(readings.map((r) => [r.region, r.kind, r.status.region]), [['solo', 'ok', 'solo']]);

  // A second agent on the same addresses: one clear line, exit 1.
  const clash = await meridian(['agent', '-f', file, '--region', 'solo']);
  assert.equal(clash.code, 1);
  assert.match(clash.stderr.trim().split('\n').at(-1) ?? '', /^meridian: cannot listen for DNS on 127\.0\.78\.11:\d+: address already in use/);

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, stderr);
});

test('meridian agent: an address that is not local is one line, exit 2', async () => {
  const r = await meridian(['agent', '-f', file, '--region', 'solo', '--dns', '192.0.2.1:5353']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').at(-1), 'meridian: cannot listen for DNS on 192.0.2.1:5353: 192.0.2.1 is not an address of this machine (or of this network namespace)');
});
